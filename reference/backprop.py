"""Backpropagation for a whole network, vectorised over a batch of examples.

Shapes (l = 1..L is the video's layer number; the lists are 0-based, so
``weights[l - 1]`` is w(l)):

=========  ===================  ==========================================
video      code                 shape
=========  ===================  ==========================================
w(l)_jk    ``weights[l-1]``     (n_l, n_{l-1}): row j, column k  [07:33]
b(l)       ``biases[l-1]``      (n_l,)
a(0)       ``x``                (m, n_0): one example per row
z(l), a(l) ``z[l-1]``, ``a[l]`` (m, n_l)
y          ``y``                (m, n_L)
=========  ===================  ==========================================

The video writes one example as a column, z(L) = w(L) a(L-1) + b(L).
Here each example is a *row*, so the same equation for all m rows at
once reads z = a_prev @ w.T + b.  Every line below says where it departs
from the one-example formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import SIGMA, sigma_and_prime
from .cost import cost, dC_da_L
from .errors import check_dtype, check_examples, check_network, overflow_is_an_error


def forward(weights, biases, activations, x, *, dtype=np.float64):
    """Run the network on x, (m, n_0).  Returns (z, a): z[l-1] = z(l), a[l] = a(l).

    a[0] is a copy of x; len(z) == L, len(a) == L + 1.  The arguments are
    checked and converted like :func:`backprop`'s.
    """
    dtype = check_dtype(dtype)
    ws, bs, names = check_network(weights, biases, activations, dtype)
    x, _ = check_examples(x, None, ws, dtype)
    with overflow_is_an_error("forward"):
        z, a, _ = _forward(ws, bs, names, x.copy(), want_prime=False)  # a[0]: a copy, never the caller's x
    return z, a


def _forward(weights, biases, activations, x, want_prime=True):
    """:func:`forward`, also returning sigma_prime[l-1] = sigma'(z(l)), computed alongside a(l)."""
    z, a, sigma_prime = [], [x], []
    for w, b, name in zip(weights, biases, activations):
        # z(l) = w(l) a(l-1) + b(l)  [02:01]; rows are examples, so a(l-1) @ w(l).T
        z_l = a[-1] @ w.T
        z_l += b  # in place: one temporary of size (m, n_l) fewer
        z.append(z_l)
        # a(l) = sigma(z(l))  [02:01], and sigma'(z(l)), kept for the backward pass  [04:27]
        a_l, sigma_prime_l = sigma_and_prime(name, z_l) if want_prime else (SIGMA[name][0](z_l), None)
        a.append(a_l)
        sigma_prime.append(sigma_prime_l)
    return z, a, sigma_prime


def _backward(weights, sigma_prime, a, y, down_to_input):
    """The backward pass proper.  Returns (dC_dz, dC_da, dC_dw, dC_db).

    dC_da[l] = dC/da(l) for l = L down to 1 (and 0 if `down_to_input`,
    else None there); the other three lists are indexed like `weights`.
    """
    L = len(weights)
    dC_dz, dC_dw, dC_db = [None] * L, [None] * L, [None] * L
    dC_da = [None] * (L + 1)
    # dC/da(L) = 2(a(L) - y), averaged over the m examples  [04:07]
    dC_da[L] = dC_da_L(a[L], y)
    for l in range(L, 0, -1):
        i = l - 1  # list index of layer l
        # dC/dz(l) = dC/da(l) * da(l)/dz(l), with da(l)/dz(l) = sigma'(z(l))  [04:27]
        dC_dz[i] = np.multiply(dC_da[l], sigma_prime[i], out=sigma_prime[i])  # in place: sigma' is used once
        # dC/dw(l)_jk = dC/dz(l)_j * dz(l)_j/dw(l)_jk = dC/dz(l)_j * a(l-1)_k  [03:45, 04:37, 08:15]
        # dC/dz.T @ a(l-1) also sums over the m examples: C is their average
        # and the 1/m is already inside dC/da(L).
        dC_dw[i] = dC_dz[i].T @ a[l - 1]
        # dC/db(l) = dC/dz(l) * 1, since dz(l)/db(l) = 1  [05:46, 05:58]; summed over examples
        dC_db[i] = dC_dz[i].sum(axis=0)
        if l > 1 or down_to_input:
            # dC/da(l-1)_k = sum_j w(l)_jk * dC/dz(l)_j: dz(l)_j/da(l-1)_k = w(l)_jk  [06:15],
            # summed over the paths j into layer l  [08:32]; for all rows: dC/dz @ w
            dC_da[l - 1] = dC_dz[i] @ weights[i]
    return dC_dz, dC_da, dC_dw, dC_db


