"""A correct backprop near the edge of the acceptance rule: sigmoid as 0.5 (1 + tanh(z / 2)), whose absolute error
of about 1e-16 is a large relative one where the sigmoid saturates (s(-20) = 2e-9).  Its literals (0.5, 2.0, 20.0,
-60.0) must not change which networks the kit draws (conformance/kit/draws.py)."""

import numpy as np

SATURATING = (20.0, -60.0, 0.77, 0.0963)  # literals a local-constants pool would pick up


def _sigma(name, z):
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(z / 2.0))
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    return z


def _prime(name, z, a):
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "relu":
        return (z > 0).astype(float)
    if name == "tanh":
        return 1.0 - a * a
    return np.ones_like(z)


def backprop(weights, biases, activations, x, y):
    a, zs = [np.asarray(x, dtype=float)], []
    for w, b, name in zip(weights, biases, activations):
        zs.append(a[-1] @ w.T + b)
        a.append(_sigma(name, zs[-1]))
    g = 2.0 * (a[-1] - y) / x.shape[0]
    dws, dbs = [], []
    for l in range(len(weights) - 1, -1, -1):
        dz = g * _prime(activations[l], zs[l], a[l + 1])
        dws.insert(0, dz.T @ a[l])
        dbs.insert(0, dz.sum(axis=0))
        g = dz @ weights[l]
    return dws, dbs
