"""The reference's networks as flax modules: nnx ``Linear`` stacks and linen ``nn.Sequential``.

flax (``pip install flax``) is optional; importing this module needs it.  Two APIs:

=========================  ==============================================  ============================
reference                  flax nnx (:func:`to_nnx`), flax's recommended   linen (:func:`to_linen`)
                           API for new code
=========================  ==============================================  ============================
``weights[l-1]`` = w(l)    ``model.layers[2(l-1)].kernel[...]``,           ``variables["params"]
                           (n_{l-1}, n_l): w(l) **transposed**             ["layers_{2(l-1)}"]["kernel"]``
``biases[l-1]``  = b(l)    ``model.layers[2(l-1)].bias[...]``  (n_l,)      ``[...]["bias"]`` (n_l,)
``activations[l-1]``       ``model.layers[2(l-1)+1]``: ``nnx.sigmoid``,    the same functions, in
                           ``nnx.relu``, ``nnx.tanh`` (jax.nn's), or       ``nn.Sequential.layers``
                           :func:`identity`
=========================  ==============================================  ============================

``to_nnx`` builds ``nnx.Sequential(nnx.Linear, sigma, nnx.Linear, sigma, ...)``; ``from_nnx``
reads that, or any list of ``nnx.Linear`` (activations then "identity").  ``to_linen`` builds
``nn.Sequential([nn.Dense, sigma, ...])`` and its variables; ``from_linen`` reads a module and its
variables back (linen's Sequential numbers every layer, activations included, so its Dense
parameters are ``layers_0``, ``layers_2``, ...; :func:`adapters.jax_adapter.from_flax` reads them
too).  Every trip is bit for bit, dtype kept (float64 needs JAX's x64 mode, see
:mod:`adapters.jax_adapter`); torch tensors, requiring grad or not, are taken detached.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import linen as nn
from flax import nnx

from reference import checks
from reference.errors import ReferenceTypeError, ReferenceValueError

from . import jax_adapter as ja
from ._common import detached, own_dtype


def identity(z):
    """The identity activation, as a named function (flax has none to put in a Sequential)."""
    return z


SIGMA = {"sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu, "tanh": jnp.tanh, "identity": identity}
_NAME_OF = {f: name for name, f in SIGMA.items()}


_NO_RNGS = nnx.Rngs(0)  # nnx.Linear asks for one; the initialisers above never use it


def _checked(weights, biases, activations, dtype):
    weights, biases = detached(weights), detached(biases)
    dt = ja._dtype(own_dtype(weights, biases) if dtype is None else dtype)
    return checks.network(weights, biases, activations, dt) + (dt,)


def to_nnx(weights, biases, activations, *, dtype=None) -> nnx.Sequential:
    """``nnx.Sequential(nnx.Linear, sigma, ...)`` holding copies of the parameters (kernel = w.T).

    dtype None keeps float32 float32 (else float64, which needs x64); each Linear is initialised
    with the given values (``kernel_init``/``bias_init``), so nothing random is drawn.
    """
    ws, bs, names, dt = _checked(weights, biases, activations, dtype)
    layers = []
    for w, b, name in zip(ws, bs, names):
        kernel, bias = jnp.asarray(np.array(w.T, dtype=dt)), jnp.asarray(np.array(b, dtype=dt))
        # the parameters are the initial values: no random draw, no second write
        lin = nnx.Linear(w.shape[1], w.shape[0], dtype=dt, param_dtype=dt, rngs=_NO_RNGS,
                         kernel_init=lambda key, shape, dtype, v=kernel: v,
                         bias_init=lambda key, shape, dtype, v=bias: v)
        assert lin.kernel[...].shape == kernel.shape and lin.bias[...].shape == bias.shape
        layers += [lin, SIGMA[name]]
    return nnx.Sequential(*layers)


def _linear_params(lin):
    w = np.array(jax.device_get(lin.kernel[...]), copy=True).T.copy()
    b = (np.array(jax.device_get(lin.bias[...]), copy=True) if lin.bias is not None
         else np.zeros(w.shape[0], w.dtype))
    return w, b


def _walk(layers, kind, what):
    """([(index, layer)] of the `kind` layers, activation names) of a Linear, sigma, Linear, ... sequence."""
    found, names = [], []
    for i, layer in enumerate(layers):
        if isinstance(layer, kind):
            found.append((i, layer))
            names.append(None)
        elif callable(layer) and layer in _NAME_OF:
            if not names or names[-1] is not None:
                raise ReferenceValueError(f"{what}[{i}] is {getattr(layer, '__name__', layer)} but does not follow "
                                          f"a {kind.__name__}: expected {kind.__name__}, sigma, {kind.__name__}, ...")
            names[-1] = _NAME_OF[layer]
        else:
            raise ReferenceTypeError(
                f"{what}[{i}] is {type(layer).__name__} {getattr(layer, '__name__', '')}: supported are "
                f"{kind.__name__} and the activations " + ", ".join(f"{k} ({getattr(f, '__name__', f)})"
                                                                    for k, f in SIGMA.items()))
    return found, [n or "identity" for n in names]


def from_nnx(model):
    """(weights, biases, activations) from an ``nnx.Sequential`` of Linear and sigma, or a list of ``nnx.Linear``."""
    if isinstance(model, nnx.Sequential):
        layers, what = list(model.layers), "model.layers"
    elif isinstance(model, (list, tuple, nnx.List)):
        layers, what = list(model), "model"
    else:
        raise ReferenceTypeError(f"expected an nnx.Sequential or a list of nnx.Linear, got {type(model).__name__}")
    found, names = _walk(layers, nnx.Linear, what)
    pairs = [_linear_params(lin) for _, lin in found]
    weights, biases = [w for w, _ in pairs], [b for _, b in pairs]
    checks.network(weights, biases, names, own_dtype(weights, biases))
    return weights, biases, names


def to_linen(weights, biases, activations, *, dtype=None):
    """(``nn.Sequential([nn.Dense, sigma, ...])``, its variables): ``module.apply(variables, x)`` runs it."""
    ws, bs, names, dt = _checked(weights, biases, activations, dtype)
    layers = []
    for w, name in zip(ws, names):
        layers += [nn.Dense(w.shape[0], dtype=dt, param_dtype=dt), SIGMA[name]]
    params = {f"layers_{2 * i}": {"kernel": jnp.asarray(np.array(w.T, dtype=dt)), "bias": jnp.asarray(b)}
              for i, (w, b) in enumerate(zip(ws, bs))}
    return nn.Sequential(layers), {"params": params}


def from_linen(module, variables):
    """(weights, biases, activations) from a linen ``nn.Sequential`` of Dense and sigma, and its variables."""
    if not isinstance(module, nn.Sequential):
        raise ReferenceTypeError(f"expected a flax.linen.Sequential, got {type(module).__name__}")
    params = variables["params"] if "params" in variables else variables
    weights, biases = [], []
    found, names = _walk(module.layers, nn.Dense, "module.layers")
    for i, _ in found:
        key = f"layers_{i}"
        if key not in params or "kernel" not in params[key]:
            raise ReferenceValueError(f"module.layers[{i}] is a Dense but the variables have no {key!r} kernel: "
                                      f"found {list(params)}")
        w = np.array(jax.device_get(params[key]["kernel"]), copy=True).T.copy()
        weights.append(w)
        biases.append(np.array(jax.device_get(params[key]["bias"]), copy=True) if "bias" in params[key]
                      else np.zeros(w.shape[0], w.dtype))
    checks.network(weights, biases, names, own_dtype(weights, biases))
    return weights, biases, names
