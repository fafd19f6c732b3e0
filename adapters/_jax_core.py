"""The jitted inside of :mod:`adapters.jax_adapter`: traced once per shape signature, not per network.

Every jitted function takes the same arguments (L layers, sizes n_0..n_L, m examples;
with padding every n_l is the pad width and m the pad batch):

=========  ======================  ==================================================
name       shape                   meaning
=========  ======================  ==================================================
ws[i]      (n_{i+1}, n_i)          w(l), l = i + 1, zero outside the real block
bs[i]      (n_{i+1},)              b(l)
codes      (L,) int32              the sigma of each layer, ``CODES[name]``: *data*,
                                   so changing activations never recompiles; ``PAD``
                                   marks a padding layer (w = I, b = 0: a pass-through,
                                   never updated) that makes every depth the same
masks[l]   (n_l,) for l = 0..L     1 for a real neuron of layer l, 0 for padding
rmask      (m,)                    1 for a real example, 0 for a padded row
count      ()                      the number of real examples, C = sum_i r_i C0_i / count
x, y       (m, n_0), (m, n_L)      zero in padded rows and columns
=========  ======================  ==================================================

a(l) = sigma(z(l)) * masks[l]: a padded neuron outputs exactly 0, so it feeds nothing
forward and, with its zero weights, receives an exactly zero gradient.  Every matmul
asks for ``Precision.HIGHEST`` by default (the GPU default, TF32, is off by about 4e-4);
the keyword ``precision`` ("highest", "high" or "default", a static argument: one
compilation each) chooses another, e.g. "default" to test the fast TF32 path on a GPU.
"""

from __future__ import annotations

import collections
import functools

import jax
import jax.numpy as jnp
from jax import lax

CODES = {"sigmoid": 0, "relu": 1, "tanh": 2, "identity": 3}
PAD = 4  # a padding layer: identity, and sgd leaves it alone
_BRANCHES = (jax.nn.sigmoid, jax.nn.relu, jnp.tanh)  # any other code: identity
TRACES = collections.Counter()  # times each jitted function was traced, i.e. compiled
PRECISIONS = {"highest": lax.Precision.HIGHEST, "high": lax.Precision.HIGH, "default": lax.Precision.DEFAULT}
_jit = functools.partial(jax.jit, static_argnames=("precision",))


def _forward(ws, bs, codes, masks, x, ez=None, ea=None, precision="highest"):
    """(zs, as_): z(l) = a(l-1) @ w(l).T + b(l), a(l) = sigma(z(l)) * mask.

    ez, ea: zero perturbations added to every z and a, so that the gradient of C with
    respect to them is dC/dz and dC/da (the trace); None when not wanted.
    """
    a = x if ea is None else x + ea[0]
    zs, as_ = [], [a]
    for i, (w, b) in enumerate(zip(ws, bs)):
        z = jnp.matmul(as_[-1], w.T, precision=PRECISIONS[precision]) + b
        z = z if ez is None else z + ez[i]
        # all three sigmas are computed and one is selected: cheaper to compile than lax.switch,
        # and the unselected ones get an exactly zero cotangent
        a = jnp.select([codes[i] == c for c in range(3)], [f(z) for f in _BRANCHES], z) * masks[i + 1]
        zs.append(z)
        as_.append(a if ea is None else a + ea[i + 1])
    return zs, as_


def _cost(params, pert, codes, masks, rmask, count, x, y, precision="highest"):
    """C = (1/count) sum_i r_i sum_j (a(L)_ij - y_ij)^2, and (zs, as_) as aux."""
    zs, as_ = _forward(*params, codes, masks, x, *pert, precision=precision)
    C0 = jnp.sum((as_[-1] - y) ** 2, axis=1)  # one C0 per example
    return jnp.sum(C0 * rmask) / count, (zs, as_)


@_jit
def grads(ws, bs, codes, masks, rmask, count, x, y, precision="highest"):
    """(dC_dw, dC_db), padded like ws and bs."""
    TRACES["grads"] += 1
    return jax.grad(lambda p: _cost(p, (None, None), codes, masks, rmask, count, x, y, precision)[0])((ws, bs))


@_jit
def trace(ws, bs, codes, masks, rmask, count, x, y, precision="highest"):
    """(zs, as_, dC_dz, dC_da, dC_dw, dC_db, C), every list padded like the inputs."""
    TRACES["trace"] += 1
    ez = [jnp.zeros((x.shape[0], w.shape[0]), x.dtype) for w in ws]
    ea = [jnp.zeros_like(x)] + [jnp.zeros_like(e) for e in ez]
    (C, (zs, as_)), ((gw, gb), (gz, ga)) = jax.value_and_grad(_cost, argnums=(0, 1), has_aux=True)(
        (ws, bs), (ez, ea), codes, masks, rmask, count, x, y, precision
    )
    return zs, as_, gz, ga, gw, gb, C


def _step(ws, bs, codes, masks, rmask, count, x, y, eta, precision):
    """One step downhill: (ws - eta dC/dw, bs - eta dC/db), masked so padding stays exactly 0."""
    gw, gb = jax.grad(lambda p: _cost(p, (None, None), codes, masks, rmask, count, x, y, precision)[0])((ws, bs))
    live = [(codes[i] != PAD) * masks[i + 1] for i in range(len(ws))]  # (n_{i+1},): rows that may move
    new_ws = [w - eta * g * (live[i][:, None] * masks[i][None, :]) for i, (w, g) in enumerate(zip(ws, gw))]
    new_bs = [b - eta * g * live[i] for i, (b, g) in enumerate(zip(bs, gb))]
    return new_ws, new_bs


@_jit
def sgd(ws, bs, codes, masks, rmask, count, x, y, eta, precision="highest"):
    """One step downhill (:func:`_step`)."""
    TRACES["sgd"] += 1
    return _step(ws, bs, codes, masks, rmask, count, x, y, eta, precision)


@functools.partial(jax.jit, static_argnames=("steps", "precision"))
def sgd_scan(ws, bs, codes, masks, rmask, count, x, y, eta, steps, precision="highest"):
    """`steps` steps of :func:`_step` in one ``lax.scan``: (ws, bs) stacked over the steps, step 1 first."""
    TRACES["sgd_scan"] += 1

    def one(params, _):
        new = _step(*params, codes, masks, rmask, count, x, y, eta, precision)
        return new, new

    return lax.scan(one, (ws, bs), None, length=steps)[1]
