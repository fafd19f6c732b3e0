"""The reference's results are pinned to the bit on seeded networks.

Issue 11 rewrote ``reference/`` for reading (no ``out=``, sigma' evaluated in the backward step,
checks in their own module) while promising the same arithmetic.  The values in
``tests/data/reference_bits.npz`` were recorded with the code *before* that rewrite
(``python -m tests.test_reference_bits --record``, run from the repository root); this test
recomputes them and compares every float's bits.

The recorded bits belong to one numpy + BLAS build: a different BLAS may sum a matrix product in a
different order.  The file stores the build it was recorded on; on another build the comparison is
within 8 ulps instead of exact (said in the failure), never skipped.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import numpy as np

import reference

DATA = Path(__file__).resolve().parent / "data" / "reference_bits.npz"
ACTS = ("sigmoid", "relu", "tanh", "identity")


def build() -> str:
    """What the recorded bits depend on: numpy's version, its BLAS, and the CPU features that pick their kernels."""
    blas = ""
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{deps.get('name', '')} {deps.get('version', '')}"
    except Exception:  # older numpy: no dict mode
        pass
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as features
    cpu = ",".join(sorted(k for k, v in features.items() if v))
    return f"numpy {np.__version__}; blas {blas}; {sys.platform} {platform.machine()}; cpu {cpu}"


def networks(count: int = 40):
    """Seeded networks: depth 1-4, widths 1-6, batch 1-8, every sigma, some saturating values."""
    rng = np.random.default_rng(20261128)
    for n in range(count):
        L = int(rng.integers(1, 5))
        sizes = [int(v) for v in rng.integers(1, 7, L + 1)]
        m = int(rng.integers(1, 9))
        scale = 30.0 if n % 5 == 4 else 1.5  # every fifth: sigmoid and tanh saturate
        ws = [rng.standard_normal((k, j)) * scale for j, k in zip(sizes, sizes[1:])]
        bs = [rng.standard_normal(k) for k in sizes[1:]]
        acts = [ACTS[int(i)] for i in rng.integers(0, 4, L)]
        x = rng.standard_normal((m, sizes[0]))
        y = rng.random((m, sizes[-1]))
        yield f"net{n}", ws, bs, acts, x, y


def results() -> dict:
    """Every public computation on every network, flattened to named float arrays."""
    out = {}
    for name, ws, bs, acts, x, y in networks():
        for dtype in (np.float64, np.float32):
            tag = f"{name}/{np.dtype(dtype).name}"
            dC_dw, dC_db = reference.backprop(ws, bs, acts, x, y, dtype=dtype)
            t = reference.backprop_trace(ws, bs, acts, x, y, dtype=dtype)
            z, a = reference.forward(ws, bs, acts, x, dtype=dtype)
            fields = dict(dC_dw=dC_dw, dC_db=dC_db, z=z, a=a, t_z=t.z, t_a=t.a, t_dC_dz=t.dC_dz,
                          t_dC_da=t.dC_da, t_dC_dw=t.dC_dw, t_dC_db=t.dC_db)
            for key, arrays in fields.items():
                for i, arr in enumerate(arrays):
                    out[f"{tag}/{key}/{i}"] = np.asarray(arr)
            out[f"{tag}/C"] = np.array(t.C)
        nw, nb = reference.step(ws, bs, dC_dw, dC_db, 0.3)
        for i, arr in enumerate(nw + nb):
            out[f"{name}/step/{i}"] = arr
        tw, tb, costs = reference.train(ws, bs, acts, x, y, eta=0.1, epochs=2, batch_size=max(1, len(x) // 2), seed=3)
        for i, arr in enumerate(tw + tb):
            out[f"{name}/train/{i}"] = arr
        out[f"{name}/train/costs"] = np.array(costs)
        # a[-1] is float32 here.  The recording called cost(a[-1], y), which rounded the float64 y down
        # to float32 silently; cost no longer does that (issue 13), so y comes already in float32:
        # the same arithmetic as recorded.
        out[f"{name}/cost"] = np.array(reference.cost(a[-1], y.astype(a[-1].dtype)))
        if max(w.shape[0] for w in ws) == 1 and ws[0].shape[1] == 1:
            steps = reference.chain_steps([float(w[0, 0]) for w in ws], [float(b[0]) for b in bs], acts,
                                          float(x[0, 0]), float(y[0, 0]))
            for i, s in enumerate(steps):
                out[f"{name}/chain/{i}"] = np.array([v for k, v in s.items() if k != "layer"])
    z = np.concatenate([np.linspace(-800, 800, 401), [-0.0, 0.0, 5e-324, -5e-324, 1e308, -1e308]])
    for act, (sigma, prime) in reference.SIGMA.items():
        for dtype in (np.float64, np.float32):
            with np.errstate(over="ignore"):
                zd = z.astype(dtype)
            out[f"sigma/{act}/{np.dtype(dtype).name}"] = sigma(zd)
            out[f"prime/{act}/{np.dtype(dtype).name}"] = prime(zd)
    for i, arr in enumerate(sum(reference.init_network([5, 4, 3, 2], seed=7), [])):
        out[f"init/{i}"] = arr
    return out


def packed(out: dict) -> dict:
    """One flat array per dtype, and an index "key dtype shape" per entry (a small file)."""
    index = [f"{key} {arr.dtype.name} {'x'.join(map(str, arr.shape))}" for key, arr in out.items()]
    flat = {name: np.concatenate([arr.ravel() for arr in out.values() if arr.dtype.name == name] + [np.zeros(0, name)])
            for name in ("float64", "float32")}
    return dict(index=np.array(index), build=np.array(build()), **flat)


def record() -> None:
    DATA.parent.mkdir(exist_ok=True)
    np.savez_compressed(DATA, **packed(results()))


def test_results_are_the_recorded_bits():
    recorded, now = np.load(DATA), packed(results())
    assert list(now["index"]) == list(recorded["index"]), "the recorded networks or results changed"
    if str(recorded["build"]) == build():
        for name in ("float64", "float32"):
            assert now[name].tobytes() == recorded[name].tobytes(), f"{name} results differ from the recorded bits"
        return
    # Another numpy, BLAS or CPU: a matrix product may sum in another order, exp may round its last bit
    # differently.  Then each result must agree to a few units of rounding of its own largest entry.
    offset = {"float64": 0, "float32": 0}
    for entry in now["index"]:
        key, name, shape = entry.split(" ")
        size = int(np.prod([int(n) for n in shape.split("x")])) if shape else 1
        new, old = (a[name][offset[name]:offset[name] + size] for a in (now, recorded))
        offset[name] += size
        eps, scale = np.finfo(name).eps, float(np.max(np.abs(old[np.isfinite(old)]), initial=0))
        np.testing.assert_allclose(new, old, rtol=64 * eps, atol=64 * eps * scale,
                                   err_msg=f"{key} (recorded on {recorded['build']})")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python -m tests.test_reference_bits --record")
    record()
    print(f"recorded {DATA} ({build()})")
