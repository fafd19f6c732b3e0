"""Plain Python loops over examples, neurons and inputs, with floats (the way the video's sums read)."""

from __future__ import annotations

import math

import numpy as np


def _f(name, z):
    if name == "sigmoid":
        return 1 / (1 + math.exp(-z)) if z > -700 else 0.0
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return max(z, 0.0)
    return z


def _df(name, z, tanh_prime=None):
    if name == "sigmoid":
        s = _f(name, z)
        return s * (1 - s)
    if name == "tanh":
        return tanh_prime(z) if tanh_prime else 1 - math.tanh(z) ** 2
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    return 1.0


def _loops(weights, biases, activations, x, y, dcost=None, paths="all", mean=True, tanh_prime=None,
           transpose_back=False, n_in=None):
    W = [np.asarray(w, float).tolist() for w in weights]
    B = [np.asarray(b, float).tolist() for b in biases]
    L = len(W)
    gw = [[[0.0] * len(row) for row in w] for w in W]
    gb = [[0.0] * len(b) for b in B]
    m = len(x)
    for i in range(m):
        a = [float(v) for v in x[i]][: n_in if n_in else None]
        if n_in:
            a = [a[k] for k in range(n_in)]  # a fixed input size
        As, Zs = [a], []
        for l in range(L):
            z = [sum(W[l][j][k] * As[-1][k] for k in range(len(W[l][j]))) + B[l][j] for j in range(len(W[l]))]
            Zs.append(z)
            As.append([_f(activations[l], v) for v in z])
        aL = As[-1]
        da = [dcost(aL[j], float(y[i][j])) if dcost else 2 * (aL[j] - float(y[i][j])) for j in range(len(aL))]
        for l in range(L - 1, -1, -1):
            dz = [da[j] * _df(activations[l], Zs[l][j], tanh_prime) for j in range(len(da))]
            for j in range(len(dz)):
                gb[l][j] += dz[j]
                for k in range(len(As[l])):
                    gw[l][j][k] += dz[j] * As[l][k]
            n_prev = len(As[l])
            if transpose_back:  # sum_j w_kj dz_j: the index order of w swapped
                da = [sum(W[l][k][j] * dz[j] for j in range(len(dz))) for k in range(n_prev)]
            elif paths == "first":
                da = [W[l][0][k] * dz[0] for k in range(n_prev)]
            else:
                da = [sum(W[l][j][k] * dz[j] for j in range(len(dz))) for k in range(n_prev)]
    s = 1.0 / m if mean else 1.0
    return [np.array(g) * s for g in gw], [np.array(g) * s for g in gb]


def first_path_only(weights, biases, activations, x, y):
    """dC/da(l-1)_k through neuron j = 0 only: the one-neuron derivation coded for wide layers."""
    return _loops(weights, biases, activations, x, y, paths="first")


def cross_entropy_derivative(weights, biases, activations, x, y):
    """dC/da = (a - y) / (a (1 - a)): the cross-entropy cost's derivative where the squared error's belongs."""
    return _loops(weights, biases, activations, x, y,
                  dcost=lambda a, t: (a - t) / (a * (1 - a)) if 0 < a < 1 else 2 * (a - t))


def fixed_input_size(weights, biases, activations, x, y):
    """Written for two inputs: for k in range(2)."""
    return _loops(weights, biases, activations, x, y, n_in=2)


def sum_and_tanh_prime_on_z(weights, biases, activations, x, y):
    """Two defects: no 1/m (a sum over the examples), and tanh' = 1 - z^2."""
    return _loops(weights, biases, activations, x, y, mean=False, tanh_prime=lambda z: 1 - z * z)


def transposed_step_back(weights, biases, activations, x, y):
    """dC/da(l-1)_k = sum_j w_kj dC/dz_j: w where w^T belongs (shows on square layers; raises on others)."""
    return _loops(weights, biases, activations, x, y, transpose_back=True)
