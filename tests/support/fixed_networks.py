"""Fixed networks that every adapter test runs, and the comparison of two traces.

The draws of the conformance suite cover the space; these four pin the edges by name.
"""

import numpy as np
import pytest

FIELDS = ("z", "a", "dC_dz", "dC_da", "dC_dw", "dC_db")


def networks():
    """Fixed cases (weights, biases, activations, x, y): shapes w[i] (n_{i+1}, n_i), x (m, n_0), y (m, n_L)."""
    rng = np.random.default_rng(7)

    def rand(*shape):
        return rng.normal(size=shape)

    return {
        "mixed": ([rand(3, 2), rand(2, 3), rand(2, 2)], [rand(3), rand(2), rand(2)],
                  ["relu", "tanh", "sigmoid"], rand(4, 2), rand(4, 2)),
        "width-1 chain": ([rand(1, 1) for _ in range(4)], [rand(1) for _ in range(4)],
                          ["sigmoid", "relu", "tanh", "identity"], rand(3, 1), rand(3, 1)),
        # z(1) = 2 - 2 = 0 exactly in row 0: relu'(0) = 0; row 1 is positive, row 2 negative
        "relu at z=0": ([np.array([[1.0, -1.0], [0.5, 0.0]]), np.array([[1.0, 2.0]])], [np.zeros(2), np.array([0.3])],
                        ["relu", "identity"], np.array([[2.0, 2.0], [3.0, 1.0], [-1.0, 0.0]]), np.ones((3, 1))),
        # z(1) = 50, -45, 60: sigmoid saturated, where s * (1 - s) is 0 but the truth is ~e^-|z|
        "saturated sigmoid": ([np.array([[50.0]]), np.array([[1.5]])], [np.array([0.0]), np.array([-0.2])],
                              ["sigmoid", "identity"], np.array([[1.0], [-0.9], [1.2]]), np.zeros((3, 1))),
    }


def assert_trace_close(t, r, rtol=1e-12, atol=1e-14):
    for field in FIELDS:
        got, want = getattr(t, field), getattr(r, field)
        assert len(got) == len(want), field
        for g, w in zip(got, want):
            assert isinstance(g, np.ndarray) and g.shape == w.shape and g.dtype == w.dtype, field
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=field)
    assert t.C == pytest.approx(r.C, rel=rtol, abs=atol)
