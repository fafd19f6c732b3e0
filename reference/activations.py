"""The sigmas: each activation function beside its derivative.

``SIGMA[name] = (sigma, sigma_prime)``; both map an array z(l) to an array
of the same shape.  The video uses the sigmoid and names ReLU [02:01];
da(L)/dz(L) = sigma'(z(L)) is "the derivative of the chosen nonlinear
function" [04:27].

Edge conventions, chosen to match torch and ``jax.nn`` (../shared/FACTS.md):

* relu'(0) = 0, as ``torch.relu`` and ``jax.nn.relu`` define it.
* sigmoid and tanh are written so that no finite float64 input overflows
  or warns, and their derivatives keep their true tiny value where the
  function saturates (sigma'(40) = 4.2e-18, not the 0 that s * (1 - s)
  gives once s rounds to 1).

>>> import numpy as np
>>> sigma, sigma_prime = SIGMA["sigmoid"]
>>> sigma(np.array([-1000.0, 0.0, 1000.0]))
array([0. , 0.5, 1. ])
>>> float(sigma_prime(np.array(40.0)))
4.248354255291589e-18
>>> SIGMA["relu"][1](np.array([-1.0, 0.0, 2.0]))
array([0., 0., 1.])
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z) = e^min(z, 0) / (1 + e^-|z|), which never overflows.

    e = e^-|z| is in (0, 1]: it underflows quietly and never overflows.  The numerator
    e^min(z, 0) is e where z < 0 and 1 where z >= 0, that is max(e, z >= 0) since e <= 1
    (the same bits as np.where(z >= 0, 1, e), several times faster on mixed signs).
    """
    e = np.exp(-np.abs(z))
    return np.maximum(e, z >= 0) / (1.0 + e)


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) * sigma(-z) = e^-|z| / (1 + e^-|z|)^2, exact in saturation."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def sigmoid_and_prime(z):
    """(sigma(z), sigma'(z)) sharing one e^-|z|: the same bits as the two functions above.

    The backward pass's hot path, so it works in place: fewer temporaries of z's size.
    """
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e = e^-|z|
    d = e + 1.0  # 1 + e
    s = np.maximum(e, z >= 0)
    np.divide(s, d, out=s)  # sigma = e^min(z, 0) / (1 + e)
    np.multiply(d, d, out=d)  # (1 + e)^2: numpy's ** 2 is this same single product
    np.divide(e, d, out=d)  # sigma' = e / (1 + e)^2
    return s, d


def tanh(z):
    """tanh(z); numpy's tanh is already safe for every finite input."""
    return np.tanh(z)


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


SIGMA = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "relu": (relu, relu_prime),
    "tanh": (tanh, tanh_prime),
    "identity": (identity, identity_prime),
}


def sigma_and_prime(name: str, z):
    """(sigma(z), sigma'(z)) for the activation `name`; the sigmoid shares its e^-|z| (same bits)."""
    if name == "sigmoid":
        return sigmoid_and_prime(z)
    sigma, prime = SIGMA[name]
    return sigma(z), prime(z)
