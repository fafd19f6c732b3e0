"""Teaching commands built on :mod:`reference`.

``python -m reference explain`` (:mod:`teaching.explain`, numpy only) prints every factor of
the chain rule for one example, checked against ``reference.backprop``.
``python -m reference digits`` (:mod:`teaching.digits`) trains the video's
digit-network shape on scikit-learn's bundled 8x8 digits and draws what it
learned; ``python -m reference graph`` (:mod:`teaching.pictures`) draws the
one-neuron chain's computation graph.  Install with
``pip install "backprop-reference[teach]"``.  ``reference`` itself never
imports this package, so it stays numpy-only.
"""
