"""The one-neuron-per-layer chain [00:43 - 06:33] equals the matrix form on width-1 networks."""

import numpy as np
from hypothesis import given

from conformance.core.strategies import cases
from reference import backprop, chain_backprop, chain_steps


@given(cases(max_width=1, max_batch=1))
def test_chain_equals_matrix_form_on_width_1_networks(case):
    w = [float(v[0, 0]) for v in case.weights]
    b = [float(v[0]) for v in case.biases]
    chain_w, chain_b = chain_backprop(w, b, case.activations, float(case.x[0, 0]), float(case.y[0, 0]))
    dC_dw, dC_db = backprop(*case.args())
    # The same operations in the same order on the same float64 numbers: equal to the last bit
    # except where numpy fuses a product differently, so allow a couple of ulps.
    np.testing.assert_allclose(chain_w, [g[0, 0] for g in dC_dw], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(chain_b, [g[0] for g in dC_db], rtol=1e-14, atol=1e-300)


def test_each_factor_is_the_videos():
    """dC0/da(L) = 2(a(L) - y), dz/dw = a(L-1), dz/db = 1, dz/da(L-1) = w(L)."""
    (s1, s2) = chain_steps([0.5, -1.0], [0.0, 0.25], ["identity", "identity"], 2.0, 1.0)
    # forward: z(1) = a(1) = 1.0, z(2) = a(2) = -1.0 + 0.25 = -0.75
    assert (s1["z"], s1["a"], s2["z"], s2["a"]) == (1.0, 1.0, -0.75, -0.75)
    assert s2["dC0_da"] == 2 * (-0.75 - 1.0)          # [04:07]
    assert s2["dz_dw"] == s1["a"] and s2["dz_db"] == 1.0 and s2["dz_da_prev"] == -1.0
    assert s2["dC0_dw"] == s2["dz_dw"] * s2["da_dz"] * s2["dC0_da"]   # [03:45]
    assert s1["dC0_da"] == s2["dC0_da_prev"]          # iterate backwards [06:33]
    assert s1["dC0_dw"] == 2.0 * s1["dC0_da"]         # dz(1)/dw(1) = a(0) = x = 2
