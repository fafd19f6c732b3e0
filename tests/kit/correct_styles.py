"""Correct backprops written in other styles than the reference: the kit must pass them.

* :func:`per_example_columns` - Nielsen's ``network.py`` shape: one example at a
  time as a column vector, gradients accumulated (``+=``) and averaged at the
  end; but with the video's cost (dC0/da(L) = 2(a(L) - y), no 1/2).
* :func:`vectorised_columns` - all examples at once as *columns* (n_l, m), with
  ``np.einsum`` for the sums: the opposite layout to the reference's rows.
* :func:`vectorised_rows` - CS231n's shape: examples as rows, (in, out) kernels, a cache.
* :func:`python_floats` - plain Python floats, one neuron and one example at a time.
* :func:`float32_rows` - computed and returned in float32 (the kit's float32 tolerance).

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

import math

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




def vectorised_rows(weights, biases, activations, x, y):
    """CS231n-style: examples as rows, (in, out) weight matrices (the transpose of w(l)), a cache per layer."""
    kernels = [np.asarray(w, dtype=float).T for w in weights]  # (n_(l-1), n_l), as flax / keras store them
    cache, h = [], np.asarray(x, dtype=float)
    for W, b, name in zip(kernels, biases, activations):
        z = h @ W + np.asarray(b, dtype=float)
        cache.append((h, z))
        h = SIGMA[name][0](z)
    m = h.shape[0]
    dh = 2.0 * (h - np.asarray(y, dtype=float)) / m
    dWs, dbs = [], []
    for W, (h_prev, z), name in zip(reversed(kernels), reversed(cache), reversed(activations)):
        dz = dh * SIGMA[name][1](z)
        dWs.append((h_prev.T @ dz).T)  # back to w(l)'s (n_l, n_(l-1))
        dbs.append(dz.sum(axis=0))
        dh = dz @ W.T
    return dWs[::-1], dbs[::-1]


def _py_sigma(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return z if z > 0 else 0.0
    return z


def _py_sigma_prime(name, z):
    if name == "sigmoid":
        e = math.exp(-abs(z))
        return e / (1.0 + e) ** 2
    if name == "tanh":
        e = math.exp(-2.0 * abs(z))
        return 4.0 * e / (1.0 + e) ** 2
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    return 1.0


def python_floats(weights, biases, activations, x, y):
    """Plain Python floats and lists, one example and one neuron at a time (the video's indices j, k)."""
    W = [np.asarray(w, dtype=float).tolist() for w in weights]
    B = [np.asarray(b, dtype=float).tolist() for b in biases]
    X, Y = np.asarray(x, dtype=float).tolist(), np.asarray(y, dtype=float).tolist()
    m = len(X)
    gw = [[[0.0] * len(row) for row in w] for w in W]
    gb = [[0.0] * len(b) for b in B]
    for x_i, y_i in zip(X, Y):
        a, zs = [x_i], []
        for w, b, name in zip(W, B, activations):
            z = [math.fsum([w_jk * a_k for w_jk, a_k in zip(row, a[-1])]) + b_j for row, b_j in zip(w, b)]
            zs.append(z)
            a.append([_py_sigma(name, z_j) for z_j in z])
        dC_da = [2.0 * (a_j - y_j) / m for a_j, y_j in zip(a[-1], y_i)]
        for l in range(len(W), 0, -1):
            dz = [d * _py_sigma_prime(activations[l - 1], z_j) for d, z_j in zip(dC_da, zs[l - 1])]
            for j, dz_j in enumerate(dz):
                gb[l - 1][j] += dz_j
                for k, a_k in enumerate(a[l - 1]):
                    gw[l - 1][j][k] += dz_j * a_k
            dC_da = [math.fsum([W[l - 1][j][k] * dz[j] for j in range(len(dz))]) for k in range(len(a[l - 1]))]
    return [np.array(g, dtype=float).reshape(np.shape(w)) for g, w in zip(gw, weights)], \
        [np.array(g, dtype=float) for g in gb]


def float32_rows(weights, biases, activations, x, y):
    """The reference's layout computed in float32 throughout (returns float32: the kit's float32 tolerance)."""
    f = np.float32
    ws = [np.asarray(w).astype(f) for w in weights]
    a, zs = [np.asarray(x).astype(f)], []
    for w, b, name in zip(ws, biases, activations):
        zs.append(a[-1] @ w.T + np.asarray(b).astype(f))
        a.append(SIGMA[name][0](zs[-1]).astype(f))
    m = a[0].shape[0]
    dC_da = (f(2.0) * (a[-1] - np.asarray(y).astype(f)) / f(m)).astype(f)
    dC_dw, dC_db = [None] * len(ws), [None] * len(ws)
    for l in range(len(ws), 0, -1):
        dz = (dC_da * SIGMA[activations[l - 1]][1](zs[l - 1])).astype(f)
        dC_dw[l - 1] = (dz.T @ a[l - 1]).astype(f)
        dC_db[l - 1] = dz.sum(axis=0, dtype=f)
        dC_da = dz @ ws[l - 1]
    return dC_dw, dC_db


STYLES = {"per_example_columns": per_example_columns, "vectorised_columns": vectorised_columns,
          "vectorised_rows": vectorised_rows, "python_floats": python_floats, "float32_rows": float32_rows}
