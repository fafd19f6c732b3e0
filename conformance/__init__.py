"""backprop-reference's judge: the conformance suite (:mod:`conformance.suite`) and the kit (:mod:`conformance.kit`).

``reference/`` knows nothing of this package; this package checks it and, through the kit, checks
other people's backprop against it.  (PYTEST_DONT_REWRITE: the kit's command imports this package
before pytest starts; its checks raise their own failures and use no bare assert.)
"""
