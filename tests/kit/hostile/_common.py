"""What the hostile student files share: a correct backprop and the 1/2-cost one, in plain numpy.

Nothing here imports the project: a student's file would not either.
"""

import numpy as np


def _sigma(name, z):
    if name == "sigmoid":
        s = np.exp(-np.logaddexp(0.0, -z))
        return s, np.exp(-np.logaddexp(0.0, -z) - np.logaddexp(0.0, z))
    if name == "tanh":
        t = np.tanh(z)
        return t, 1.0 - t * t
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(float)
    return z + 0.0, np.ones_like(z)


def backprop(weights, biases, activations, x, y, half=False):
    """The video's backprop, examples as rows; `half`: the 1/2 cost convention (dC0/da(L) = a(L) - y)."""
    with np.errstate(all="ignore"):
        a, primes = [np.array(x, dtype=float)], []
        for w, b, name in zip(weights, biases, activations):
            s, p = _sigma(name, a[-1] @ np.asarray(w, dtype=float).T + np.asarray(b, dtype=float))
            a.append(s)
            primes.append(p)
        m = a[0].shape[0]
        dC_da = (1.0 if half else 2.0) * (a[-1] - np.asarray(y, dtype=float)) / m
        dw, db = [None] * len(weights), [None] * len(weights)
        for l in range(len(weights) - 1, -1, -1):
            dz = dC_da * primes[l]
            dw[l] = dz.T @ a[l]
            db[l] = dz.sum(axis=0)
            dC_da = dz @ np.asarray(weights[l], dtype=float)
        return dw, db


def half(weights, biases, activations, x, y):
    return backprop(weights, biases, activations, x, y, half=True)
