"""Benchmark (a): how fast the conformance suite's oracles check cases, and the ci profile's wall time.

Run from the repository root:

    python benchmarks/conformance_speed.py            # oracles, then plain `pytest` (ci profile) timed
    python benchmarks/conformance_speed.py --no-pytest  # oracles only (seconds)
    python benchmarks/conformance_speed.py --pytest-args "conformance/suite/test_trace.py"
    python benchmarks/conformance_speed.py --large 4096,4096,4096,4096,10 --batch 4096 --device cuda
                                                      # gradient time on one large float32 network

Cases are drawn like the suite's (depth 1..4, widths 1..6, m 1..8, mixed activations,
exact zeros and saturating magnitudes) with a seeded numpy generator.  For each oracle
it reports cases per second for a full trace (z, a, every derivative, C) in float64:
the reference (numpy), torch (autograd, eager), jax as the suite runs it (jit, padded
to (6, 8, 4): one compilation per dtype, timed separately), and jax unpadded (one
compilation per new shape: what the padding saves).  Then it runs plain ``pytest -p
no:cacheprovider`` (the ci profile: derandomized, 200 examples a property) in a
subprocess and reports its wall time against the 120 s budget.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import reference  # noqa: E402
from conformance.core import frameworks  # noqa: E402
from conformance.core.strategies import Case  # noqa: E402
from conformance.suite import oracles  # noqa: E402

NAMES = ("sigmoid", "relu", "tanh", "identity")


def draw_cases(n: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)

    def values(shape):
        v = rng.uniform(-3, 3, size=shape)
        pick = rng.random(shape)
        v[pick < 0.1] = 0.0
        v[(pick >= 0.1) & (pick < 0.15)] = rng.choice([-60.0, -40.0, -20.0, 20.0, 40.0, 60.0], size=shape)[
            (pick >= 0.1) & (pick < 0.15)]
        return v

    out = []
    for _ in range(n):
        L = int(rng.integers(1, 5))
        sizes = [int(s) for s in rng.integers(1, 7, size=L + 1)]
        m = int(rng.integers(1, 9))
        weights = [values((sizes[i + 1], sizes[i])) for i in range(L)]
        biases = [values((sizes[i + 1],)) for i in range(L)]
        out.append(Case(weights, biases, [str(rng.choice(NAMES)) for _ in range(L)], values((m, sizes[0])),
                        rng.uniform(-1, 1, size=(m, sizes[-1]))))
    return out


def rate(fn, cases) -> float:
    t = time.perf_counter()
    for c in cases:
        fn(c)
    return len(cases) / (time.perf_counter() - t)


def _best(fn, repeat: int) -> float:
    fn()  # warm up (and compile)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def large(sizes: list, batch: int, device: str, repeat: int) -> None:
    """Gradient time of one float32 network: reference vs torch autograd vs jax.jit(jax.grad)."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    ws = [(rng.standard_normal((n, k)) / np.sqrt(k)).astype(f32) for k, n in zip(sizes, sizes[1:])]
    bs = [np.zeros(n, f32) for n in sizes[1:]]
    acts = ["sigmoid"] * (len(ws) - 1) + ["identity"]
    x = rng.standard_normal((batch, sizes[0])).astype(f32)
    y = rng.standard_normal((batch, sizes[-1])).astype(f32)
    arch = "-".join(map(str, sizes))
    print(f"\nlarge network {arch}, batch {batch}, float32, frameworks on {device} (best of {repeat})")
    t_ref = _best(lambda: reference.backprop(ws, bs, acts, x, y, dtype=f32), repeat)
    print(f"  {'reference (numpy, CPU)':<30} {t_ref * 1e3:>10.1f} ms  1.00x")
    if oracles.availability("torch")[0]:
        import torch

        dev = torch.device(device)
        tw = [torch.tensor(w, device=dev, requires_grad=True) for w in ws]
        tb = [torch.tensor(b, device=dev, requires_grad=True) for b in bs]
        tx, ty = torch.tensor(x, device=dev), torch.tensor(y, device=dev)

        def torch_grad():
            a = tx
            for w, b, n in zip(tw, tb, acts):
                z = torch.nn.functional.linear(a, w, b)
                a = torch.sigmoid(z) if n == "sigmoid" else z
            g = torch.autograd.grad(((a - ty) ** 2).sum(dim=1).mean(), tw + tb)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            return g

        t = _best(torch_grad, repeat)
        print(f"  {'torch autograd':<30} {t * 1e3:>10.1f} ms  {t_ref / t:.2f}x faster than the reference")
    if oracles.availability("jax")[0]:
        import jax
        import jax.numpy as jnp

        jd = jax.devices(oracles.jax_device(device))[0]
        jw, jb, jx, jy = (jax.device_put(v, jd) for v in (ws, bs, x, y))

        def cost(params, x, y):
            a = x
            for (w, b), n in zip(zip(*params), acts):
                z = jnp.matmul(a, w.T, precision=jax.lax.Precision.HIGHEST) + b
                a = jax.nn.sigmoid(z) if n == "sigmoid" else z
            return jnp.mean(jnp.sum((a - y) ** 2, axis=1))

        g = jax.jit(jax.grad(cost))
        t = _best(lambda: jax.block_until_ready(g((jw, jb), jx, jy)), repeat)
        print(f"  {'jax.jit(jax.grad), HIGHEST':<30} {t * 1e3:>10.1f} ms  {t_ref / t:.2f}x faster than the reference")
    case = Case(ws, bs, acts, x, y)
    for fw in frameworks.selected():  # the rest of the registry, through its entry (checks and copies included)
        if fw.name in ("torch", "jax"):
            continue  # timed above on their bare autodiff
        ok, info = fw.availability()
        if not ok:
            print(f"  {fw.name:<30} {'-':>10}     skipped: {info}")
            continue
        where = device if fw.gpu_capable else "cpu"
        t = _best(lambda fw=fw, where=where: fw.trace(case, "float32", device=where), repeat)
        print(f"  {fw.name + ' trace (' + where + ')':<30} {t * 1e3:>10.1f} ms  {t_ref / t:.2f}x faster than the "
              "reference")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=400, help="cases per oracle (default 400)")
    ap.add_argument("--unpadded", type=int, default=20, help="cases for jax without padding (default 20)")
    ap.add_argument("--no-pytest", action="store_true", help="skip the timed ci-profile pytest run")
    ap.add_argument("--pytest-args", default="", help="extra arguments for the timed pytest run")
    ap.add_argument("--large", default=None, metavar="SIZES",
                    help="only time gradients of one float32 network n_0,n_1,...,n_L (e.g. 4096,4096,4096,4096,10)")
    ap.add_argument("--batch", type=int, default=4096, help="batch for --large (default 4096)")
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="framework device for --large")
    ap.add_argument("--repeat", type=int, default=3, help="timed repeats for --large (default 3)")
    ap.add_argument("--framework", action="append", default=[], metavar="NAME|MODULE:CLASS",
                    help="the frameworks to time (as the suite's --framework; default all the built-ins)")
    args = ap.parse_args(argv)
    frameworks.select(frameworks.parse(args.framework))
    if args.large:
        large([int(n) for n in args.large.split(",")], args.batch, args.device, args.repeat)
        return 0
    cases = draw_cases(args.cases)
    print(f"conformance_speed: {len(cases)} drawn cases (depth 1-4, widths 1-6, m 1-8), float64 traces")
    print(f"{'oracle':<28} {'cases/s':>10}  note")
    r = rate(lambda c: reference.backprop_trace(*c.args()), cases)
    print(f"{'reference (numpy)':<28} {r:>10.0f}")
    for name in oracles.IMPLEMENTATIONS:
        ok, info = oracles.availability(name)
        if not ok:
            print(f"{name:<28} {'-':>10}  skipped: {info}")
            continue
        if name == "jax":
            from adapters import jax_adapter as ja

            before = sum(ja.trace_counts().values())
            t = time.perf_counter()
            oracles.trace("jax", cases[0], "float64")  # compiles the padded trace once
            compile_s = time.perf_counter() - t
            r = rate(lambda c: oracles.trace("jax", c, "float64"), cases)
            n = sum(ja.trace_counts().values()) - before
            print(f"{'jax (jit, padded 6x8x4)':<28} {r:>10.0f}  first call {compile_s:.2f} s; {n} compilation(s) "
                  f"for all {len(cases)} cases")
            few = cases[:args.unpadded]
            r = rate(lambda c: ja.backprop_trace(*c.args()), few)
            print(f"{'jax (jit, unpadded)':<28} {r:>10.1f}  one compilation per new shape ({len(few)} cases)")
        else:
            oracles.trace(name, cases[0], "float64")
            r = rate(lambda c, name=name: oracles.trace(name, c, "float64"), cases)
            print(f"{name + ' (eager)':<28} {r:>10.0f}")
    if args.no_pytest:
        return 0
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *shlex.split(args.pytest_args)]
    print(f"\nci profile wall time: {' '.join(cmd[1:])}  (cwd {ROOT})")
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    tail = [line for line in proc.stdout.splitlines() if line.strip()][-1:] or ["(no output)"]
    print(f"  {wall:.1f} s wall (budget 120 s: {'within' if wall <= 120 else 'OVER'}); pytest exit {proc.returncode}: "
          f"{tail[0]}")
    table = [line for line in proc.stdout.splitlines() if line.startswith(("forward_backward", "sgd_", "round_trip"))]
    if table:
        print("  examples per property and implementation:")
        for line in table:
            print("    " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
