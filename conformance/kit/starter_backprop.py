"""Your backpropagation, to be checked by the conformance kit.

Fill in the TODOs, then run, from the folder that holds this file
(``pip install "backprop-reference[kit]"`` once):

    backprop-check student_backprop.py:backprop

(or ``pytest --impl=student_backprop.py:backprop``; add ``--activations=sigmoid`` if you only
wrote the sigmoid).  The kit draws
hundreds of small networks, compares your gradients with the reference's
(and PyTorch's and JAX's), and when something is off shows the smallest
network it fails on, your numbers against the reference's, the likely
mistake, and a script that reproduces it.

The contract, in the notation of 3Blue1Brown's "Backpropagation calculus":

    backprop(weights, biases, activations, x, y) -> (dC_dw, dC_db)

    weights[i]      numpy array (n_{i+1}, n_i): w(l) for layer l = i + 1; entry [j, k] is
                    w_jk, joining neuron k of layer l-1 to neuron j of layer l   [07:33]
    biases[i]       numpy array (n_{i+1},): b(l)
    activations[i]  "sigmoid", "relu", "tanh" or "identity": the sigma of layer l
    x               (m, n_0): m examples, ONE EXAMPLE PER ROW (a(0) for each)
    y               (m, n_L): the desired outputs, one row per example

    z(l) = w(l) a(l-1) + b(l),  a(l) = sigma(z(l))                                [02:01]
    C0 = sum_j (a(L)_j - y_j)^2   for one example, NO 1/2                          [01:32]
    C  = the average of C0 over the m examples

    dC_dw[i], dC_db[i]: the gradient of C with respect to weights[i] and biases[i],
    float arrays shaped exactly like them, in two lists (or tuples) of length L.
    relu'(0) = 0, as in PyTorch and JAX.
    Never modify the arrays or lists you are given; the same inputs must give the
    same answer every time.
"""

import numpy as np


def sigma(name, z):
    """a = sigma(z) for the activation `name`."""
    if name == "identity":
        return z
    # TODO: "sigmoid" (careful: np.exp(-z) overflows for z below about -709), "relu", "tanh"
    raise NotImplementedError(f"sigma({name!r}) is not written yet")


def sigma_prime(name, z):
    """da/dz = sigma'(z) for the activation `name`  [04:27]."""
    if name == "identity":
        return np.ones_like(z)
    # TODO: "sigmoid", "relu" (relu'(0) = 0), "tanh"
    raise NotImplementedError(f"sigma_prime({name!r}) is not written yet")


def forward(weights, biases, activations, x):
    """(z, a): z[l-1] = z(l) of shape (m, n_l) for l = 1..L, and a[l] = a(l) with a[0] = x.

    Rows are examples, so z(l) = w(l) a(l-1) + b(l) for all m rows at once is
    a(l-1) @ w(l).T + b(l).
    """
    z, a = [], [x]
    for w, b, name in zip(weights, biases, activations):
        z.append(a[-1] @ w.T + b)  # z(l) = w(l) a(l-1) + b(l)   [02:01]
        a.append(sigma(name, z[-1]))  # a(l) = sigma(z(l))
    return z, a


def backprop(weights, biases, activations, x, y):
    """(dC_dw, dC_db): lists shaped like weights and biases.  See the module docstring."""
    z, a = forward(weights, biases, activations, x)
    L = len(weights)
    dC_dw, dC_db = [None] * L, [None] * L
    # TODO 1: dC/da(L): the video's 2(a(L) - y) for one example [04:07]; C averages the m
    #         examples, so divide by m = x.shape[0].  Shape (m, n_L).
    # TODO 2: for l = L down to 1 (list index i = l - 1):
    #   dC/dz(l)     = dC/da(l) * sigma'(z(l))                            [04:27]
    #   dC/dw(l)_jk  = sum over the examples of dC/dz(l)_j * a(l-1)_k     [04:37, 08:15]
    #                  (shape (n_l, n_{l-1}), like w(l))
    #   dC/db(l)     = sum over the examples of dC/dz(l)_j                [05:58]
    #   dC/da(l-1)_k = sum over j of w(l)_jk * dC/dz(l)_j (every path)    [06:15, 08:32]
    raise NotImplementedError("backprop: the backward pass is not written yet (see TODO 1 and TODO 2)")
    return dC_dw, dC_db
