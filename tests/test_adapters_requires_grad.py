"""Torch tensors that require grad: every adapter's conversions take them (detached), with the same numbers."""

import importlib.util

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed")

import reference  # noqa: E402

from .support.fixed_networks import networks  # noqa: E402

HAVE = {m: importlib.util.find_spec(m) is not None for m in ("jax", "flax", "autograd")}


def _tensors(net):
    ws, bs, acts, x, y = net
    return ([torch.tensor(w, requires_grad=True) for w in ws], [torch.tensor(b, requires_grad=True) for b in bs],
            acts, torch.tensor(x, requires_grad=True), torch.tensor(y))


def _same(got, want):
    for g, w in zip(got, want):
        assert isinstance(g, np.ndarray) and g.dtype == w.dtype and np.array_equal(g, w)


def test_torch_adapter_takes_tensors_that_require_grad():
    from adapters import torch_adapter as ta

    net = networks()["mixed"]
    tnet = _tensors(net)
    _same(ta.from_tensors(*ta.to_tensors(tnet[0], tnet[1]))[0], net[0])
    _same(ta.from_sequential(ta.to_sequential(*tnet[:3]))[0], net[0])
    _same(ta.backprop(*tnet)[0], ta.backprop(*net)[0])
    assert all(t.grad is None for t in tnet[0])  # detached: nothing flowed back into the caller's graph


@pytest.mark.skipif(not HAVE["jax"], reason="jax is not installed")
def test_jax_and_flax_adapters_take_tensors_that_require_grad():
    import jax

    jax.config.update("jax_enable_x64", True)
    from adapters import jax_adapter as ja

    net = networks()["mixed"]
    tnet = _tensors(net)
    _same(ja.from_pytree(ja.to_pytree(tnet[0], tnet[1]))[0], net[0])
    _same(ja.from_flax(ja.to_flax(tnet[0], tnet[1]))[0], net[0])
    _same(ja.backprop(*tnet)[0], ja.backprop(*net)[0])
    if HAVE["flax"]:
        from adapters import flax_adapter as fa

        _same(fa.from_nnx(fa.to_nnx(*tnet[:3]))[0], net[0])
        _same(fa.from_linen(*fa.to_linen(*tnet[:3]))[0], net[0])


@pytest.mark.skipif(not HAVE["autograd"], reason="autograd is not installed")
def test_autograd_adapter_takes_tensors_that_require_grad():
    from adapters import autograd_adapter as aa

    net = networks()["mixed"]
    tnet = _tensors(net)
    _same(aa.from_params(aa.to_params(tnet[0], tnet[1]))[0], net[0])
    _same(aa.backprop(*tnet)[0], aa.backprop(*net)[0])


def test_the_reference_itself_does_not_take_them():
    """The reference refuses a tensor that requires grad (today torch's own RuntimeError: see the report)."""
    net = _tensors(networks()["mixed"])
    with pytest.raises((RuntimeError, TypeError, ValueError), match="requires grad|detach"):
        reference.backprop(*net)
