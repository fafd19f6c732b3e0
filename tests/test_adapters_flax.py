"""adapters.flax_adapter: flax nnx Linear stacks and linen nn.Sequential, checked against real flax modules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

jax = pytest.importorskip("jax", reason="jax is not installed")
pytest.importorskip("flax", reason="flax is not installed")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
from flax import linen as nn  # noqa: E402
from flax import nnx  # noqa: E402

import reference  # noqa: E402
from adapters import flax_adapter as fa  # noqa: E402
from adapters import jax_adapter as ja  # noqa: E402
from conformance.core.strategies import parameters  # noqa: E402

from .support.fixed_networks import networks  # noqa: E402

EDGES = np.array([0.0, -0.0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 0.1, -1e-300])


def _bits(a):
    a = np.asarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def _assert_same(back, weights, biases):
    for ours, theirs in zip(list(weights) + list(biases), list(back[0]) + list(back[1])):
        assert theirs.dtype == ours.dtype and theirs.shape == ours.shape
        assert np.array_equal(_bits(theirs), _bits(ours))


def _cost(a, y):
    return jnp.mean(jnp.sum((a - y) ** 2, axis=1))  # the video's C


@pytest.mark.parametrize("name", ["mixed", "relu at z=0"])  # nnx.grad runs eagerly: two networks, seconds each
def test_to_nnx_is_a_real_nnx_model_with_the_reference_forward_and_gradients(name):
    ws, bs, acts, x, y = networks()[name]
    model = fa.to_nnx(ws, bs, acts)
    assert isinstance(model, nnx.Sequential) and isinstance(model.layers[0], nnx.Linear)
    assert model.layers[0].kernel[...].shape == ws[0].T.shape  # nnx stores (in, out)
    ref = reference.backprop_trace(ws, bs, acts, x, y)
    np.testing.assert_allclose(np.asarray(model(jnp.asarray(x))), ref.a[-1], rtol=1e-13, atol=1e-15)
    grads = nnx.grad(lambda m: _cost(m(jnp.asarray(x)), jnp.asarray(y)))(model)  # nnx's own autodiff
    for i, (gw, gb) in enumerate(zip(ref.dC_dw, ref.dC_db)):
        np.testing.assert_allclose(np.asarray(grads.layers[2 * i].kernel[...]).T, gw, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(np.asarray(grads.layers[2 * i].bias[...]), gb, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nnx_and_linen_round_trips_are_bit_exact(dtype):
    with np.errstate(over="ignore"):  # the float64 maximum is not a float32: it becomes inf there, on purpose
        edges = EDGES.astype(dtype)
    ws = [edges.reshape(1, -1).copy(), np.array([[1.5]], dtype)]
    bs = [np.array([-0.0], dtype), np.array([3.0], dtype)]
    ws = [np.where(np.isinf(w), np.asarray(1.0, dtype), w) for w in ws]
    for back in (fa.from_nnx(fa.to_nnx(ws, bs, ["relu", "identity"])),
                 fa.from_linen(*fa.to_linen(ws, bs, ["tanh", "sigmoid"])),
                 ja.from_flax(fa.to_linen(ws, bs, ["tanh", "sigmoid"])[1])):
        _assert_same(back, ws, bs)
    assert fa.from_nnx(fa.to_nnx(ws, bs, ["relu", "identity"]))[2] == ["relu", "identity"]
    assert fa.from_linen(*fa.to_linen(ws, bs, ["tanh", "sigmoid"]))[2] == ["tanh", "sigmoid"]


def test_from_nnx_reads_a_model_written_by_hand_and_a_list_of_linears():
    rngs = nnx.Rngs(0)
    model = nnx.Sequential(nnx.Linear(2, 4, rngs=rngs), nnx.relu, nnx.Linear(4, 3, rngs=rngs), nnx.tanh,
                           nnx.Linear(3, 1, rngs=rngs))
    ws, bs, acts = fa.from_nnx(model)
    assert acts == ["relu", "tanh", "identity"] and [w.shape for w in ws] == [(4, 2), (3, 4), (1, 3)]
    assert ws[0].dtype == np.float32  # nnx's default param_dtype, kept
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(model(jnp.asarray(x))), reference.forward(ws, bs, acts, x)[1][-1],
                               rtol=1e-5, atol=1e-6)
    lins = [nnx.Linear(2, 3, rngs=rngs), nnx.Linear(3, 1, use_bias=False, rngs=rngs)]
    ws2, bs2, acts2 = fa.from_nnx(lins)
    assert acts2 == ["identity", "identity"] and np.array_equal(bs2[1], np.zeros(1, np.float32))


def test_linen_sequential_written_by_hand_is_read_with_its_numbering():
    module = nn.Sequential([nn.Dense(3), nn.sigmoid, nn.Dense(2), nn.relu, nn.Dense(1)])
    x = np.random.default_rng(1).normal(size=(4, 2))
    variables = module.init(jax.random.PRNGKey(0), jnp.asarray(x, jnp.float32))
    assert sorted(variables["params"]) == ["layers_0", "layers_2", "layers_4"]  # what from_flax used to refuse
    ws, bs, acts = fa.from_linen(module, variables)
    assert acts == ["sigmoid", "relu", "identity"]
    ws_flat, bs_flat = ja.from_flax(variables)  # the plain dict reader takes the Sequential's numbering too
    _assert_same((ws_flat, bs_flat), ws, bs)
    out = module.apply(variables, jnp.asarray(x, jnp.float32))
    a_L = reference.forward(ws, bs, acts, x.astype(np.float32))[1][-1]
    np.testing.assert_allclose(np.asarray(out), a_L, rtol=1e-5, atol=1e-6)


def test_refusals_name_the_layer():
    with pytest.raises(reference.ReferenceTypeError, match=r"model.layers\[1\] is LayerNorm"):
        fa.from_nnx(nnx.Sequential(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), nnx.LayerNorm(2, rngs=nnx.Rngs(0))))
    with pytest.raises(reference.ReferenceValueError, match="does not follow"):
        fa.from_nnx(nnx.Sequential(nnx.relu, nnx.Linear(2, 2, rngs=nnx.Rngs(0))))
    with pytest.raises(reference.ReferenceTypeError, match="expected an nnx.Sequential"):
        fa.from_nnx({"kernel": np.ones((2, 2))})
    with pytest.raises(reference.ReferenceTypeError, match="expected a flax.linen.Sequential"):
        fa.from_linen(nn.Dense(2), {})
    with pytest.raises(reference.ReferenceValueError, match="more than one name"):
        ja.from_flax({"Dense_0": {"kernel": np.ones((2, 3))}, "layers_1": {"kernel": np.ones((3, 1))}})


@settings(max_examples=30)  # nnx builds a module in ~5 ms a layer: a short property beside the suite's linen route
@given(data=st.sampled_from([np.float64, np.float32]).flatmap(lambda dt: st.tuples(st.just(dt), parameters(dt))))
def test_nnx_round_trip_keeps_any_finite_float(data):
    dtype, (weights, biases, names) = data
    back = fa.from_nnx(fa.to_nnx(weights, biases, names))
    _assert_same(back, weights, biases)
    assert back[2] == list(names)
