"""A blind corpus: backprop mistakes written by hand in four styles unlike the catalogue's engine.

``columns`` (Nielsen-style, one example at a time as column vectors), ``classes`` (layer objects with
forward and backward methods), ``dicts`` (layers as dicts, a cache dict), ``loops`` (plain Python loops
over neurons and scalars).  :data:`corpus.CORPUS` lists every function with the factor a diagnosis must
measure, the catalogued mistake it equals (if any) and the phrases that show it was named.
"""
