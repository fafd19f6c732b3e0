"""The conformance suite: the reference against every framework of the registry, shipped as a pytest package.

Its properties live here, as array-api-tests keeps its tests in its package, so that with the wheel
installed ``pytest --pyargs conformance.suite --framework=MODULE:CLASS`` runs them from any folder:
``test_trace.py`` (forward_backward), ``test_training.py`` (sgd_one_step, sgd_trajectory_10),
``test_roundtrip.py`` (round_trip), ``test_edges.py`` (the named edges), ``test_scale.py`` (marker
``scale``) and ``meta/`` (the tolerance table, bounds, messages and report, no framework needed).
Beside them: ``plugin`` (the lazy pytest entry point), ``oracles`` (a case through a framework),
``assertions`` (compare, fail with one message shape), ``report``, ``device``, ``profiles``,
``descent`` (the learning rate handed over), ``edges`` and ``parametrize``.  It imports
:mod:`conformance.core` and never :mod:`conformance.kit`.
"""
