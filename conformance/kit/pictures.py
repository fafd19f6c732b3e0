"""Pictures of a measurement: your sigma'(z) beside the video's, and the per-layer factor table as an image.

Asked for with the environment variable ``BACKPROP_PICTURES=DIR`` (or ``conformance.kit.pictures.FOLDER``):
the diagnosis then writes ``sigma_prime_<activation>.png`` (the measured points of each position on
the video's curve) and ``factors.png`` (one row per reading: factor, place, agrees or deviates, the
known variant).  matplotlib comes with the ``teach`` extra; without it the diagnosis says so and
the text report carries the same numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from reference import SIGMA

from .probes import Z

FOLDER = None  # a folder to write pictures into (the environment variable BACKPROP_PICTURES sets it too)
ENV = "BACKPROP_PICTURES"


def folder():
    """The folder asked for, or None."""
    return FOLDER or os.environ.get(ENV) or None


def write(m, out) -> str:
    """Write the pictures of the Measurement `m` into `out`; one sentence saying what was written (or why not)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return (f"No pictures written to {out}: matplotlib is not installed (pip install "
                "'backprop-reference[teach]'); the numbers above are the same.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    fine = np.linspace(-6, 6, 601)
    for name in m.accepted:
        rs = [r for r in m.readings if r.factor == "sigma'" and r.where.startswith(name + ",")]
        if not rs:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(fine, SIGMA[name].prime(fine), color="black", label=f"the video's {name}'(z)")
        for r, marker in zip(rs, "oxs"):
            inside = np.abs(Z) <= 6
            ax.plot(Z[inside], r.values[inside], marker, linestyle="none",
                    label=f"yours, {r.where.split(', ')[1]}" + ("" if r.ok else " (deviates)"))
        ax.set_xlabel("z")
        ax.set_ylabel(f"{name}'(z)")
        ax.set_title(f"{name}'(z) measured on one-neuron chains (04:27)")
        ax.legend(fontsize=8)
        path = out / f"sigma_prime_{name}.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path.name)
    rows = [[r.factor, r.where, "agrees" if r.ok else "deviates", r.label[:70]] for r in m.readings]
    if rows:
        fig, ax = plt.subplots(figsize=(10, 0.3 * len(rows) + 1))
        ax.axis("off")
        table = ax.table(cellText=rows, colLabels=["factor", "where", "", "the numbers equal"], loc="center",
                         cellLoc="left", colWidths=[0.1, 0.27, 0.08, 0.55])
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        for i, r in enumerate(m.readings, start=1):
            for j in range(4):
                table[i, j].set_facecolor("#f4cccc" if not r.ok else "#d9ead3")
        path = out / "factors.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path.name)
    return f"Pictures written to {out}: {', '.join(written)}." if written else f"No pictures to write to {out}."
