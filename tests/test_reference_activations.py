"""Each sigma and sigma' at the edges: kinks, saturation, every finite float64."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import SIGMA

finite = st.floats(allow_nan=False, allow_infinity=False)


@given(finite)
def test_sigmoid_holds_for_every_finite_float64(z):
    """No overflow warning (warnings are errors here), no NaN, values in [0, 1].

    sigma'(z) <= 1/4 in exact arithmetic; e/(1+e)^2 may round one ulp above it near z = 0.
    """
    sigma, sigma_prime = SIGMA["sigmoid"]
    s, ds = sigma(np.array(z)), sigma_prime(np.array(z))
    assert 0.0 <= s <= 1.0 and 0.0 <= ds <= np.nextafter(0.25, 1)
    if abs(z) < 700:  # compare with the textbook formulas where they are safe
        e = math.exp(-z)  # up to e^700 ~ 1e304: (1 + e) ** 2 would overflow a Python float, so divide twice
        assert s == pytest.approx(1 / (1 + e), rel=1e-15, abs=1e-300)
        assert ds == pytest.approx(e / (1 + e) / (1 + e), rel=1e-13, abs=1e-300)


@given(finite)
def test_tanh_prime_holds_for_every_finite_float64(z):
    t, dt = SIGMA["tanh"][0](np.array(z)), SIGMA["tanh"][1](np.array(z))
    assert -1.0 <= t <= 1.0 and 0.0 <= dt <= np.nextafter(1.0, 2)  # one ulp of rounding, as above
    if abs(z) < 300:
        assert dt == pytest.approx(1 / math.cosh(z) ** 2, rel=1e-13, abs=1e-300)


def test_saturated_sigmoid_keeps_its_true_slope():
    """s * (1 - s) is exactly 0 once s rounds to 1 (z >= 37); the true slope is ~e^-z."""
    ds = SIGMA["sigmoid"][1](np.array([37.0, 40.0, -40.0]))
    np.testing.assert_allclose(ds, np.exp([-37.0, -40.0, -40.0]), rtol=1e-15)


def test_relu_prime_at_the_kink_is_zero_like_torch_and_jax():
    np.testing.assert_array_equal(SIGMA["relu"][1](np.array([-1.0, -0.0, 0.0, 5e-324, 3.0])), [0, 0, 0, 1, 1])


@pytest.mark.parametrize("name", sorted(SIGMA))
def test_derivative_matches_central_difference(name):
    sigma, sigma_prime = SIGMA[name]
    z = np.array([-3.0, -0.7, 0.3, 1.9, 4.0])  # away from relu's kink
    h = 1e-6
    np.testing.assert_allclose(sigma_prime(z), (sigma(z + h) - sigma(z - h)) / (2 * h), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", sorted(SIGMA))
def test_activations_do_not_modify_or_return_their_input(name):
    z = np.array([-1.0, 0.0, 2.0])
    before = z.copy()
    for f in SIGMA[name]:
        out = f(z)
        assert out is not z and not np.shares_memory(out, z)
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize("name", sorted(SIGMA))
def test_each_sigma_is_a_named_pair(name):
    """SIGMA[name].sigma and .prime, and it still unpacks as (sigma, sigma_prime)."""
    sigma, sigma_prime = SIGMA[name]
    assert (SIGMA[name].sigma, SIGMA[name].prime) == (sigma, sigma_prime)
    assert sigma.__name__ == name and sigma_prime.__name__ == f"{name}_prime"
