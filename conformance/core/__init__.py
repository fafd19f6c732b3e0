"""The shared core of the judge: what the suite and the kit both stand on, and import nothing above it.

strategies (the networks Hypothesis draws), tolerances (one table) and bounds (the error bound of each
entry), naming (tensor names in the video's notation), frameworks (the registry of oracles), mutants and
mistakes (the catalogue of ways real backprop code departs from the video).  :mod:`conformance.suite` and
:mod:`conformance.kit` import from here; nothing here imports either of them.
"""
