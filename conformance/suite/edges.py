"""Named networks at the edges every framework must pass, and one well-conditioned network for the meta-tests.

Each is a :class:`~conformance.core.strategies.Case` in float64; ``case.rounded("float32")``
gives the float32 one.  :mod:`conformance.suite.test_edges` runs them through every framework;
the meta-tests (:mod:`conformance.suite.meta`) show that the tolerance table passes them and
catches the catalogued mistakes on them.
"""

from __future__ import annotations

import numpy as np

from conformance.core.strategies import Case


def sample_case(**kw) -> Case:
    """A 2-3-2-2 (sigmoid, tanh, sigmoid) network with m=3, seeded: nothing saturates, nothing cancels."""
    rng = np.random.default_rng(3)
    base = dict(weights=[rng.normal(size=(3, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 2))],
                biases=[rng.normal(size=3), rng.normal(size=2), rng.normal(size=2)],
                activations=["sigmoid", "tanh", "sigmoid"], x=rng.normal(size=(3, 2)), y=rng.normal(size=(3, 2)))
    base.update(kw)
    return Case(**base)


# relu's kink: z(1) = 0 from exact zeros in row 0 (every implementation must give relu'(0) = 0 there),
# and z(1) = 2 - 2 = 0 by cancellation in row 1 (rounding could move it: either slope passes)
KINK = Case([np.array([[1.0, -1.0], [0.5, 0.0]]), np.array([[1.0, 2.0]])], [np.zeros(2), np.array([0.3])],
            ["relu", "identity"], np.array([[0.0, 0.0], [2.0, 2.0], [3.0, 1.0], [-1.0, 0.0]]), np.ones((4, 1)))
# found by the thorough profile: z = 2^-126 - 60 + 60 is 0 in numpy's order and 2^-126 in torch's
# (which is right): relu' is 0 in one and 1 in the other; the kink rule allows both
CANCELLED_KINK = Case([np.array([[2.0**-126, 0.0, -60.0, 0.0, 60.0]])], [np.zeros(1)], ["relu"], np.ones((1, 5)),
                      np.ones((1, 1)))
# z(1) = 60, -45, 20: saturated sigmoids
SATURATED = Case([np.array([[60.0], [-45.0], [20.0]]), np.array([[1.5, -2.0, 0.7]])], [np.zeros(3), np.array([-0.2])],
                 ["sigmoid", "identity"], np.array([[1.0], [-0.9], [1.2]]), np.zeros((3, 1)))
# found by the thorough profile (seed 2): jax reads w(1) = -1.1e-308 as 0, so z(2) = 0 and relu' = 0
SUBNORMAL = Case([np.array([[-1.1125369292536007e-308]]), np.array([[1.0]])], [np.zeros(1), np.zeros(1)],
                 ["identity", "relu"], np.array([[-60.0]]), np.array([[1.0]]))
SUBNORMAL_ETA = 0.0008333333535119891
