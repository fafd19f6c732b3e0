"""adapters.jax_adapter: exact round trips, jax.grad equals reference.backprop_trace, padding, one compile per depth."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax", reason="jax is not installed")
jax.config.update("jax_enable_x64", True)  # process-global: float64 for this test session, as intended

import reference  # noqa: E402
from adapters import _jax_core  # noqa: E402
from adapters import jax_adapter as ja  # noqa: E402

from .support.fixed_networks import FIELDS, assert_trace_close, networks  # noqa: E402

PADS = [None, (6, 8), (6, 8, 4)]


def random_network(rng, depth, max_width=6, max_batch=8):
    sizes = rng.integers(1, max_width + 1, size=depth + 1)
    m = int(rng.integers(1, max_batch + 1))
    return ([rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(depth)],
            [rng.normal(size=sizes[i + 1]) for i in range(depth)],
            list(rng.choice(reference.ACTIVATIONS, size=depth)),
            rng.normal(size=(m, sizes[0])), rng.normal(size=(m, sizes[-1])))


@pytest.mark.parametrize("pad_to", PADS)
@pytest.mark.parametrize("name", list(networks()))
def test_trace_and_backprop_equal_reference(name, pad_to):
    net = networks()[name]
    t = ja.backprop_trace(*net, pad_to=pad_to)
    assert_trace_close(t, reference.backprop_trace(*net))
    dC_dw, dC_db = ja.backprop(*net, pad_to=pad_to)
    for g, w in zip(dC_dw + dC_db, t.dC_dw + t.dC_db):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15)


def test_relu_kink_has_zero_derivative():
    t = ja.backprop_trace(*networks()["relu at z=0"])
    assert t.z[0][0, 0] == 0.0 and t.dC_dz[0][0, 0] == 0.0


@pytest.mark.parametrize("pad_to", PADS)
def test_float32(pad_to):
    net = networks()["mixed"]
    t = ja.backprop_trace(*net, dtype=np.float32, pad_to=pad_to)
    assert all(a.dtype == np.float32 for f in FIELDS for a in getattr(t, f))
    assert_trace_close(t, reference.backprop_trace(*net, dtype=np.float32), rtol=1e-5, atol=1e-6)


@pytest.mark.extended  # about 20 XLA compilations (each unpadded shape compiles): .ci/run's extended step
@pytest.mark.parametrize("pad_to, compiles", [((7, 9), "one per depth"), ((7, 9, 4), "one")])
def test_padded_equals_unpadded_and_compiles_once(pad_to, compiles):
    rng = np.random.default_rng(len(pad_to))
    nets = [random_network(rng, depth) for depth in (1, 2, 3, 4) for _ in range(4)]
    before = ja.trace_counts().get("grads", 0)
    padded = [ja.backprop(*net, pad_to=pad_to) for net in nets]
    assert ja.trace_counts()["grads"] - before <= (4 if compiles == "one per depth" else 1)
    for net, (pw, pb) in zip(nets[::3], padded[::3]):  # unpadded compiles per shape: a few suffice
        uw, ub = ja.backprop(*net)
        rw, rb = reference.backprop(*net)
        for p, u, r in zip(pw + pb, uw + ub, rw + rb):
            assert p.shape == u.shape == r.shape
            np.testing.assert_allclose(p, u, rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(p, r, rtol=1e-11, atol=1e-13)


def padded_args(net, pad_to=(6, 8)):
    return ja._prepare(*net, np.float64, None, pad_to)[0]


@pytest.mark.parametrize("pad_to", [(6, 8), (6, 8, 5)])
def test_padding_gets_exactly_zero_gradient_and_stays_zero_under_sgd(pad_to):
    ws, bs, codes, masks, rmask, count, x, y = padded_args(networks()["mixed"], pad_to)
    assert len(ws) == (pad_to + (3,))[2]
    gw, gb = _jax_core.grads(ws, bs, codes, masks, rmask, count, x, y)
    for i, (g, h) in enumerate(zip(gw, gb)):
        keep = np.outer(masks[i + 1], masks[i]) == 1
        assert np.all(np.asarray(g)[~keep] == 0) and np.all(np.asarray(h)[masks[i + 1] == 0] == 0)
    new_ws, new_bs = ws, bs
    for _ in range(10):
        new_ws, new_bs = _jax_core.sgd(new_ws, new_bs, codes, masks, rmask, count, x, y, np.float64(0.5))
    for i, (w, b) in enumerate(zip(new_ws, new_bs)):
        if i >= 3:  # pass-through layers stay w = I, b = 0
            assert np.array_equal(w, ws[i]) and np.array_equal(b, bs[i])
            continue
        keep = np.outer(masks[i + 1], masks[i]) == 1
        assert not np.array_equal(w, ws[i])  # the real block moved
        assert np.all(np.asarray(w)[~keep] == 0) and np.all(np.asarray(b)[masks[i + 1] == 0] == 0)


@pytest.mark.parametrize("pad_to", PADS)
def test_ten_sgd_steps_follow_the_reference(pad_to):
    ws, bs, acts, x, y = networks()["mixed"]
    jw, jb, rw, rb = ws, bs, ws, bs
    for _ in range(10):
        jw, jb = ja.sgd_step(jw, jb, acts, x, y, 0.3, pad_to=pad_to)
        rw, rb = reference.step(rw, rb, *reference.backprop(rw, rb, acts, x, y), 0.3)
    for got, want in zip(jw + jb, rw + rb):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
    with pytest.raises(reference.ReferenceValueError, match="eta"):
        ja.sgd_step(ws, bs, acts, x, y, -1.0)


@pytest.mark.parametrize("pad_to", [None, (6, 8, 4)])
def test_sgd_trajectory_is_sgd_step_repeated_in_one_scan(pad_to):
    ws, bs, acts, x, y = networks()["mixed"]
    states = ja.sgd_trajectory(ws, bs, acts, x, y, 0.3, 4, pad_to=pad_to)
    assert len(states) == 5 and all(np.array_equal(a, b) for a, b in zip(states[0][0], ws))
    jw, jb = ws, bs
    for t in range(1, 5):
        jw, jb = ja.sgd_step(jw, jb, acts, x, y, 0.3, pad_to=pad_to)
        for got, want in zip(states[t][0] + states[t][1], jw + jb):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    with pytest.raises(reference.ReferenceValueError, match="steps"):
        ja.sgd_trajectory(ws, bs, acts, x, y, 0.3, 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trips_are_exact(dtype):
    ws, bs, _, _, _ = networks()["mixed"]
    ws, bs = [w.astype(dtype) for w in ws], [b.astype(dtype) for b in bs]
    flax_vars = ja.to_flax(ws, bs)
    assert flax_vars["params"]["Dense_0"]["kernel"].shape == (2, 3)
    for w2, b2 in [ja.from_pytree(ja.to_pytree(ws, bs)), ja.from_flax(flax_vars), ja.from_flax(flax_vars["params"])]:
        for got, want in zip(w2 + b2, ws + bs):
            assert got.dtype == want.dtype and np.array_equal(got, want)


def test_to_flax_runs_in_a_flax_linen_mlp():
    nn = pytest.importorskip("flax.linen", reason="flax is not installed")
    import jax.numpy as jnp

    ws, bs, acts, x, _ = networks()["mixed"]
    sigma = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid}

    class MLP(nn.Module):
        @nn.compact
        def __call__(self, a):
            for w, name in zip(ws, acts):
                a = sigma[name](nn.Dense(w.shape[0], precision=jax.lax.Precision.HIGHEST)(a))
            return a

    variables = ja.to_flax(ws, bs)
    shapes = jax.tree_util.tree_map(jnp.shape, MLP().init(jax.random.key(0), x))
    assert shapes == jax.tree_util.tree_map(jnp.shape, variables)
    out = np.asarray(MLP().apply(variables, x))
    np.testing.assert_allclose(out, reference.forward(ws, bs, acts, x)[1][-1], rtol=1e-13)


def test_from_flax_refuses_what_is_not_dense_layers():
    with pytest.raises(reference.ReferenceValueError, match="Dense_2"):
        ja.from_flax({"Dense_0": {"kernel": np.ones((2, 3))}, "Dense_2": {"kernel": np.ones((3, 1))}})
    with pytest.raises(reference.ReferenceValueError, match="'norm'"):
        ja.from_flax({"params": {"norm": {"scale": np.ones(3)}}})


def bad_inputs():
    ws, bs, acts, x, y = networks()["mixed"]
    return {
        "weights shapes": ([ws[0], ws[0], ws[2]], bs, acts, x, y),
        "activation name": (ws, bs, ["relu", "softplus", "tanh"], x, y),
        "complex": ([ws[0] + 1j, ws[1], ws[2]], bs, acts, x, y),
        "x columns": (ws, bs, acts, x[:, :1], y),
        "nan in y": (ws, bs, acts, x, np.full_like(y, np.nan)),
        "too few layers": (ws[:2], bs, acts, x, y),
    }


@pytest.mark.parametrize("name", list(bad_inputs()))
def test_bad_input_raises_the_reference_error(name):
    args = bad_inputs()[name]
    with pytest.raises((reference.ReferenceValueError, reference.ReferenceTypeError)) as ref:
        reference.backprop_trace(*args)
    for fn in (ja.backprop, ja.backprop_trace):
        with pytest.raises(type(ref.value), match=re.escape(str(ref.value))):
            fn(*args)


def test_bad_pad_dtype_and_device():
    net = networks()["mixed"]
    for pad in [(2, 8), (6, 3), (6, 8, 2), 6, (6.0, 8), (6, 8, 4, 1)]:
        with pytest.raises(reference.ReferenceValueError, match="pad_to"):
            ja.backprop(*net, pad_to=pad)
    with pytest.raises(reference.ReferenceTypeError, match="float64 or float32"):
        ja.backprop(*net, dtype=np.float16)
    with pytest.raises(reference.ReferenceValueError, match="device"):
        ja.backprop(*net, device="tpu")
    assert_trace_close(ja.backprop_trace(*net, device="cpu"), reference.backprop_trace(*net))
    if not any(d.platform == "gpu" for d in jax.devices()):
        with pytest.raises(reference.ReferenceValueError, match="'gpu'"):
            ja.backprop(*net, device="gpu")


def test_nothing_passed_in_is_modified():
    ws, bs, acts, x, y = networks()["mixed"]
    arrays = ws + bs + [x, y]
    before = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False
    t = ja.backprop_trace(ws, bs, acts, x, y, pad_to=(6, 8))
    ja.backprop(ws, bs, acts, x, y)
    ja.sgd_step(ws, bs, acts, x, y, 0.1)
    t.a[0][...] = 0  # results are new, writable arrays
    assert all(np.array_equal(a, b) for a, b in zip(arrays, before)) and acts == ["relu", "tanh", "sigmoid"]


def run_fresh(code):
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root, timeout=120)


def test_float64_without_x64_is_a_clear_error():
    code = (
        "import numpy as np\nfrom adapters import jax_adapter as ja\n"
        "net = ([np.ones((1, 1))], [np.zeros(1)], ['tanh'], np.ones((1, 1)), np.zeros((1, 1)))\n"
        "assert ja.backprop(*net, dtype=np.float32)[0][0].dtype == np.float32\n"
        "for f in (lambda: ja.to_pytree(*net[:2]), lambda: ja.backprop_trace(*net, pad_to=(2, 2))):\n"
        "    try:\n        f()\n        raise SystemExit('no error')\n    except ja.X64Error:\n        pass\n"
        "try:\n    ja.backprop(*net)\nexcept ja.X64Error as e:\n    print(e)\n"
    )
    proc = run_fresh(code)
    assert proc.returncode == 0, proc.stderr
    assert 'jax.config.update("jax_enable_x64", True)' in proc.stdout and "JAX_ENABLE_X64=1" in proc.stdout


def test_adapters_package_imports_without_torch_or_jax():
    proc = run_fresh("import sys\nsys.modules['torch'] = sys.modules['jax'] = None\nimport adapters\nprint('ok')")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
