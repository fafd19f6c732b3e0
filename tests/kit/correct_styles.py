"""Correct backprops written in other styles than the reference: the kit must pass them.

* :func:`per_example_columns` - Nielsen's ``network.py`` shape: one example at a
  time as a column vector, gradients accumulated (``+=``) and averaged at the
  end; but with the video's cost (dC0/da(L) = 2(a(L) - y), no 1/2).
* :func:`vectorised_columns` - all examples at once as *columns* (n_l, m), with
  ``np.einsum`` for the sums: the opposite layout to the reference's rows.
* :func:`vectorised_rows` - CS231n's shape: examples as rows, (in, out) kernels, a cache.
* :func:`python_floats` - plain Python floats, one neuron and one example at a time.
* :func:`float32_rows` - computed and returned in float32 (judged under the float32 row).

and the formula variants a correct backprop may use (each a whole backprop, one style each):
sigmoid as 0.5 (1 + tanh(z/2)), as a guarded 1/(1 + e^-z), as a piecewise expit, from logaddexp;
sigma' from the cached a; tanh as 2 s(2z) - 1 and tanh' as 4 s(2z)(1 - s(2z)); relu' by np.heaviside;
einsum with rows, per-example outer products averaged with np.mean, Jacobians built explicitly, layer
objects with forward / backward, a recursion over the layers, extended precision (np.longdouble),
and torch, jax and HIPS autograd inside (when installed).  :data:`STYLES` lists them all;
:data:`FLOAT32_STYLES` those that answer in float32 (judged under the float32 row).

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


# ---------------------------------------------------------------- formula variants, one backprop each

def _sig_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _sig_guarded(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def _sig_piecewise(z):
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sig_logaddexp(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _tanh_via_sigmoid(z):
    return 2.0 * _sig_piecewise(2.0 * z) - 1.0


def _rows_backprop(sig, sig_prime_of_z_and_a, weights, biases, activations, x, y, relu_prime=None):
    """Examples as rows; sigma'(z) may use the cached a (``sig_prime_of_z_and_a(name, z, a)``)."""
    a, zs = [np.asarray(x, dtype=float)], []
    for w, b, name in zip(weights, biases, activations):
        zs.append(a[-1] @ np.asarray(w, dtype=float).T + np.asarray(b, dtype=float))
        a.append(sig(name, zs[-1]))
    g = 2.0 * (a[-1] - np.asarray(y, dtype=float)) / a[0].shape[0]
    dws, dbs = [], []
    for l in range(len(weights) - 1, -1, -1):
        if activations[l] == "relu" and relu_prime is not None:
            dz = g * relu_prime(zs[l])
        else:
            dz = g * sig_prime_of_z_and_a(activations[l], zs[l], a[l + 1])
        dws.append(dz.T @ a[l])
        dbs.append(dz.sum(axis=0))
        g = dz @ np.asarray(weights[l], dtype=float)
    return dws[::-1], dbs[::-1]


def _variant(sigmoid, sigmoid_prime=None, tanh=np.tanh, tanh_prime=None):
    def sig(name, z):
        return {"sigmoid": sigmoid, "tanh": tanh, "relu": SIGMA["relu"][0], "identity": SIGMA["identity"][0]}[name](z)

    def prime(name, z, a):
        if name == "sigmoid":
            return sigmoid_prime(z, a) if sigmoid_prime else a * (1.0 - a)
        if name == "tanh":
            return tanh_prime(z, a) if tanh_prime else 1.0 - a * a
        return SIGMA[name][1](z)
    return sig, prime


def sigmoid_from_tanh(weights, biases, activations, x, y):
    """sigma(z) = 0.5 (1 + tanh(z/2)); sigma' = s(1 - s) from the cached a; tanh' = 1 - tanh^2."""
    return _rows_backprop(*_variant(_sig_tanh), weights, biases, activations, x, y)


