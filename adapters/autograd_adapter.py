"""The reference's networks as HIPS autograd parameters, and their gradients by ``autograd.grad``.

HIPS autograd (``pip install autograd``) differentiates plain numpy code: the parameters are
numpy arrays, laid out as in autograd's own examples (``examples/neural_net.py``), a list of
``(W, b)`` pairs with W of shape (n_{l-1}, n_l), **(in, out)**, so ``z = a @ W + b``:

========================  ============================================  ================
reference                 autograd (:func:`to_params`)                  shape
========================  ============================================  ================
``weights[l-1]`` = w(l)   ``params[l-1][0]`` = w(l) **transposed**      (n_{l-1}, n_l)
``biases[l-1]``  = b(l)   ``params[l-1][1]``                            (n_l,)
``activations[l-1]``      :data:`SIGMA` (not in the params)
``x``, ``y``              one example per row                           (m, n_0), (m, n_L)
========================  ============================================  ================

Cost: the video's, C = (1/m) sum_i sum_j (a(L)_ij - y_ij)^2.  Computed in the dtype asked for
(numpy keeps float32 float32); results are new numpy arrays.  Inputs are checked by
:mod:`reference.errors` and never modified; torch tensors (requiring grad or not) are taken detached.

Conventions (measured, docs/conventions.md "HIPS autograd"):

* relu is ``where(z > 0, z, 0)``: slope 0 at z = 0 like ``torch.relu`` and ``jax.nn.relu``.
  autograd's ``np.maximum(z, 0.0)`` would give 0.5 there (its tie rule splits the gradient).
* sigmoid is ``exp(-logaddexp(0, -z))``: no overflow for any z, accurate to a few ulps, and its
  derivative (through logaddexp's) keeps its true tiny value in saturation.  The form in autograd's
  examples, ``0.5 * (tanh(z / 2) + 1)``, is accurate to u only *absolutely*: at z = -9.2 in float32
  it is off by 3e-4 relative, and the suite caught that downstream (dC/dw(4) at 1.19x the float32
  tolerance, thorough profile, seed 1).
* autograd's derivative of tanh is ``g / cosh(z) ** 2``: cosh(z) ** 2 overflows (a RuntimeWarning)
  for |z| > 44 (float32) / 355 (float64), where the true slope is below 1e-38 and the result, 0,
  is right.  The functions here run under ``np.errstate(over="ignore", invalid="ignore")``, so
  they do not warn where torch and jax do not either: an overflow gives inf (and inf * 0 NaN), as
  in those frameworks, and the suite's comparison reports it.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd import grad, value_and_grad

from reference import Trace, checks
from reference.errors import ReferenceTypeError

from ._common import detached, own_dtype


def _sigmoid(z):
    return anp.exp(-anp.logaddexp(0.0, -z))  # 1 / (1 + e^-z): no overflow, and relatively accurate


def _relu(z):
    return anp.where(z > 0, z, 0.0)


SIGMA = {"sigmoid": _sigmoid, "relu": _relu, "tanh": anp.tanh, "identity": lambda z: z}


def to_params(weights, biases, *, dtype=None):
    """[(W, b), ...] with W = w(l).T (n_{l-1}, n_l): new arrays; dtype None keeps float32 float32."""
    weights, biases = detached(weights), detached(biases)
    dt = checks.compute_dtype(own_dtype(weights, biases) if dtype is None else dtype)
    ws, bs = checks.parameters(weights, biases, dt)
    return [(np.array(w.T, copy=True), np.array(b, copy=True)) for w, b in zip(ws, bs)]


def from_params(params):
    """(weights, biases) from :func:`to_params`' layout: new arrays, dtypes kept, shapes checked."""
    try:
        weights = [np.array(np.asarray(W).T, copy=True) for W, _ in params]
        biases = [np.array(b, copy=True) for _, b in params]
    except (TypeError, ValueError) as exc:
        raise ReferenceTypeError(f"expected a list of (W, b) pairs, got {type(params).__name__}: {exc!r}") from None
    checks.parameters(weights, biases, own_dtype(weights, biases))
    return weights, biases