def backprop(weights, biases, activations, x, y, *, dtype=np.float64):
    """The gradient of C = (1/m) sum_i sum_j (a(L)_ij - y_ij)^2: (dC_dw, dC_db).

    weights[i]: (n_{i+1}, n_i), w_jk from neuron k of layer i to neuron j of
    layer i + 1; biases[i]: (n_{i+1},); activations[i]: the sigma of layer
    i + 1, a key of ``SIGMA``; x: (m, n_0); y: (m, n_L).  Returns two new
    lists shaped like `weights` and `biases`.  Computes in float64 unless
    ``dtype=np.float32`` is asked for.  Nothing passed in is modified.

    >>> dC_dw, dC_db = backprop([[[2.0]]], [[0.5]], ["identity"], [[1.0]], [[3.0]])
    >>> dC_dw[0], dC_db[0]   # a = 2 * 1 + 0.5 = 2.5, dC/da = 2 * (2.5 - 3) = -1
    (array([[-1.]]), array([-1.]))
    """
    dtype = check_dtype(dtype)
    ws, bs, names = check_network(weights, biases, activations, dtype)
    x, y = check_examples(x, y, ws, dtype)
    with overflow_is_an_error("backprop"):
        _, a, sigma_prime = _forward(ws, bs, names, x)
        _, _, dC_dw, dC_db = _backward(ws, sigma_prime, a, y, down_to_input=False)
    return dC_dw, dC_db


@dataclass(frozen=True)
class Trace:
    """Everything the video names, for every layer (m examples as rows).

    Indexed by layer number l = 0..L:  ``a[l]`` = a(l), ``dC_da[l]`` = dC/da(l)
    (a[0] is the input x; dC_da[0] is the cost's sensitivity to the input).
    Indexed like ``weights`` (entry l - 1 for layer l = 1..L): ``z``,
    ``dC_dz``, ``dC_dw``, ``dC_db``.  ``C`` is the cost, a float.
    """

    z: list
    a: list
    dC_dz: list
    dC_da: list
    dC_dw: list
    dC_db: list
    C: float


def backprop_trace(weights, biases, activations, x, y, *, dtype=np.float64) -> Trace:
    """Like :func:`backprop`, but returns a :class:`Trace` of every z, a and derivative.

    >>> t = backprop_trace([[[2.0]]], [[0.5]], ["identity"], [[1.0]], [[3.0]])
    >>> t.a[1], t.C, t.dC_da[0]   # dC/da(0) = dC/dz(1) * w(1) = -1 * 2
    (array([[2.5]]), 0.25, array([[-2.]]))
    """
    dtype = check_dtype(dtype)
    ws, bs, names = check_network(weights, biases, activations, dtype)
    x, y = check_examples(x, y, ws, dtype)
    with overflow_is_an_error("backprop_trace"):
        z, a, sigma_prime = _forward(ws, bs, names, x.copy())  # a[0] is handed back: a copy, never the caller's x
        dC_dz, dC_da, dC_dw, dC_db = _backward(ws, sigma_prime, a, y, down_to_input=True)
        C = cost(a[-1], y)
    return Trace(z=z, a=a, dC_dz=dC_dz, dC_da=dC_da, dC_dw=dC_dw, dC_db=dC_db, C=C)