def sigmoid_guarded_exp(weights, biases, activations, x, y):
    """sigma(z) = 1 / (1 + e^-z) with z clipped to +-500 so e^-z never overflows."""
    return _rows_backprop(*_variant(_sig_guarded, lambda z, a: _sig_guarded(z) * _sig_guarded(-z)),
                          weights, biases, activations, x, y)


def sigmoid_piecewise_expit(weights, biases, activations, x, y):
    """scipy's expit written out: 1/(1 + e^-z) for z >= 0, e^z/(1 + e^z) below; sigma' = e^-|z| / (1 + e^-|z|)^2."""
    def prime(z, a):
        e = np.exp(-np.abs(z))
        return e / (1.0 + e) ** 2
    return _rows_backprop(*_variant(_sig_piecewise, prime), weights, biases, activations, x, y)


def sigmoid_from_logaddexp(weights, biases, activations, x, y):
    """sigma(z) = exp(-log(1 + e^-z)) by np.logaddexp; sigma' = exp(-logaddexp(0, -z) - logaddexp(0, z))."""
    return _rows_backprop(*_variant(_sig_logaddexp, lambda z, a: np.exp(-np.logaddexp(0.0, -z) - np.logaddexp(0.0, z))),
                          weights, biases, activations, x, y)


def tanh_from_sigmoid(weights, biases, activations, x, y):
    """tanh(z) = 2 sigma(2z) - 1 and tanh'(z) = 4 sigma(2z)(1 - sigma(2z))."""
    return _rows_backprop(*_variant(_sig_piecewise, tanh=_tanh_via_sigmoid,
                                    tanh_prime=lambda z, a: 4.0 * _sig_piecewise(2 * z) * _sig_piecewise(-2 * z)),
                          weights, biases, activations, x, y)


def relu_by_heaviside(weights, biases, activations, x, y):
    """relu'(z) = np.heaviside(z, 0.0) (0 at the kink, as the video's convention here)."""
    return _rows_backprop(*_variant(_sig_piecewise), weights, biases, activations, x, y,
                          relu_prime=lambda z: np.heaviside(z, 0.0))


def einsum_rows(weights, biases, activations, x, y):
    """Rows, every product an einsum: z = einsum('mk,jk->mj'), dC/dw = einsum('mj,mk->jk')."""
    a, zs = [np.asarray(x, dtype=float)], []
    for w, b, name in zip(weights, biases, activations):
        zs.append(np.einsum("mk,jk->mj", a[-1], w) + b)
        a.append(SIGMA[name][0](zs[-1]))
    g = np.einsum("mj->mj", 2.0 * (a[-1] - y)) / len(x)
    dws, dbs = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dz = g * SIGMA[activations[l]][1](zs[l])
        dws[l], dbs[l] = np.einsum("mj,mk->jk", dz, a[l]), np.einsum("mj->j", dz)
        g = np.einsum("mj,jk->mk", dz, weights[l])
    return dws, dbs


def mean_of_outer_products(weights, biases, activations, x, y):
    """Per-example gradients as a batch of outer products, then np.mean over the examples (C is their mean)."""
    a, zs = [np.asarray(x, dtype=float)], []
    for w, b, name in zip(weights, biases, activations):
        zs.append(np.matmul(a[-1], w.T) + b)
        a.append(SIGMA[name][0](zs[-1]))
    g = 2.0 * (a[-1] - y)  # dC0/da(L) per example
    dws, dbs = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dz = g * SIGMA[activations[l]][1](zs[l])
        dws[l] = np.mean(dz[:, :, None] * a[l][:, None, :], axis=0)
        dbs[l] = np.mean(dz, axis=0)
        g = dz @ weights[l]
    return dws, dbs


