"""adapters.autograd_adapter: HIPS autograd's gradients equal the reference's; exact round trips; conventions."""

import numpy as np
import pytest

autograd = pytest.importorskip("autograd", reason="autograd is not installed (pip install autograd)")

import autograd.numpy as anp  # noqa: E402

import reference  # noqa: E402
from adapters import autograd_adapter as aa  # noqa: E402

from .support.fixed_networks import assert_trace_close, networks  # noqa: E402


@pytest.mark.parametrize("name", list(networks()))
def test_trace_and_backprop_equal_reference(name):
    net = networks()[name]
    t = aa.backprop_trace(*net)
    assert_trace_close(t, reference.backprop_trace(*net))
    dC_dw, dC_db = aa.backprop(*net)
    for g, w in zip(dC_dw + dC_db, t.dC_dw + t.dC_db):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15)


def test_relu_kink_has_zero_derivative_unlike_autograds_maximum():
    """The adapter's relu'(0) = 0, as torch and jax; autograd's own np.maximum(z, 0) splits the tie: 0.5."""
    net = networks()["relu at z=0"]
    assert aa.backprop_trace(*net).dC_dz[0][0, 0] == 0.0
    assert autograd.grad(lambda z: anp.maximum(z, 0.0))(0.0) == 0.5  # measured: why the adapter does not use it


def test_float32_is_computed_and_returned_in_float32():
    net = networks()["mixed"]
    t = aa.backprop_trace(*net, dtype=np.float32)
    assert all(a.dtype == np.float32 for f in ("z", "a", "dC_dz", "dC_da", "dC_dw", "dC_db") for a in getattr(t, f))
    for got, want in zip(t.dC_dw, reference.backprop_trace(*net).dC_dw):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_saturated_sigmoid_keeps_its_tiny_slope_and_nothing_warns():
    net = networks()["saturated sigmoid"]
    assert_trace_close(aa.backprop_trace(*net), reference.backprop_trace(*net))
    big = ([np.array([[1.0]])], [np.zeros(1)], ["tanh"], np.array([[800.0], [-800.0]]), np.zeros((2, 1)))
    assert np.all(aa.backprop_trace(*big).dC_dz[0] == 0.0)  # cosh(800)^2 overflows inside autograd: silenced


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trips_are_exact(dtype):
    ws = [np.array([[0.0, -0.0, 1e-40 if dtype == np.float32 else 5e-324]], dtype), np.array([[1.5]], dtype)]
    bs = [np.array([-0.0], dtype), np.array([3.0], dtype)]
    params = aa.to_params(ws, bs)
    assert params[0][0].shape == (3, 1)  # (in, out), as autograd's examples lay W out
    back = aa.from_params(params)
    for ours, theirs in zip(ws + bs, back[0] + back[1]):
        assert theirs.dtype == ours.dtype and np.array_equal(theirs.view(np.uint8), ours.view(np.uint8))


def test_sgd_step_is_the_reference_step():
    net = networks()["mixed"]
    w1, b1 = aa.sgd_step(*net, 0.1)
    rw, rb = reference.step(net[0], net[1], *reference.backprop(*net), 0.1)
    for got, want in zip(w1 + b1, rw + rb):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_nothing_passed_in_is_modified():
    net = networks()["mixed"]
    before = [a.copy() for a in net[0] + net[1] + [net[3], net[4]]]
    aa.backprop_trace(*net)
    aa.sgd_step(*net, 0.1)
    for a, b in zip(net[0] + net[1] + [net[3], net[4]], before):
        assert np.array_equal(a, b)


def test_bad_input_raises_the_reference_error():
    ws, bs, acts, x, y = networks()["mixed"]
    with pytest.raises(reference.ReferenceValueError):
        aa.backprop(ws, bs, ["relu", "softplus", "tanh"], x, y)
    with pytest.raises(reference.ReferenceTypeError, match="expected a list of"):
        aa.from_params(3)
