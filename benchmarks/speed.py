"""How fast is the reference's backprop?  Against torch eager, jax.jit(jax.grad) and a GEMM floor.

Run from the repository root:

    python benchmarks/speed.py              # the full grid, float64 and float32 (a few minutes)
    python benchmarks/speed.py --quick      # a small grid (a smoke test)
    python benchmarks/speed.py --repeat 9   # more samples per median

Every grid point is a sigmoid network (the video's), sizes n_0-n_1-...-n_L, at batch m, with the
video's cost C = (1/m) sum over examples of sum_j (a_j - y_j)^2.  Four things are timed on the
same network and batch, interleaved (one sample of each in turn, the order rotated every round),
and the median of the samples is reported:

- ``ref``:   ``reference.backprop(ws, bs, acts, x, y, dtype=...)``, numpy arrays in.
- ``torch``: torch eager autograd, ``torch.autograd.grad`` of the cost, tensors built beforehand.
- ``jax``:   ``jax.jit(jax.grad(cost, argnums=(0, 1)))``, compiled before timing, arrays on device.
- ``floor``: only the matrix products a backward pass cannot avoid, in numpy (the reference's
  BLAS) on the same shapes: ``a(l-1) @ w(l).T`` for every layer, ``dC/dz(l).T @ a(l-1)`` for
  every layer and ``dC/dz(l) @ w(l)`` for every layer but the first.

Ratios are ref/torch, ref/jax and ref/floor: below 1 the reference is faster.  The verdict at the
end is the project's one speed target: the reference no slower than torch eager at every grid
point (within 5 %, this machine's noise).  The ratio to the GEMM floor is reported, not judged: the
reference is written to be read, not to chase the floor.  "Large" points are those whose every
layer but the output is at least 512 wide.  This machine is shared and noisy: trust the ratios more than the
absolute times.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)  # before any array exists: float64 really is float64

import jax.numpy as jnp  # noqa: E402
import torch  # noqa: E402

import reference  # noqa: E402

GRID = [
    ((1, 1, 1, 1), 1),
    ((2, 3, 2), 4),
    ((784, 16, 16, 10), 32),
    ((784, 16, 16, 10), 1000),
    ((128, 128, 128, 10), 64),
    ((512, 512, 512, 10), 256),
    ((1024, 1024, 1024, 10), 256),
    ((2048, 2048, 2048, 10), 512),
]
QUICK_GRID = [((1, 1, 1, 1), 1), ((2, 3, 2), 4), ((64, 32, 10), 16)]
DTYPES = (np.float64, np.float32)
IMPLS = ("ref", "torch", "jax", "floor")
LARGE_WIDTH = 512
TORCH_SLOWER_TOL = 1.05  # "no slower": ref/torch <= 1.0 at every point, give or take 5 % of noise


def is_large(sizes):
    return min(sizes[:-1]) >= LARGE_WIDTH


def make_problem(sizes, m, dtype, seed=0):
    """Weights (n_out, n_in) scaled 1/sqrt(n_in), biases, x (m, n_0), y (m, n_L) in [0, 1)."""
    rng = np.random.default_rng(seed)
    ws = [(rng.standard_normal((n_out, n_in)) / math.sqrt(n_in)).astype(dtype) for n_in, n_out in zip(sizes, sizes[1:])]
    bs = [(0.1 * rng.standard_normal(n_out)).astype(dtype) for n_out in sizes[1:]]
    x = rng.standard_normal((m, sizes[0])).astype(dtype)
    y = rng.random((m, sizes[-1])).astype(dtype)
    return ws, bs, x, y


def torch_grad_fn(ws, bs, x, y):
    """Plain torch eager autograd of the video's cost; returns a no-argument callable."""
    tws = [torch.from_numpy(w.copy()).requires_grad_() for w in ws]
    tbs = [torch.from_numpy(b.copy()).requires_grad_() for b in bs]
    tx, ty = torch.from_numpy(x.copy()), torch.from_numpy(y.copy())
    m = x.shape[0]
    params = tws + tbs

    def grad():
        a = tx
        for w, b in zip(tws, tbs):
            a = torch.sigmoid(a @ w.T + b)
        C = ((a - ty) ** 2).sum() / m
        g = torch.autograd.grad(C, params)
        return g[: len(tws)], g[len(tws) :]

    return grad


def jax_cost(ws, bs, x, y):
    a = x
    for w, b in zip(ws, bs):
        a = jax.nn.sigmoid(a @ w.T + b)
    return jnp.sum((a - y) ** 2) / x.shape[0]


_JAX_GRAD = jax.jit(jax.grad(jax_cost, argnums=(0, 1)))


def jax_grad_fn(ws, bs, x, y):
    """jax.jit(jax.grad(cost)), compiled here (not timed); returns a no-argument callable."""
    jws, jbs = [jnp.asarray(w) for w in ws], [jnp.asarray(b) for b in bs]
    jx, jy = jnp.asarray(x), jnp.asarray(y)
    assert jx.dtype == x.dtype, (jx.dtype, x.dtype)

    def grad():
        return jax.block_until_ready(_JAX_GRAD(jws, jbs, jx, jy))

    grad()  # compile
    return grad


def floor_fn(ws, bs, x, y):
    """Only the GEMMs a backward pass needs, in numpy, on arrays of the right shapes and dtype."""
    rng = np.random.default_rng(1)
    acts = [x] + [rng.random((x.shape[0], w.shape[0])).astype(x.dtype) for w in ws]
    dzs = [rng.standard_normal((x.shape[0], w.shape[0])).astype(x.dtype) for w in ws]

    def gemms():
        for i, w in enumerate(ws):
            acts[i] @ w.T  # forward: z(l) = a(l-1) @ w(l).T
        for i in range(len(ws) - 1, -1, -1):
            dzs[i].T @ acts[i]  # dC/dw(l) = dC/dz(l).T @ a(l-1)
            if i > 0:
                dzs[i] @ ws[i]  # dC/da(l-1) = dC/dz(l) @ w(l)

    return gemms