def explicit_jacobians(weights, biases, activations, x, y):
    """One example at a time, the chain rule as Jacobian products: dC0/da(l-1) = dC0/da(l) diag(sigma') w(l)."""
    dws = [np.zeros(np.shape(w)) for w in weights]
    dbs = [np.zeros(np.shape(b)) for b in biases]
    m = len(x)
    for x_i, y_i in zip(x, y):
        a, zs = [np.asarray(x_i, dtype=float)], []
        for w, b, name in zip(weights, biases, activations):
            zs.append(w @ a[-1] + b)
            a.append(SIGMA[name][0](zs[-1]))
        row = 2.0 * (a[-1] - y_i)[None, :]  # (1, n_L): the Jacobian of C0 with respect to a(L)
        for l in reversed(range(len(weights))):
            J_z = row @ np.diag(SIGMA[activations[l]][1](zs[l]))  # (1, n_l)
            dws[l] += np.outer(J_z[0], a[l]) / m
            dbs[l] += J_z[0] / m
            row = J_z @ weights[l]  # (1, n_(l-1))
    return dws, dbs


class _Layer:
    """A dense layer with its own forward and backward, as many course frameworks write it."""

    def __init__(self, w, b, name):
        self.w, self.b, self.name = np.asarray(w, dtype=float), np.asarray(b, dtype=float), name

    def forward(self, a_prev):
        self.a_prev, self.z = a_prev, a_prev @ self.w.T + self.b
        return SIGMA[self.name][0](self.z)

    def backward(self, dC_da):
        dz = dC_da * SIGMA[self.name][1](self.z)
        self.dw, self.db = dz.T @ self.a_prev, dz.sum(axis=0)
        return dz @ self.w


def layer_objects(weights, biases, activations, x, y):
    """Layer objects with forward() and backward(), created anew on every call (no state across calls)."""
    layers = [_Layer(w, b, n) for w, b, n in zip(weights, biases, activations)]
    a = np.asarray(x, dtype=float)
    for layer in layers:
        a = layer.forward(a)
    g = 2.0 * (a - y) / len(x)
    for layer in reversed(layers):
        g = layer.backward(g)
    return [layer.dw for layer in layers], [layer.db for layer in layers]


def recursive_layers(weights, biases, activations, x, y):
    """A recursion: each call does one layer forward, recurses, and returns dC/da(l-1) on the way back."""
    dws, dbs = [None] * len(weights), [None] * len(weights)

    def down(l, a_prev):
        z = a_prev @ weights[l].T + biases[l]
        a = SIGMA[activations[l]][0](z)
        g = 2.0 * (a - y) / len(x) if l == len(weights) - 1 else down(l + 1, a)
        dz = g * SIGMA[activations[l]][1](z)
        dws[l], dbs[l] = dz.T @ a_prev, dz.sum(axis=0)
        return dz @ weights[l]

    down(0, np.asarray(x, dtype=float))
    return dws, dbs


def extended_precision(weights, biases, activations, x, y):
    """Computed in np.longdouble (80-bit on x86), returned as float64."""
    ld = np.longdouble
    ws = [np.asarray(w, dtype=ld) for w in weights]
    a, zs = [np.asarray(x, dtype=ld)], []
    for w, b, name in zip(ws, biases, activations):
        zs.append(a[-1] @ w.T + np.asarray(b, dtype=ld))
        a.append(_ld_sigma(name, zs[-1]))
    g = ld(2) * (a[-1] - np.asarray(y, dtype=ld)) / ld(len(x))
    dws, dbs = [None] * len(ws), [None] * len(ws)
    for l in reversed(range(len(ws))):
        dz = g * _ld_sigma_prime(activations[l], zs[l])
        dws[l], dbs[l] = (dz.T @ a[l]).astype(np.float64), dz.sum(axis=0).astype(np.float64)
        g = dz @ ws[l]
    return dws, dbs


def _ld_sigma(name, z):
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "identity": lambda v: v}[name](z)


def _ld_sigma_prime(name, z):
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return e / (1 + e) ** 2
    if name == "tanh":
        e = np.exp(-2 * np.abs(z))
        return 4 * e / (1 + e) ** 2
    return np.where(z > 0, 1, 0).astype(z.dtype) if name == "relu" else np.ones_like(z)


