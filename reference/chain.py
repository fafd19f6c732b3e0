"""The one-neuron-per-layer chain of the video [00:43 - 06:33], in plain floats.

Each layer has one neuron, so every quantity is a number: w(l), b(l),
z(l) = w(l) a(l-1) + b(l), a(l) = sigma(z(l)), and C0 = (a(L) - y)^2.
One small function per factor of the chain rule, then :func:`chain_backprop`
iterates them backwards, exactly as the video does.

A worked example: two sigmoid layers, w = (0.5, -1.0), b = (0.0, 0.25),
input a(0) = 1.0 and target y = 0.0.

>>> dC0_dw, dC0_db = chain_backprop([0.5, -1.0], [0.0, 0.25], ["sigmoid", "sigmoid"], 1.0, 0.0)
>>> [round(g, 6) for g in dC0_dw], [round(g, 6) for g in dC0_db]
([-0.04631, 0.122662], [-0.04631, 0.19706])

By hand, forwards: z(1) = 0.5 * 1.0 + 0 = 0.5, a(1) = sigma(0.5) = 0.622459;
z(2) = -1.0 * 0.622459 + 0.25 = -0.372459, a(2) = sigma(z(2)) = 0.407947.
Backwards through the last layer (L = 2):
dC0/da(2) = 2(a(2) - y) = 0.815894, da(2)/dz(2) = sigma'(z(2)) = 0.241526,
dz(2)/dw(2) = a(1) = 0.622459, so dC0/dw(2) = 0.622459 * 0.241526 * 0.815894 = 0.122662;
dC0/da(1) = w(2) * 0.241526 * 0.815894 = -0.19706, where layer 1 starts.

>>> steps = chain_steps([0.5, -1.0], [0.0, 0.25], ["sigmoid", "sigmoid"], 1.0, 0.0)
>>> {k: round(v, 6) for k, v in steps[-1].items() if k != "layer"}  # doctest: +NORMALIZE_WHITESPACE
{'z': -0.372459, 'a': 0.407947, 'a_prev': 0.622459, 'w': -1.0, 'dC0_da': 0.815894,
 'da_dz': 0.241526, 'dz_dw': 0.622459, 'dz_db': 1.0, 'dz_da_prev': -1.0,
 'dC0_dw': 0.122662, 'dC0_db': 0.19706, 'dC0_da_prev': -0.19706}
"""

from __future__ import annotations

import numpy as np

from . import checks
from .activations import SIGMA


def dC0_da(a_L: float, y: float) -> float:
    """dC0/da(L) = 2(a(L) - y)  [04:07]"""
    return 2.0 * (a_L - y)


def da_dz(z: float, activation: str) -> float:
    """da(l)/dz(l) = sigma'(z(l))  [04:27]"""
    return float(SIGMA[activation].prime(np.float64(z)))


def dz_dw(a_prev: float) -> float:
    """dz(l)/dw(l) = a(l-1)  [04:37]"""
    return a_prev


def dz_db() -> float:
    """dz(l)/db(l) = 1  [05:58]"""
    return 1.0


def dz_da_prev(w: float) -> float:
    """dz(l)/da(l-1) = w(l)  [06:15]"""
    return w


def chain_steps(w, b, activations, x: float, y: float) -> list:
    """Every factor and product of the chain rule, one dict per layer l = 1..L.

    w, b, activations: one entry per layer (w[l-1] is w(l)); x = a(0) and y
    are numbers.  The returned dicts hold z, a, a_prev, w and the factors
    dC0_da (= dC0/da(l)), da_dz, dz_dw, dz_db, dz_da_prev with the products
    dC0_dw, dC0_db and dC0_da_prev (= dC0/da(l-1)).
    """
    w, b, names, x, y = checks.chain_arguments(w, b, activations, x, y)
    with checks.overflow_is_an_error("chain_steps"):
        z, a = _chain_forward(w, b, names, x)
        steps = _chain_backward(w, names, z, a, y)
    checks.finite_chain(steps)  # Python floats overflow to inf quietly
    return steps


def _chain_forward(w, b, names, x):
    """z[l-1] = z(l) and a[l] = a(l), as floats."""
    z, a = [], [x]
    for w_l, b_l, name in zip(w, b, names):
        # z(l) = w(l) a(l-1) + b(l), a(l) = sigma(z(l))  [02:01]
        z.append(w_l * a[-1] + b_l)
        a.append(float(SIGMA[name].sigma(np.float64(z[-1]))))
    return z, a


def _chain_backward(w, names, z, a, y):
    """One dict of factors and products per layer: start from dC0/da(L), iterate backwards  [06:33]."""
    steps = [None] * len(w)
    dC0_da_l = dC0_da(a[-1], y)
    for l in range(len(w), 0, -1):
        i = l - 1
        step = {"layer": l, "z": z[i], "a": a[l], "a_prev": a[l - 1], "w": w[i], "dC0_da": dC0_da_l,
                "da_dz": da_dz(z[i], names[i]), "dz_dw": dz_dw(a[l - 1]), "dz_db": dz_db(),
                "dz_da_prev": dz_da_prev(w[i])}
        # dC0/dw(l) = dz(l)/dw(l) * da(l)/dz(l) * dC0/da(l)  [03:45]
        step["dC0_dw"] = step["dz_dw"] * step["da_dz"] * dC0_da_l
        # dC0/db(l) = dz(l)/db(l) * da(l)/dz(l) * dC0/da(l)  [05:46]
        step["dC0_db"] = step["dz_db"] * step["da_dz"] * dC0_da_l
        # dC0/da(l-1) = dz(l)/da(l-1) * da(l)/dz(l) * dC0/da(l)  [06:10]
        step["dC0_da_prev"] = step["dz_da_prev"] * step["da_dz"] * dC0_da_l
        steps[i] = step
        dC0_da_l = step["dC0_da_prev"]  # the next layer down starts from here  [06:33]
    return steps


def chain_backprop(w, b, activations, x: float, y: float):
    """(dC0_dw, dC0_db): lists of floats, one per layer, for a one-neuron-per-layer chain."""
    steps = chain_steps(w, b, activations, x, y)
    return [s["dC0_dw"] for s in steps], [s["dC0_db"] for s in steps]