def check_agree(ref_out, torch_out, dtype):
    """Largest |ref - torch| over all gradients, relative to the largest |gradient|."""
    ref_flat = [np.asarray(g) for g in ref_out[0] + ref_out[1]]
    torch_flat = [g.detach().numpy() for g in list(torch_out[0]) + list(torch_out[1])]
    scale = max(float(np.max(np.abs(g))) for g in torch_flat) or 1.0
    err = max(float(np.max(np.abs(r - t))) for r, t in zip(ref_flat, torch_flat))
    return err / scale


def time_point(sizes, m, dtype, repeat, target_s):
    ws, bs, x, y = make_problem(sizes, m, dtype)
    acts = ["sigmoid"] * len(ws)

    def ref():
        return reference.backprop(ws, bs, acts, x, y, dtype=dtype)

    fns = {
        "ref": ref,
        "torch": torch_grad_fn(ws, bs, x, y),
        "jax": jax_grad_fn(ws, bs, x, y),
        "floor": floor_fn(ws, bs, x, y),
    }
    agree = check_agree(ref(), fns["torch"](), dtype)
    # Calibrate: enough calls per sample that one sample takes about target_s.
    loops = {}
    for name, fn in fns.items():
        fn()  # warm
        t0 = time.perf_counter()
        fn()
        one = time.perf_counter() - t0
        loops[name] = max(1, min(10_000, int(target_s / max(one, 1e-7))))
    samples = {name: [] for name in fns}
    for r in range(repeat):
        order = IMPLS[r % len(IMPLS) :] + IMPLS[: r % len(IMPLS)]
        for name in order:
            fn, n = fns[name], loops[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(s) for name, s in samples.items()}, agree


def fmt_time(t):
    if t < 1e-3:
        return f"{t * 1e6:8.1f}us"
    if t < 1.0:
        return f"{t * 1e3:8.2f}ms"
    return f"{t:8.3f}s "


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a small grid, for a smoke test")
    p.add_argument("--repeat", type=int, default=None, help="samples per median (default 9; 3 with --quick)")
    args = p.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 9)
    grid = QUICK_GRID if args.quick else GRID
    target_s = 0.002 if args.quick else 0.02

    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # optional: only to show which BLAS numpy uses and with how many threads
        blas = []
    else:
        blas = [f"{i['internal_api']} {i.get('version')} x{i['num_threads']}"
                for i in threadpool_info() if i["user_api"] == "blas"]
    print(f"numpy {np.__version__} ({', '.join(blas) or 'BLAS ?'}); torch {torch.__version__} "
          f"(threads {torch.get_num_threads()}, MKL {torch.backends.mkl.is_available()}); "
          f"jax {jax.__version__} ({jax.default_backend()}); cpus {os.cpu_count()}")
    print(f"median of {repeat} interleaved samples; sigmoid layers; video's cost (no 1/2, mean over batch)")
    head = (f"{'sizes@batch':>24} {'dtype':>7} {'ref':>10} {'torch':>10} {'jax':>10} {'floor':>10}"
            f" {'ref/torch':>9} {'ref/jax':>8} {'ref/floor':>9} {'|ref-torch|':>11}")
    print(head)
    print("-" * len(head))
    rows = []
    t_start = time.perf_counter()
    for sizes, m in grid:
        for dtype in DTYPES:
            t, agree = time_point(sizes, m, dtype, repeat, target_s)
            label = "-".join(map(str, sizes)) + f"@{m}"
            ratios = (t["ref"] / t["torch"], t["ref"] / t["jax"], t["ref"] / t["floor"])
            rows.append((sizes, m, np.dtype(dtype).name, t, ratios))
            print(f"{label:>24} {np.dtype(dtype).name:>7} {fmt_time(t['ref'])} {fmt_time(t['torch'])} "
                  f"{fmt_time(t['jax'])} {fmt_time(t['floor'])} {ratios[0]:9.2f} {ratios[1]:8.2f} "
                  f"{ratios[2]:9.2f} {agree:11.1e}", flush=True)
    print(f"(total {time.perf_counter() - t_start:.0f} s)")

    def verdict(ok, text, worst):
        print(f"{'PASS' if ok else 'FAIL'}: {text} (worst {worst})")

    vs_torch = [(r[4][0], r) for r in rows]
    worst = max(vs_torch, key=lambda v: v[0])
    worst_txt = f"{worst[0]:.2f}x at {'-'.join(map(str, worst[1][0]))}@{worst[1][1]} {worst[1][2]}"
    slower = [r for v, r in vs_torch if v > TORCH_SLOWER_TOL]
    verdict(not slower, "reference no slower than torch eager at every grid point", worst_txt)
    large = [(r[4][2], r) for r in rows if is_large(r[0])]
    if large:  # reported, not a target
        worst = max(large, key=lambda v: v[0])
        print(f"report: ref/floor at the large sizes (>= {LARGE_WIDTH} wide), worst {worst[0]:.2f}x of the GEMM floor "
              f"at {'-'.join(map(str, worst[1][0]))}@{worst[1][1]} {worst[1][2]}")
        for width in sorted({min(r[0][:-1]) for _, r in large}):
            band = [v for v, r in large if min(r[0][:-1]) == width]
            print(f"report:   of which {width} wide: worst {max(band):.2f}x of the GEMM floor")
    else:
        print(f"report: ratio of the GEMM floor n/a (no point >= {LARGE_WIDTH} wide)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