def _forward(params, names, x, ez=None, ea=None):
    """(zs, as_): z(l) = a(l-1) @ W + b, a(l) = sigma(z(l)); ez, ea zero perturbations (for the trace)."""
    a = x if ea is None else x + ea[0]
    zs, as_ = [], [a]
    for i, ((W, b), name) in enumerate(zip(params, names)):
        z = anp.dot(as_[-1], W) + b
        z = z if ez is None else z + ez[i]
        a = SIGMA[name](z)
        zs.append(z)
        as_.append(a if ea is None else a + ea[i + 1])
    return zs, as_


def _cost(params, names, x, y, ez=None, ea=None):
    a = _forward(params, names, x, ez, ea)[1][-1]
    return anp.mean(anp.sum((a - y) ** 2, axis=1))  # sum over j, mean over examples


def _checked(weights, biases, activations, x, y, dtype):
    weights, biases, x, y = detached(weights), detached(biases), detached(x), detached(y)
    dt = checks.compute_dtype(dtype)
    ws, bs, names = checks.network(weights, biases, activations, dt)
    x, y = checks.examples(x, y, ws, dt)
    params = [(np.array(w.T, dtype=dt), np.array(b, dtype=dt)) for w, b in zip(ws, bs)]
    return params, names, np.array(x, dtype=dt), np.array(y, dtype=dt)


def backprop(weights, biases, activations, x, y, *, dtype=np.float64):
    """(dC_dw, dC_db) by ``autograd.grad``: lists shaped like weights (n_l, n_{l-1}) and biases (n_l,)."""
    params, names, x, y = _checked(weights, biases, activations, x, y, dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        g = grad(_cost)(params, names, x, y)
    return [np.array(gW.T) for gW, _ in g], [np.array(gb) for _, gb in g]


def backprop_trace(weights, biases, activations, x, y, *, dtype=np.float64) -> Trace:
    """A :class:`reference.Trace` by ``autograd.value_and_grad`` (dC/dz, dC/da through zero perturbations)."""
    params, names, x, y = _checked(weights, biases, activations, x, y, dtype)
    m, sizes = x.shape[0], [x.shape[1]] + [b.shape[0] for _, b in params]
    ez = [np.zeros((m, n), x.dtype) for n in sizes[1:]]
    ea = [np.zeros((m, n), x.dtype) for n in sizes]
    with np.errstate(over="ignore", invalid="ignore"):
        zs, as_ = _forward(params, names, x)
        # one backward pass gives dC/dw, dC/db and, through the zero perturbations, dC/dz and dC/da
        C, (gp, gz, ga) = value_and_grad(lambda t: _cost(t[0], names, x, y, t[1], t[2]))((params, ez, ea))
    return Trace(z=[np.array(z) for z in zs], a=[np.array(a) for a in as_], dC_dz=[np.array(g) for g in gz],
                 dC_da=[np.array(g) for g in ga], dC_dw=[np.array(gW.T) for gW, _ in gp],
                 dC_db=[np.array(gb) for _, gb in gp], C=float(C))


def sgd_step(weights, biases, activations, x, y, eta, *, dtype=np.float64):
    """One step downhill in `dtype`: (w - eta dC/dw, b - eta dC/db) as new numpy lists."""
    eta = checks.learning_rate(eta)
    params, names, x, y = _checked(weights, biases, activations, x, y, dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        g = grad(_cost)(params, names, x, y)
    lr = np.asarray(eta, x.dtype)
    new = [(W - lr * gW, b - lr * gb) for (W, b), (gW, gb) in zip(params, g)]
    return [np.array(W.T) for W, _ in new], [np.array(b) for _, b in new]