# ---------------------------------------------------------------- an autodiff framework inside

def _cost_of(np_like, weights, biases, activations, x, y, act):
    a = x
    for w, b, name in zip(weights, biases, activations):
        a = act[name](a @ w.T + b)
    return np_like.sum((a - y) ** 2) / x.shape[0]


def torch_inside(weights, biases, activations, x, y):
    """torch autograd in float64 inside the function; numpy arrays in and out."""
    import torch

    ws = [torch.tensor(np.asarray(w), dtype=torch.float64, requires_grad=True) for w in weights]
    bs = [torch.tensor(np.asarray(b), dtype=torch.float64, requires_grad=True) for b in biases]
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda v: v}
    cost = _cost_of(torch, ws, bs, activations, torch.tensor(np.asarray(x)), torch.tensor(np.asarray(y)), act)
    cost.backward()
    return [w.grad.numpy().copy() for w in ws], [b.grad.numpy().copy() for b in bs]


def jax_inside(weights, biases, activations, x, y):
    """jax.grad in float64 (x64 on for the call only); numpy arrays in and out."""
    import jax
    import jax.numpy as jnp
    from jax import experimental

    enable_x64 = jax.enable_x64 if hasattr(jax, "enable_x64") else experimental.enable_x64  # jax < 0.8

    act = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu, "identity": lambda v: v}
    with enable_x64(True):
        grads = jax.grad(lambda p: _cost_of(jnp, p[0], p[1], activations, jnp.asarray(x), jnp.asarray(y), act))(
            ([jnp.asarray(w) for w in weights], [jnp.asarray(b) for b in biases]))
        return [np.array(g) for g in grads[0]], [np.array(g) for g in grads[1]]


def autograd_inside(weights, biases, activations, x, y):
    """HIPS autograd's grad; numpy arrays in and out."""
    import autograd
    import autograd.numpy as anp

    def sigmoid(z):
        return 0.5 * (anp.tanh(0.5 * z) + 1.0)
    # relu by where, not anp.maximum: autograd splits the slope of maximum at a tie (relu'(0) = 1/2)
    act = {"sigmoid": sigmoid, "tanh": anp.tanh, "relu": lambda v: anp.where(v > 0, v, 0.0), "identity": lambda v: v}
    grads = autograd.grad(lambda p: _cost_of(anp, p[0], p[1], activations, x, y, act))(
        ([np.asarray(w, dtype=float) for w in weights], [np.asarray(b, dtype=float) for b in biases]))
    return list(grads[0]), list(grads[1])


FRAMEWORK_STYLES = {"torch_inside": ("torch", torch_inside), "jax_inside": ("jax", jax_inside),
                    "autograd_inside": ("autograd", autograd_inside)}
"""Styles that need a framework: module name and function (skipped where the module is not installed)."""

STYLES = {"per_example_columns": per_example_columns, "vectorised_columns": vectorised_columns,
          "vectorised_rows": vectorised_rows, "python_floats": python_floats, "float32_rows": float32_rows,
          "sigmoid_from_tanh": sigmoid_from_tanh, "sigmoid_guarded_exp": sigmoid_guarded_exp,
          "sigmoid_piecewise_expit": sigmoid_piecewise_expit, "sigmoid_from_logaddexp": sigmoid_from_logaddexp,
          "tanh_from_sigmoid": tanh_from_sigmoid, "relu_by_heaviside": relu_by_heaviside,
          "einsum_rows": einsum_rows, "mean_of_outer_products": mean_of_outer_products,
          "explicit_jacobians": explicit_jacobians, "layer_objects": layer_objects,
          "recursive_layers": recursive_layers, "extended_precision": extended_precision}
"""Every numpy style (the framework styles are in :data:`FRAMEWORK_STYLES`)."""

FLOAT32_STYLES = ("float32_rows",)
"""Styles that answer in float32: judged under the float32 row (every other style under --dtype=float64)."""
