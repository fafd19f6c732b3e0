"""adapters.torch_adapter: exact round trips, autograd equals reference.backprop_trace, same errors."""

import re

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed")

import reference  # noqa: E402
from adapters import torch_adapter as ta  # noqa: E402

from .support.fixed_networks import FIELDS, assert_trace_close, networks  # noqa: E402


@pytest.mark.parametrize("name", list(networks()))
def test_trace_and_backprop_equal_reference(name):
    net = networks()[name]
    t, r = ta.backprop_trace(*net), reference.backprop_trace(*net)
    assert_trace_close(t, r)
    dC_dw, dC_db = ta.backprop(*net)
    for g, w in zip(dC_dw + dC_db, t.dC_dw + t.dC_db):
        np.testing.assert_array_equal(g, w)


def test_relu_kink_has_zero_derivative():
    t = ta.backprop_trace(*networks()["relu at z=0"])
    assert t.z[0][0, 0] == 0.0 and t.dC_dz[0][0, 0] == 0.0


def test_float32_is_computed_and_returned_in_float32():
    net = networks()["mixed"]
    t = ta.backprop_trace(*net, dtype=torch.float32)
    assert all(a.dtype == np.float32 for f in FIELDS for a in getattr(t, f))
    assert_trace_close(t, reference.backprop_trace(*net, dtype=np.float32), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trips_are_exact(dtype):
    ws, bs, acts, _, _ = networks()["mixed"]
    ws, bs = [w.astype(dtype) for w in ws], [b.astype(dtype) for b in bs]
    for w2, b2 in [ta.from_tensors(*ta.to_tensors(ws, bs)),
                   ta.from_sequential(ta.to_sequential(ws, bs, acts, dtype=dtype))[:2]]:
        for got, want in zip(w2 + b2, ws + bs):
            assert got.dtype == want.dtype and np.array_equal(got, want)
    assert ta.from_sequential(ta.to_sequential(ws, bs, acts))[2] == acts


def test_sequential_layout_and_forward():
    ws, bs, acts, x, _ = networks()["mixed"]
    model = ta.to_sequential(ws, bs, acts)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "Tanh", "Linear", "Sigmoid"]
    assert model[0].weight.shape == (3, 2) and model[0].weight.dtype == torch.float64
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, reference.forward(ws, bs, acts, x)[1][-1], rtol=1e-14)


def test_to_sequential_leaves_torch_rng_alone():
    state = torch.get_rng_state()
    ta.to_sequential(*networks()["mixed"][:3])
    assert torch.equal(state, torch.get_rng_state())


def test_from_sequential_implicit_identity_and_no_bias():
    model = torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False), torch.nn.Linear(3, 1), torch.nn.Tanh())
    ws, bs, acts = ta.from_sequential(model)
    assert acts == ["identity", "tanh"] and np.array_equal(bs[0], np.zeros(3, np.float32))


@pytest.mark.parametrize("modules, error, index", [
    ([torch.nn.Linear(2, 2), torch.nn.Dropout()], reference.ReferenceTypeError, 1),
    ([torch.nn.Sigmoid(), torch.nn.Linear(2, 2)], reference.ReferenceValueError, 0),
    ([torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Tanh()], reference.ReferenceValueError, 2),
])
def test_from_sequential_names_the_bad_module(modules, error, index):
    with pytest.raises(error, match=re.escape(f"model[{index}]")):
        ta.from_sequential(torch.nn.Sequential(*modules))


def bad_inputs():
    ws, bs, acts, x, y = networks()["mixed"]
    return {
        "weights shapes": ([ws[0], ws[0], ws[2]], bs, acts, x, y),
        "bias shape": (ws, [bs[0], bs[0], bs[2]], acts, x, y),
        "activation name": (ws, bs, ["relu", "softplus", "tanh"], x, y),
        "complex": ([ws[0] + 1j, ws[1], ws[2]], bs, acts, x, y),
        "x columns": (ws, bs, acts, x[:, :1], y),
        "x 1-D": (ws, bs, acts, x[0], y),
        "nan in y": (ws, bs, acts, x, np.full_like(y, np.nan)),
        "too few layers": (ws[:2], bs, acts, x, y),
        "weights not a list": (ws[0], bs, acts, x, y),
    }


@pytest.mark.parametrize("name", list(bad_inputs()))
def test_bad_input_raises_the_reference_error(name):
    args = bad_inputs()[name]
    with pytest.raises((reference.ReferenceValueError, reference.ReferenceTypeError)) as ref:
        reference.backprop_trace(*args)
    for fn in (ta.backprop, ta.backprop_trace):
        with pytest.raises(type(ref.value), match=re.escape(str(ref.value))):
            fn(*args)
    if not name.startswith(("x", "nan")):  # a bad network: the conversions refuse it too
        with pytest.raises(type(ref.value), match=re.escape(str(ref.value))):
            ta.to_sequential(*args[:3])


def test_bad_dtype_and_device():
    net = networks()["mixed"]
    with pytest.raises(reference.ReferenceTypeError, match="float64 or float32"):
        ta.backprop(*net, dtype=torch.float16)
    with pytest.raises(reference.ReferenceValueError, match="device"):
        ta.backprop(*net, device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(reference.ReferenceValueError, match="cuda.is_available"):
            ta.backprop(*net, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_equals_cpu():
    net = networks()["mixed"]
    assert_trace_close(ta.backprop_trace(*net, device="cuda"), ta.backprop_trace(*net))
    assert ta.to_sequential(*net[:3], device="cuda")[0].weight.device.type == "cuda"


def test_nothing_passed_in_is_modified_and_read_only_input_is_fine():
    ws, bs, acts, x, y = networks()["mixed"]
    arrays = ws + bs + [x, y]
    before = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False
    t = ta.backprop_trace(ws, bs, acts, x, y)
    ta.backprop(ws, bs, acts, x, y)
    ta.to_tensors(ws, bs)
    model = ta.to_sequential(ws, bs, acts)
    t.a[0][...] = 0  # the trace's a[0] is a copy of x, not x
    with torch.no_grad():
        model[0].weight.zero_()
    assert all(np.array_equal(a, b) for a, b in zip(arrays, before))
    assert acts == ["relu", "tanh", "sigmoid"]
