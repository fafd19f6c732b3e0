"""The sigmas: each activation function beside its derivative.

``SIGMA[name]`` is a ``Sigma(sigma, prime)`` pair (it unpacks as one); both map an array z(l) to
an array of the same shape.  The video uses the sigmoid and names ReLU [02:01];
da(L)/dz(L) = sigma'(z(L)) is "the derivative of the chosen nonlinear function" [04:27].

Edge conventions, chosen to match torch and ``jax.nn`` (docs/conventions.md):

* relu'(0) = 0, as ``torch.relu`` and ``jax.nn.relu`` define it.
* sigmoid and tanh are written so that no finite float64 input overflows
  or warns, and their derivatives keep their true tiny value where the
  function saturates (sigma'(40) = 4.2e-18, not the 0 that s * (1 - s)
  gives once s rounds to 1).  e^-|z| may underflow to 0, which is its value:
  underflow is ignored whatever ``np.seterr`` says.

>>> import numpy as np
>>> sigma, sigma_prime = SIGMA["sigmoid"]
>>> sigma(np.array([-1000.0, 0.0, 1000.0]))
array([0. , 0.5, 1. ])
>>> float(SIGMA["sigmoid"].prime(np.array(40.0)))
4.248354255291589e-18
>>> SIGMA["relu"].prime(np.array([-1.0, 0.0, 2.0]))
array([0., 0., 1.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


@np.errstate(under="ignore")
def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z) = e^min(z, 0) / (1 + e^-|z|), which never overflows.

    e = e^-|z| is in (0, 1]: it underflows quietly and never overflows.  The numerator
    e^min(z, 0) is e where z < 0 and 1 where z >= 0, that is max(e, z >= 0) since e <= 1
    (the same bits as np.where(z >= 0, 1, e), several times faster on mixed signs).
    """
    e = np.exp(-np.abs(z))
    return np.maximum(e, z >= 0) / (1.0 + e)


@np.errstate(under="ignore")
def sigmoid_prime(z):
    """sigma'(z) = sigma(z) * sigma(-z) = e^-|z| / (1 + e^-|z|)^2, exact in saturation."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def tanh(z):
    """tanh(z); numpy's tanh is already safe for every finite input."""
    return np.tanh(z)


@np.errstate(under="ignore")
def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2 = 4 e^-2|z| / (1 + e^-2|z|)^2, exact where tanh saturates."""
    e = np.exp(-np.abs(z)) ** 2  # e^-2|z|, squared after exp so -2|z| cannot overflow
    return 4.0 * e / (1.0 + e) ** 2


def relu(z):
    """relu(z) = max(z, 0)."""
    return np.maximum(z, 0.0)


def relu_prime(z):
    """relu'(z) = 1 where z > 0, else 0: relu'(0) = 0 like torch and jax.nn.relu."""
    return (z > 0).astype(np.result_type(z, np.float32))


def identity(z):
    """identity(z) = z (a linear layer)."""
    return z + 0.0  # a new array, never the caller's


def identity_prime(z):
    """identity'(z) = 1."""
    return np.ones_like(z)


class Sigma(NamedTuple):
    """An activation and its derivative: ``sigma, prime = SIGMA[name]`` or ``SIGMA[name].prime``."""

    sigma: Callable
    prime: Callable


SIGMA = {
    "sigmoid": Sigma(sigmoid, sigmoid_prime),
    "relu": Sigma(relu, relu_prime),
    "tanh": Sigma(tanh, tanh_prime),
    "identity": Sigma(identity, identity_prime),
}
