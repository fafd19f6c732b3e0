"""A correct student backprop (vectorised rows), as a student file the kit loads by path."""

import numpy as np


def _sigma(name, z):
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0, -z))
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    return z


def _prime(name, z):
    if name == "sigmoid":
        s = np.exp(-np.logaddexp(0, -z))
        return np.where(np.abs(z) < 30, s * (1 - s), np.exp(-np.abs(z)))
    if name == "relu":
        return (z > 0).astype(float)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    return np.ones_like(z)


def backprop(weights, biases, activations, x, y):
    a, zs = [x], []
    for w, b, name in zip(weights, biases, activations):
        zs.append(a[-1] @ w.T + b)
        a.append(_sigma(name, zs[-1]))
    dC_da = 2 * (a[-1] - y) / x.shape[0]
    dC_dw, dC_db = [], []
    for l in range(len(weights) - 1, -1, -1):
        dC_dz = dC_da * _prime(activations[l], zs[l])
        dC_dw.insert(0, dC_dz.T @ a[l])
        dC_db.insert(0, dC_dz.sum(axis=0))
        dC_da = dC_dz @ weights[l]
    return dC_dw, dC_db


def half_cost(weights, biases, activations, x, y):
    """The 1/2 cost convention: every gradient half the video's."""
    dC_dw, dC_db = backprop(weights, biases, activations, x, y)
    return [g / 2 for g in dC_dw], [g / 2 for g in dC_db]


def two_layers_only(weights, biases, activations, x, y):
    """An assignment's code that assumes exactly two layers."""
    if len(weights) != 2:
        raise ValueError(f"expected 2 layers, got {len(weights)}")
    return backprop(weights, biases, activations, x, y)
