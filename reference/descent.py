"""Gradient descent: step downhill along -dC/dw, -dC/db [09:23].

Both functions return new parameter lists and leave the caller's alone.
"""

from __future__ import annotations

import numpy as np

from .backprop import _forward, backprop
from .cost import cost
from .errors import (
    ReferenceValueError,
    as_real_array,
    check_eta,
    check_examples,
    check_network,
    check_per_layer,
    check_whole_number,
    overflow_is_an_error,
)


def step(weights, biases, dC_dw, dC_db, eta: float):
    """One step downhill [09:23]: w(l) <- w(l) - eta dC/dw(l), b(l) <- b(l) - eta dC/db(l).

    Returns new ``(weights, biases)`` lists of float64 arrays.

    >>> w, b = step([np.array([[1.0]])], [np.array([0.0])], [np.array([[2.0]])], [np.array([-1.0])], 0.1)
    >>> w, b
    ([array([[0.8]])], [array([0.1])])
    """
    eta = check_eta(eta)
    ws, bs, _ = check_network(weights, biases, ["identity"] * len(weights))
    check_per_layer("dC_dw", dC_dw)
    check_per_layer("dC_db", dC_db)
    if len(dC_dw) != len(ws) or len(dC_db) != len(bs):
        raise ReferenceValueError(
            f"the network has {len(ws)} layers but dC_dw has {len(dC_dw)} and dC_db {len(dC_db)} entries"
        )
    gw, gb = [], []
    for i, (w, b) in enumerate(zip(ws, bs)):
        gw.append(as_real_array(dC_dw[i], f"dC_dw[{i}] (dC/dw({i + 1}))", ("n", "n_prev")))
        gb.append(as_real_array(dC_db[i], f"dC_db[{i}] (dC/db({i + 1}))", ("n",)))
        if gw[i].shape != w.shape or gb[i].shape != b.shape:
            raise ReferenceValueError(
                f"dC_dw[{i}] / dC_db[{i}] have shapes {gw[i].shape} / {gb[i].shape}, "
                f"expected {w.shape} / {b.shape} like w({i + 1}) / b({i + 1})"
            )
    with overflow_is_an_error("step"):
        return [w - eta * g for w, g in zip(ws, gw)], [b - eta * h for b, h in zip(bs, gb)]


def train(weights, biases, activations, x, y, *, eta: float, epochs: int,
          batch_size: int | None = None, seed: int = 0, on_step=None):
    """Mini-batch gradient descent.  Returns ``(weights, biases, costs)``.

    Each epoch shuffles the m examples (seeded) and steps once per mini-batch
    of `batch_size` rows (all rows when None; a last short batch is kept).
    costs[e] is C on all of (x, y) after epoch e, and costs[0] before any
    step, so len(costs) == epochs + 1.  ``on_step(weights, biases, xb, yb,
    dC_dw, dC_db)``, if given, sees every step's gradients before the step.
    """
    eta = check_eta(eta)
    ws, bs, names = check_network(weights, biases, activations)
    ws, bs = [w.copy() for w in ws], [b.copy() for b in bs]  # returned even after 0 epochs: never the caller's
    x, y = check_examples(x, y, ws)
    m = x.shape[0]
    batch_size = m if batch_size is None else batch_size
    epochs = check_whole_number("epochs", epochs, 0)
    batch_size = check_whole_number("batch_size", batch_size, 1, m, high_name=f"m = {m}")
    rng = np.random.default_rng(seed)

    def cost_of(ws, bs):  # C on all of (x, y); everything is checked already: the unchecked forward pass
        return cost(_forward(ws, bs, names, x, want_prime=False)[1][-1], y)

    with overflow_is_an_error("train"):
        costs = [cost_of(ws, bs)]
    for _ in range(epochs):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            rows = order[start:start + batch_size]
            dC_dw, dC_db = backprop(ws, bs, names, x[rows], y[rows])
            if on_step is not None:
                on_step(ws, bs, x[rows], y[rows], dC_dw, dC_db)
            ws, bs = step(ws, bs, dC_dw, dC_db, eta)
        with overflow_is_an_error(f"train (after epoch {len(costs)})"):
            costs.append(cost_of(ws, bs))
    return ws, bs, costs
