"""Gradient descent: step downhill along -dC/dw, -dC/db [09:23].

Both functions return new parameter lists and leave the caller's alone.
"""

from __future__ import annotations

import numpy as np

from . import checks
from .backpropagation import backprop, forward
from .cost_function import cost


def step(weights, biases, dC_dw, dC_db, eta: float):
    """One step downhill [09:23]: w(l) <- w(l) - eta dC/dw(l), b(l) <- b(l) - eta dC/db(l).

    Returns new ``(weights, biases)`` lists of float64 arrays.

    >>> w, b = step([np.array([[1.0]])], [np.array([0.0])], [np.array([[2.0]])], [np.array([-1.0])], 0.1)
    >>> w, b
    ([array([[0.8]])], [array([0.1])])
    """
    ws, bs, dC_dw, dC_db, eta = checks.step_arguments(weights, biases, dC_dw, dC_db, eta)
    with checks.overflow_is_an_error("step"):
        return [w - eta * g for w, g in zip(ws, dC_dw)], [b - eta * h for b, h in zip(bs, dC_db)]


def train(weights, biases, activations, x, y, *, eta: float, epochs: int,
          batch_size: int | None = None, seed: int = 0, on_step=None):
    """Mini-batch gradient descent.  Returns ``(weights, biases, costs)``.

    Each epoch shuffles the m examples (seeded) and steps once per mini-batch
    of `batch_size` rows (all rows when None; a last short batch is kept).
    costs[e] is C on all of (x, y) after epoch e, and costs[0] before any
    step, so len(costs) == epochs + 1.  ``on_step(weights, biases, xb, yb,
    dC_dw, dC_db)``, if given, sees every step's gradients before the step.
    """
    ws, bs, names, x, y, eta, epochs, batch_size, seed = checks.train_arguments(
        weights, biases, activations, x, y, eta, epochs, batch_size, seed, on_step)
    ws, bs = [w.copy() for w in ws], [b.copy() for b in bs]  # returned even after 0 epochs: never the caller's
    rng = np.random.default_rng(seed)
    costs = [cost(forward(ws, bs, names, x)[1][-1], y)]  # C on all of (x, y)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start:start + batch_size]  # one mini-batch
            dC_dw, dC_db = backprop(ws, bs, names, x[rows], y[rows])
            if on_step is not None:
                on_step(ws, bs, x[rows], y[rows], dC_dw, dC_db)
            ws, bs = step(ws, bs, dC_dw, dC_db, eta)
        costs.append(cost(forward(ws, bs, names, x)[1][-1], y))
    return ws, bs, costs
