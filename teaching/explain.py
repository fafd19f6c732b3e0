"""``python -m reference explain``: every factor of the chain rule, printed for one example.

The video's one-neuron-per-layer chain by default (three sigmoid layers,
sizes 1,1,1,1); ``--sizes 2,3,2`` shows the multi-neuron case, where
dC0/da(l-1)_k is a sum over the paths j into layer l [08:32], printed term
by term.  The numbers are checked against :func:`reference.backprop` on the
same single example (m = 1) at the end.  numpy only.

>>> lines, grads, diff = explain([[[0.5]], [[-1.0]]], [[0.0], [0.25]], ["sigmoid"] * 2, [1.0], [0.0])
>>> diff < 1e-15
True
>>> [float(round(g[0, 0], 6)) for g in grads["dC0_dw"]]   # the worked example of reference.chain
[-0.04631, 0.122662]
"""

from __future__ import annotations

import argparse

import numpy as np

from reference import SIGMA, backprop, backprop_trace, chain_steps, init_network

MAX_WIDTH = 8  # a layer wider than this no longer fits on a slide


def fmt(v) -> str:
    """A number as printed: 6 significant digits (what the tests parse back)."""
    return f"{float(v):.6g}"


def par(v) -> str:
    """A factor of a product: negative numbers in parentheses."""
    return fmt(v) if v >= 0 else f"({fmt(v)})"


def plus(v) -> str:
    """A term added at the end of a sum: '+ 0.5' or '- 0.5'."""
    return f"+ {fmt(v)}" if v >= 0 else f"- {fmt(-v)}"


def example(sizes, activations, seed: int = 0):
    """A seeded network and one example (x, y), rounded to 2 decimals so they print exactly.

    w(l) from :func:`reference.init_network`, b(l) ~ N(0, 0.5^2), x = a(0) and
    y uniform in [0, 1].  Returns (weights, biases, activations, x, y) with x
    of shape (n_0,) and y of shape (n_L,).
    """
    weights, _ = init_network(sizes, seed)
    rng = np.random.default_rng([seed, 1])  # a stream apart from init_network's
    weights = [np.round(w, 2) for w in weights]
    biases = [np.round(rng.normal(0.0, 0.5, n), 2) for n in sizes[1:]]
    x = np.round(rng.uniform(0.0, 1.0, sizes[0]), 2)
    y = np.round(rng.uniform(0.0, 1.0, sizes[-1]), 2)
    return weights, biases, list(activations), x, y


def _forward_lines(weights, biases, activations, x, y):
    """Forward pass for one example, one line per neuron.  Returns (lines, z, a)."""
    lines = ["Forward  [02:01]  z(l) = w(l) a(l-1) + b(l),  a(l) = sigma(z(l))"]
    z, a = [], [np.asarray(x, dtype=float)]
    for l, (w, b, name) in enumerate(zip(weights, biases, activations), start=1):
        z.append(w @ a[-1] + b)
        a.append(SIGMA[name].sigma(z[-1]))
        one = w.shape == (1, 1)
        for j in range(w.shape[0]):
            sub = "" if one else f"_{j}"
            terms = " + ".join(f"{par(w[j, k])}*{par(a[-2][k])}" for k in range(w.shape[1]))
            lines.append(f"  z({l}){sub} = {terms} {plus(b[j])} = {fmt(z[-1][j])}"
                         f"    a({l}){sub} = {name}(z({l}){sub}) = {fmt(a[-1][j])}")
    L = len(weights)
    C0 = float(np.sum((a[-1] - y) ** 2))
    if a[-1].size == 1:
        lines.append(f"  [01:32] C0 = (a({L}) - y)^2 = ({fmt(a[-1][0])} - {fmt(y[0])})^2 = {fmt(C0)}")
    else:
        lines.append(f"  [07:15] C0 = sum_j (a({L})_j - y_j)^2 = {fmt(C0)}   (y = {', '.join(map(fmt, y))})")
    return lines, z, a


