"""PNG pictures for the teaching commands, drawn with matplotlib's Agg canvas (no window, no pyplot).

Each function writes one file and returns its path.  ``python -m reference
graph [--out DIR]`` draws the computation graph of the one-neuron chain.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def _save(fig: Figure, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def cost_curve(costs, path, test_costs=None) -> Path:
    """C over training: costs[e] after epoch e (costs[0] before any step)."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(np.arange(len(costs)), costs, marker=".", label="C on the training set")
    if test_costs is not None:
        ax.plot(np.arange(len(test_costs)), test_costs, marker=".", label="C on the held-out set")
    ax.set_xlabel("epoch")
    ax.set_ylabel("C = mean over examples of sum_j (a(L)_j - y_j)^2")
    ax.set_title("The cost going downhill [09:23]")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def first_layer_weights(w1, path) -> Path:
    """The rows of w(1) (n_1, 64) as 8x8 images: what each first hidden neuron looks for."""
    w1 = np.asarray(w1)
    n = w1.shape[0]
    cols = 4
    rows = -(-n // cols)
    fig = Figure(figsize=(1.8 * cols, 1.9 * rows + 0.6), layout="constrained")
    fig.suptitle("w(1)_j as 8x8 images: what does hidden neuron j look for?\n(red +, blue -; each on its own scale)")
    for j in range(n):
        ax = fig.add_subplot(rows, cols, j + 1)
        lim = np.max(np.abs(w1[j])) or 1.0
        ax.imshow(w1[j].reshape(8, 8), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"j = {j}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    return _save(fig, path)


def gradient_norms(norms, path, steps_per_epoch=None) -> Path:
    """norms: (steps, L), ||dC/dw(l)|| (Frobenius) at every step, one column per layer l."""
    norms = np.asarray(norms)
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    step = np.arange(1, len(norms) + 1)
    scale = steps_per_epoch or 1
    for l in range(norms.shape[1]):
        line, = ax.plot(step / scale, norms[:, l], alpha=0.25, linewidth=0.8)
        if len(norms) >= 20:  # a moving average so the trend shows through the mini-batch noise
            k = max(1, len(norms) // 40)
            smooth = np.convolve(norms[:, l], np.ones(k) / k, mode="valid")
            ax.plot(step[k - 1:] / scale, smooth, color=line.get_color(), label=f"||dC/dw({l + 1})||")
        else:
            line.set_label(f"||dC/dw({l + 1})||")
    ax.set_yscale("log")
    ax.set_xlabel("epoch" if steps_per_epoch else "step")
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_title("How big each layer's gradient is, step by step")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return _save(fig, path)


# (x, y) centre of every box in the graph; the faded ones are layer L-1, feeding a(L-1)  [06:33]
_NODES = {
    "w(L-1)": (0.0, 2.0), "a(L-2)": (0.0, 1.0), "b(L-1)": (0.0, 0.0), "z(L-1)": (1.3, 1.0),
    "w(L)": (2.6, 2.0), "a(L-1)": (2.6, 1.0), "b(L)": (2.6, 0.0), "z(L)": (3.9, 1.0),
    "a(L)": (5.2, 1.0), "y": (5.2, 2.0), "C0": (6.5, 1.0),
}
_FADED = {"w(L-1)", "a(L-2)", "b(L-1)", "z(L-1)"}
# (from, to, the local derivative d(to)/d(from) written on the arrow)
_EDGES = [
    ("w(L-1)", "z(L-1)", ""), ("a(L-2)", "z(L-1)", ""), ("b(L-1)", "z(L-1)", ""), ("z(L-1)", "a(L-1)", ""),
    ("w(L)", "z(L)", "a(L-1)\n[04:37]"), ("a(L-1)", "z(L)", "w(L)\n[06:15]"), ("b(L)", "z(L)", "1\n[05:58]"),
    ("z(L)", "a(L)", "σ'(z(L))\n[04:27]"), ("a(L)", "C0", "2(a(L)-y)\n[04:07]"), ("y", "C0", ""),
]


def chain_graph(path) -> Path:
    """The video's computation graph [02:10]: w(L), a(L-1), b(L) -> z(L) -> a(L) -> C0 (with y)."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.add_subplot()
    for src, dst, label in _EDGES:
        (x0, y0), (x1, y1) = _NODES[src], _NODES[dst]
        faded = src in _FADED
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="-|>", color="0.75" if faded else "0.2", lw=1.5,
                                    shrinkA=22, shrinkB=22))
        if label:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08, label, ha="center", va="bottom", fontsize=8,
                    color="tab:red")
    for name, (x, y) in _NODES.items():
        faded = name in _FADED
        colour = {"C0": "#f4cccc", "y": "#fff2cc"}.get(name, "#cfe2f3" if name[0] in "wb" else "#d9ead3")
        ax.text(x, y, name, ha="center", va="center", fontsize=13, color="0.6" if faded else "black",
                bbox=dict(boxstyle="round,pad=0.45", fc="0.95" if faded else colour, ec="0.7" if faded else "0.3"))
    ax.text(3.25, -0.75, "z(L) = w(L) a(L-1) + b(L)   [02:01]      a(L) = σ(z(L))      C0 = (a(L) - y)²   [01:32]\n"
            "dC0/dw(L) = dz(L)/dw(L) · da(L)/dz(L) · dC0/da(L)   [03:45]   (red on each arrow: d(head)/d(tail))",
            ha="center", va="center", fontsize=10)
    ax.set_title("The one-neuron chain as a computation graph [02:10]; grey: layer L-1, reached by "
                 "iterating backwards [06:33]", fontsize=11)
    ax.set_xlim(-0.6, 7.1)
    ax.set_ylim(-1.1, 2.5)
    ax.axis("off")
    return _save(fig, path)


def main(argv=None) -> int:
    """Entry point of ``python -m reference graph``."""
    p = argparse.ArgumentParser(prog="python -m reference graph",
                                description="Draw the one-neuron chain's computation graph [02:10] as a PNG.")
    p.add_argument("--out", default="backprop-pictures",
                   help="folder for chain_graph.png (default ./backprop-pictures)")
    args = p.parse_args(argv)
    print(f"wrote {chain_graph(Path(args.out) / 'chain_graph.png')}")
    return 0
