"""Backpropagation for a whole network, vectorised over a batch of examples.

Shapes (l = 1..L is the video's layer number; lists are 0-based: ``weights[l - 1]`` is w(l)):

=========  ===================  ==========================================
video      code                 shape
=========  ===================  ==========================================
w(l)_jk    ``weights[l-1]``     (n_l, n_{l-1}): row j, column k  [07:33]
b(l)       ``biases[l-1]``      (n_l,)
a(0)       ``x``                (m, n_0): one example per row
z(l), a(l) ``z[l-1]``, ``a[l]`` (m, n_l)
y          ``y``                (m, n_L)
=========  ===================  ==========================================

The video writes one example as a column, z(L) = w(L) a(L-1) + b(L); here each example is a
*row*, so for all m rows at once z = a_prev @ w.T + b.  Every line below says where it departs
from the one-example formula.  The cost has no 1/2 (see :mod:`reference.cost_function`).
"""

from dataclasses import dataclass

import numpy as np

from . import checks
from .activations import SIGMA
from .cost_function import cost, dC_da_L


def _forward(weights, biases, activations, x):
    """z[l-1] = z(l) and a[l] = a(l) for l = 1..L; a[0] is x itself."""
    z, a = [], [x]
    for w, b, name in zip(weights, biases, activations):
        # z(l) = w(l) a(l-1) + b(l)  [02:01]; rows are examples, so a(l-1) w(l)^T
        z.append(a[-1] @ w.T + b)
        # a(l) = sigma(z(l))  [02:01]
        a.append(SIGMA[name].sigma(z[-1]))
    return z, a


def _backward(weights, activations, z, a, y, down_to_input):
    """The backward pass: (dC_dz, dC_da, dC_dw, dC_db), new arrays.  dC_da[l] = dC/da(l) for
    l = L..1 (and 0 if `down_to_input`, else None there); the rest are indexed like `weights`."""
    L = len(weights)
    dC_dz, dC_dw, dC_db, dC_da = [None] * L, [None] * L, [None] * L, [None] * (L + 1)
    # dC/da(L) = 2(a(L) - y)  [04:07], with the 1/m of the average over the m examples
    dC_da[L] = dC_da_L(a[L], y)
    for l in range(L, 0, -1):
        i = l - 1  # list index of layer l
        # dC/dz(l) = dC/da(l) * da(l)/dz(l), with da(l)/dz(l) = sigma'(z(l))  [04:27]
        dC_dz[i] = dC_da[l] * SIGMA[activations[i]].prime(z[i])
        # dC/dw(l)_jk = dC/dz(l)_j * a(l-1)_k  [03:45, 04:37, 08:15]; dC/dz^T @ a(l-1)
        # also sums over the m examples (the 1/m is already inside dC/da(L))
        dC_dw[i] = dC_dz[i].T @ a[l - 1]
        # dC/db(l) = dC/dz(l) * 1, since dz(l)/db(l) = 1  [05:46, 05:58]; summed over examples
        dC_db[i] = dC_dz[i].sum(axis=0)
        if l > 1 or down_to_input:
            # dC/da(l-1)_k = sum_j w(l)_jk dC/dz(l)_j  [06:15], summed over the paths j  [08:32]
            dC_da[l - 1] = dC_dz[i] @ weights[i]
    return dC_dz, dC_da, dC_dw, dC_db


def forward(weights, biases, activations, x, *, dtype=np.float64):
    """Run the network on x, (m, n_0).  Returns (z, a): z[l-1] = z(l), a[l] = a(l).

    a[0] is a copy of x; len(z) == L, len(a) == L + 1.  Checked and converted like :func:`backprop`'s.
    """
    ws, bs, names, x, _ = checks.network_and_input(weights, biases, activations, x, dtype)
    with checks.overflow_is_an_error("forward"):
        return _forward(ws, bs, names, x.copy())  # a[0] is handed back: a copy, never the caller's x


def backprop(weights, biases, activations, x, y, *, dtype=np.float64):
    """The gradient of C = (1/m) sum_i sum_j (a(L)_ij - y_ij)^2: (dC_dw, dC_db).

    Shapes as in the table above; activations[l-1] is the sigma of layer l, a key of ``SIGMA``.
    Returns two new lists shaped like `weights` and `biases`.  Computes in float64 unless
    ``dtype=np.float32`` is asked for.  Nothing passed in is modified.

    >>> dC_dw, dC_db = backprop([[[2.0]]], [[0.5]], ["identity"], [[1.0]], [[3.0]])
    >>> dC_dw[0], dC_db[0]   # a = 2 * 1 + 0.5 = 2.5, dC/da = 2 * (2.5 - 3) = -1
    (array([[-1.]]), array([-1.]))
    """
    ws, bs, names, x, y, _ = checks.network_and_examples(weights, biases, activations, x, y, dtype)
    with checks.overflow_is_an_error("backprop"):
        z, a = _forward(ws, bs, names, x)
        _, _, dC_dw, dC_db = _backward(ws, names, z, a, y, down_to_input=False)
    return dC_dw, dC_db


@dataclass(frozen=True)
class Trace:
    """Everything the video names, for every layer (m examples as rows); ``C`` is the cost.

    By layer number l = 0..L: ``a[l]`` = a(l), ``dC_da[l]`` = dC/da(l) (a[0] is the input x).
    Like ``weights`` (entry l - 1 for layer l = 1..L): ``z``, ``dC_dz``, ``dC_dw``, ``dC_db``.
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
    ws, bs, names, x, y, _ = checks.network_and_examples(weights, biases, activations, x, y, dtype)
    with checks.overflow_is_an_error("backprop_trace"):
        z, a = _forward(ws, bs, names, x.copy())  # a[0] is handed back: a copy, never the caller's x
        dC_dz, dC_da, dC_dw, dC_db = _backward(ws, names, z, a, y, down_to_input=True)
    return Trace(z=z, a=a, dC_dz=dC_dz, dC_da=dC_da, dC_dw=dC_dw, dC_db=dC_db, C=cost(a[-1], y))