def _chain_lines(weights, biases, activations, x, y):
    """Backward lines for the width-1 chain, from :func:`reference.chain_steps`."""
    steps = chain_steps([float(w[0, 0]) for w in weights], [float(b[0]) for b in biases], activations,
                        float(x[0]), float(y[0]))
    L, lines = len(steps), []
    grads = {"dC0_dw": [None] * L, "dC0_db": [None] * L, "dC0_da": [None] * (L + 1)}
    for s in reversed(steps):
        l, name = s["layer"], activations[s["layer"] - 1]
        lines.append(f"Layer {l}" + ("  (l = L)" if l == L else ""))
        if l == L:
            lines.append(f"  [04:07] dC0/da({l})   = 2(a({l}) - y) = 2({fmt(s['a'])} - {fmt(y[0])})"
                         f" = {fmt(s['dC0_da'])}")
        else:
            lines.append(f"  [06:33] dC0/da({l})   = {fmt(s['dC0_da'])}   (from layer {l + 1})")
        lines += [f"  [04:27] da({l})/dz({l}) = {name}'(z({l})) = {name}'({fmt(s['z'])}) = {fmt(s['da_dz'])}",
                  f"  [04:37] dz({l})/dw({l}) = a({l - 1}) = {fmt(s['dz_dw'])}",
                  f"  [05:58] dz({l})/db({l}) = 1",
                  f"  [06:15] dz({l})/da({l - 1}) = w({l}) = {fmt(s['dz_da_prev'])}"]
        tail = f"{par(s['da_dz'])} * {par(s['dC0_da'])}"
        lines += [f"  [03:45] dC0/dw({l}) = dz/dw * da/dz * dC0/da = {par(s['dz_dw'])} * {tail}"
                  f" = {fmt(s['dC0_dw'])}",
                  f"  [05:46] dC0/db({l}) = 1 * da/dz * dC0/da = 1 * {tail} = {fmt(s['dC0_db'])}",
                  f"  [06:10] dC0/da({l - 1}) = w({l}) * da/dz * dC0/da = {par(s['dz_da_prev'])} * {tail}"
                  f" = {fmt(s['dC0_da_prev'])}"]
        if l == 1:
            lines.append("          (dC0/da(0): how the cost feels the input; no weights below it)")
        grads["dC0_dw"][l - 1] = np.array([[s["dC0_dw"]]])
        grads["dC0_db"][l - 1] = np.array([s["dC0_db"]])
        grads["dC0_da"][l] = np.array([s["dC0_da"]])
        grads["dC0_da"][l - 1] = np.array([s["dC0_da_prev"]])
    return lines, grads


def _layer_lines(weights, activations, z, a, y):
    """Backward lines for layers of any width: explicit loops over j and k, no matrices."""
    L, lines = len(weights), []
    grads = {"dC0_dw": [None] * L, "dC0_db": [None] * L, "dC0_da": [None] * (L + 1)}
    # dC0/da(L)_j = 2(a(L)_j - y_j)  [04:07]
    grads["dC0_da"][L] = 2.0 * (a[L] - y)
    for l in range(L, 0, -1):
        w, name, dC0_da = weights[l - 1], activations[l - 1], grads["dC0_da"][l]
        n_j, n_k = w.shape
        lines.append(f"Layer {l}  (j = 0..{n_j - 1} in layer {l}, k = 0..{n_k - 1} in layer {l - 1})"
                     + ("  (l = L)" if l == L else ""))
        if l == L:
            lines.append(f"  [04:07] dC0/da({l})_j = 2(a({l})_j - y_j) = {', '.join(map(fmt, dC0_da))}")
        else:
            lines.append(f"  [06:33] dC0/da({l})_j = {', '.join(map(fmt, dC0_da))}   (from layer {l + 1})")
        da_dz = SIGMA[name].prime(z[l - 1])
        lines += [f"  [04:27] da({l})_j/dz({l})_j = {name}'(z({l})_j) = {', '.join(map(fmt, da_dz))}",
                  f"  [04:37] dz({l})_j/dw({l})_jk = a({l - 1})_k = {', '.join(map(fmt, a[l - 1]))}",
                  f"  [05:58] dz({l})_j/db({l})_j = 1",
                  f"  [06:15] dz({l})_j/da({l - 1})_k = w({l})_jk",
                  f"  [08:15] dC0/dw({l})_jk = a({l - 1})_k * {name}'(z({l})_j) * dC0/da({l})_j"]
        dC0_dw, dC0_db = np.zeros_like(w), np.zeros(n_j)
        for j in range(n_j):
            for k in range(n_k):
                dC0_dw[j, k] = a[l - 1][k] * da_dz[j] * dC0_da[j]
                lines.append(f"    dC0/dw({l})_{j}{k} = {par(a[l - 1][k])} * {par(da_dz[j])} * {par(dC0_da[j])}"
                             f" = {fmt(dC0_dw[j, k])}")
        lines.append(f"  [05:46] dC0/db({l})_j = 1 * {name}'(z({l})_j) * dC0/da({l})_j")
        for j in range(n_j):
            dC0_db[j] = da_dz[j] * dC0_da[j]
            lines.append(f"    dC0/db({l})_{j} = 1 * {par(da_dz[j])} * {par(dC0_da[j])} = {fmt(dC0_db[j])}")
        # dC0/da(l-1)_k = sum_j w(l)_jk sigma'(z(l)_j) dC0/da(l)_j: one term per path j  [08:32]
        lines.append(f"  [08:32] dC0/da({l - 1})_k = sum_j w({l})_jk * {name}'(z({l})_j) * dC0/da({l})_j"
                     + ("   (the input's sensitivity)" if l == 1 else ""))
        dC0_da_prev = np.zeros(n_k)
        for k in range(n_k):
            terms = [w[j, k] * da_dz[j] * dC0_da[j] for j in range(n_j)]
            for t in terms:
                dC0_da_prev[k] += t  # += : each path j adds its share, micrograd-style
            lines.append(f"    dC0/da({l - 1})_{k} = "
                         + " + ".join(f"{par(w[j, k])}*{par(da_dz[j])}*{par(dC0_da[j])}" for j in range(n_j)))
            lines.append(f"    {' ' * len(f'dC0/da({l - 1})_{k}')} = "
                         + fmt(terms[0]) + "".join(f" {plus(t)}" for t in terms[1:]) + f" = {fmt(dC0_da_prev[k])}")
        grads["dC0_dw"][l - 1], grads["dC0_db"][l - 1], grads["dC0_da"][l - 1] = dC0_dw, dC0_db, dC0_da_prev
    return lines, grads


