"""Correct backprops written in other styles than the reference: the kit must pass them.

* :func:`per_example_columns` - Nielsen's ``network.py`` shape: one example at a
  time as a column vector, gradients accumulated (``+=``) and averaged at the
  end; but with the video's cost (dC0/da(L) = 2(a(L) - y), no 1/2).
* :func:`vectorised_columns` - all examples at once as *columns* (n_l, m), with
  ``np.einsum`` for the sums: the opposite layout to the reference's rows.

>>> import numpy as np
>>> from reference import backprop
>>> args = ([np.array([[0.5, -1.0]]), np.array([[2.0]])], [np.array([0.1]), np.array([-0.3])],
...         ["tanh", "sigmoid"], np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([[0.5], [1.0]]))
>>> ref = backprop(*args)
>>> all(np.allclose(g, r) for style in (per_example_columns, vectorised_columns)
...     for g, r in zip(style(*args)[0] + style(*args)[1], ref[0] + ref[1]))
True
"""

from __future__ import annotations

import numpy as np


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))  # 1 / (1 + e^-z) without overflow


SIGMA = {
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * _sigmoid(-z)),  # s(1 - s), written so it never rounds to 0
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(np.clip(z, -350.0, 350.0)) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0)),
    "identity": (lambda z: z, np.ones_like),
}


def per_example_columns(weights, biases, activations, x, y):
    """Nielsen-style: loop over the examples, each a column (n_0, 1); accumulate, then average."""
    ws = [np.asarray(w, dtype=float) for w in weights]
    bs = [np.asarray(b, dtype=float).reshape(-1, 1) for b in biases]
    dC_dw = [np.zeros(w.shape) for w in ws]
    dC_db = [np.zeros(b.shape) for b in bs]
    m = len(x)
    for x_i, y_i in zip(np.asarray(x, dtype=float), np.asarray(y, dtype=float)):
        a, zs = [x_i.reshape(-1, 1)], []
        for w, b, name in zip(ws, bs, activations):
            zs.append(w @ a[-1] + b)  # z(l) = w(l) a(l-1) + b(l)
            a.append(SIGMA[name][0](zs[-1]))
        dC0_da = 2.0 * (a[-1] - y_i.reshape(-1, 1))  # the video's cost: no 1/2
        for l in range(len(ws), 0, -1):
            dC0_dz = dC0_da * SIGMA[activations[l - 1]][1](zs[l - 1])
            dC_dw[l - 1] += dC0_dz @ a[l - 1].T  # (n_l, 1) @ (1, n_(l-1)): the w_jk layout
            dC_db[l - 1] += dC0_dz
            dC0_da = ws[l - 1].T @ dC0_dz  # sum over the paths j
    return [g / m for g in dC_dw], [g.ravel() / m for g in dC_db]


def vectorised_columns(weights, biases, activations, x, y):
    """All m examples at once as columns: A(l) is (n_l, m); einsum does the sums."""
    ws = [np.asarray(w, dtype=float) for w in weights]
    A = [np.asarray(x, dtype=float).T]
    Y = np.asarray(y, dtype=float).T
    Z = []
    for w, b, name in zip(ws, biases, activations):
        Z.append(np.einsum("jk,km->jm", w, A[-1]) + np.asarray(b, dtype=float)[:, None])
        A.append(SIGMA[name][0](Z[-1]))
    m = A[0].shape[1]
    dC_dA = (2.0 / m) * (A[-1] - Y)
    dC_dw, dC_db = [], []
    for l in reversed(range(len(ws))):
        dC_dZ = dC_dA * SIGMA[activations[l]][1](Z[l])
        dC_dw.insert(0, np.einsum("jm,km->jk", dC_dZ, A[l]))  # sum over examples m
        dC_db.insert(0, np.einsum("jm->j", dC_dZ))
        dC_dA = np.einsum("jk,jm->km", ws[l], dC_dZ)  # sum over paths j
    return dC_dw, dC_db


STYLES = {"per_example_columns": per_example_columns, "vectorised_columns": vectorised_columns}
