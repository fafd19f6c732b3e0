"""backprop against central finite differences, on networks Hypothesis draws.

Step and tolerance.  Central differences in float64 with step h = 1e-6:
  truncation error  ~ h^2 |C'''| / 6  ~ 1e-13 |C'''|,
  rounding error    ~ eps |C| / h     ~ 2.2e-10 |C|   (eps = 2.2e-16).
Identity and relu networks are piecewise linear in any one parameter, so C
is piecewise quadratic there and only rounding remains; sigmoid and tanh
layers with |w| <= 2 keep |C'''| modest.  So we accept
  |fd - backprop| <= RTOL * |backprop| + ATOL * max(1, |C|)
with RTOL = 1e-5 and ATOL = 1e-7: a margin of ~500x over the rounding
term, while a real mistake (a missing sigma', a factor of 2, a wrong
transpose) is off by O(1) relative.  Values are drawn with 0.1 <= |v| <= 2
and no example lets a relu's z come within 1e-3 of its kink, where the
cost has no derivative and finite differences measure the average slope.
"""

import numpy as np
from hypothesis import assume, given

from conformance.core.strategies import cases
from reference import backprop, backprop_trace, cost, forward

H, RTOL, ATOL = 1e-6, 1e-5, 1e-7


def cost_of(weights, biases, activations, x, y):
    return cost(forward(weights, biases, activations, x)[1][-1], y)


def finite_differences(weights, biases, activations, x, y):
    """dC/dw and dC/db by central differences, one parameter at a time."""
    def nudge(params, i, idx, delta):
        nudged = [p.copy() for p in params]
        nudged[i][idx] += delta
        return nudged

    fd_w = [np.zeros_like(w) for w in weights]
    fd_b = [np.zeros_like(b) for b in biases]
    for i in range(len(weights)):
        for idx in np.ndindex(weights[i].shape):
            up = cost_of(nudge(weights, i, idx, H), biases, activations, x, y)
            down = cost_of(nudge(weights, i, idx, -H), biases, activations, x, y)
            fd_w[i][idx] = (up - down) / (2 * H)
        for idx in np.ndindex(biases[i].shape):
            up = cost_of(weights, nudge(biases, i, idx, H), activations, x, y)
            down = cost_of(weights, nudge(biases, i, idx, -H), activations, x, y)
            fd_b[i][idx] = (up - down) / (2 * H)
    return fd_w, fd_b


@given(cases(extremes=False))
def test_backprop_matches_central_finite_differences(case):
    z, _ = forward(case.weights, case.biases, case.activations, case.x)
    assume(all(np.abs(z_l).min() > 1e-3 for z_l, name in zip(z, case.activations) if name == "relu"))
    C = cost_of(*case.args())
    dC_dw, dC_db = backprop(*case.args())
    fd_w, fd_b = finite_differences(*case.args())
    for what, ours, fds in (("dC/dw", dC_dw, fd_w), ("dC/db", dC_db, fd_b)):
        for l, (g, fd) in enumerate(zip(ours, fds), start=1):
            err = np.abs(g - fd) - (RTOL * np.abs(g) + ATOL * max(1.0, C))
            assert (err <= 0).all(), (
                f"{what}({l}) of {case.describe()}: backprop {g} vs finite differences {fd}"
            )


@given(cases())
def test_trace_agrees_with_backprop_and_cost(case):
    """The second entry point returns the same gradients, and a consistent trace."""
    t = backprop_trace(*case.args())
    dC_dw, dC_db = backprop(*case.args())
    L = len(case.weights)
    assert len(t.a) == len(t.dC_da) == L + 1 and len(t.z) == len(t.dC_dz) == L
    for l in range(L):
        np.testing.assert_array_equal(t.dC_dw[l], dC_dw[l])
        np.testing.assert_array_equal(t.dC_db[l], dC_db[l])
        assert t.z[l].shape == t.dC_dz[l].shape == (case.x.shape[0], case.weights[l].shape[0])
    np.testing.assert_array_equal(t.a[0], case.x)
    assert t.C == cost(t.a[-1], case.y)
    assert t.dC_da[0].shape == case.x.shape


def test_bias_gradient_is_dC_dz_summed_over_examples():
    """dz/db = 1 [05:58]: dC/db(l) is dC/dz(l) summed over the m examples."""
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))]
    biases = [rng.standard_normal(3), rng.standard_normal(2)]
    x, y = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    t = backprop_trace(weights, biases, ["tanh", "sigmoid"], x, y)
    for l in range(2):
        np.testing.assert_allclose(t.dC_db[l], t.dC_dz[l].sum(axis=0), rtol=1e-15)


def test_cost_is_the_average_of_per_example_costs():
    """C over a batch is the mean of C0, and so is its gradient [09:23]."""
    rng = np.random.default_rng(2)
    weights, biases = [rng.standard_normal((2, 3))], [rng.standard_normal(2)]
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    batch_w, batch_b = backprop(weights, biases, ["sigmoid"], x, y)
    singles = [backprop(weights, biases, ["sigmoid"], x[i:i + 1], y[i:i + 1]) for i in range(4)]
    np.testing.assert_allclose(batch_w[0], np.mean([s[0][0] for s in singles], axis=0), rtol=1e-13)
    np.testing.assert_allclose(batch_b[0], np.mean([s[1][0] for s in singles], axis=0), rtol=1e-13)


def test_float32_on_request_stays_float32_and_close():
    rng = np.random.default_rng(3)
    weights, biases = [rng.standard_normal((4, 3))], [rng.standard_normal(4)]
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 4))
    g64 = backprop(weights, biases, ["tanh"], x, y)
    g32 = backprop(weights, biases, ["tanh"], x, y, dtype=np.float32)
    assert g64[0][0].dtype == np.float64 and g32[0][0].dtype == np.float32
    np.testing.assert_allclose(g32[0][0], g64[0][0], rtol=1e-5, atol=1e-6)