def explain(weights, biases, activations, x, y):
    """The explanation for one example: (lines, grads, max_difference).

    grads holds lists "dC0_dw", "dC0_db" (indexed like weights) and "dC0_da"
    (indexed by layer 0..L); max_difference is the largest |ours - reference|
    over dC0/dw, dC0/db (:func:`reference.backprop`) and dC0/da
    (:func:`reference.backprop_trace`) on this example as a batch of m = 1.
    """
    weights = [np.asarray(w, dtype=float) for w in weights]
    biases = [np.asarray(b, dtype=float) for b in biases]
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    L = len(weights)
    lines, z, a = _forward_lines(weights, biases, activations, x, y)
    lines += ["", f"Backward, layer by layer from L = {L} down to 1: iterate the chain rule  [06:33]"]
    if all(w.shape == (1, 1) for w in weights):
        back, grads = _chain_lines(weights, biases, activations, x, y)
    else:
        back, grads = _layer_lines(weights, activations, z, a, y)
    lines += back
    dC_dw, dC_db = backprop(weights, biases, activations, x[None, :], y[None, :])
    trace = backprop_trace(weights, biases, activations, x[None, :], y[None, :])
    diffs = [np.max(np.abs(ours - theirs)) for ours, theirs in zip(grads["dC0_dw"] + grads["dC0_db"],
                                                                   dC_dw + dC_db)]
    diffs += [np.max(np.abs(ours - theirs[0])) for ours, theirs in zip(grads["dC0_da"], trace.dC_da)]
    diff = float(max(diffs))
    lines += ["", f"Check against reference.backprop (m = 1): max |difference| = {diff:.1e}"]
    return lines, grads, diff


def _ints(text):
    """'2,3,2' -> [2, 3, 2], for --sizes."""
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, like 2,3,2; got {text!r}") \
            from None


def main(argv=None) -> int:
    """Entry point of ``python -m reference explain``; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m reference explain", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=_ints, default=[1, 1, 1, 1],
                   help="layer sizes n_0,...,n_L (default 1,1,1,1: the video's chain, L = 3)")
    p.add_argument("--activations", default="sigmoid",
                   help=f"one name for every layer or a comma list, one per layer ({', '.join(sorted(SIGMA))})")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights, biases, x and y (default 0)")
    args = p.parse_args(argv)
    sizes, L = args.sizes, len(args.sizes) - 1
    if L < 1:
        p.error(f"--sizes needs at least two sizes n_0,n_1 (one layer), got {','.join(map(str, sizes))}")
    if args.seed < 0:
        p.error(f"--seed must be 0 or more, got {args.seed}")
    names = args.activations.split(",")
    names = names * L if len(names) == 1 else names
    if len(names) != L:
        p.error(f"--sizes gives L = {L} layers but --activations names {len(names)}")
    if bad := [n for n in names if n not in SIGMA]:
        p.error(f"unknown activation {bad[0]!r}: expected one of {', '.join(sorted(SIGMA))}")
    if max(sizes) > MAX_WIDTH or min(sizes) < 1:
        p.error(f"explain is for small networks: every size from 1 to {MAX_WIDTH}, got {sizes}")
    weights, biases, names, x, y = example(sizes, names, args.seed)
    kind = "the video's chain, one neuron per layer" if max(sizes) == 1 else "sizes " + ",".join(map(str, sizes))
    shown = names[0] if len(set(names)) == 1 else ",".join(names)
    print(f"One example through {kind}: L = {L}, {shown}, seed {args.seed}")
    for l, (w, b) in enumerate(zip(weights, biases), start=1):
        wb = (w.tolist(), b.tolist()) if max(sizes) > 1 else (fmt(w[0, 0]), fmt(b[0]))
        print(f"  w({l}) = {wb[0]}   b({l}) = {wb[1]}")
    print(f"  x = a(0) = {', '.join(map(fmt, x))}   y = {', '.join(map(fmt, y))}", end="\n\n")
    lines, _, diff = explain(weights, biases, names, x, y)
    print("\n".join(lines))
    return 0 if diff < 1e-12 else 1
