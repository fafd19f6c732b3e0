"""Nielsen-style backprop: one example at a time, column vectors, nabla lists summed over the batch."""

from __future__ import annotations

import numpy as np


def _sigma(name, z):
    if name == "sigmoid":
        return 0.5 * (1 + np.tanh(z / 2))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    return z


def _prime(name, z, relu_prime=None, tanh_prime=None):
    if name == "sigmoid":
        s = _sigma(name, z)
        return s * (1 - s)
    if name == "tanh":
        return tanh_prime(z) if tanh_prime else 1 - np.tanh(z) ** 2
    if name == "relu":
        return relu_prime(z) if relu_prime else (z > 0) * 1.0
    return np.ones_like(z)


def _backprop(weights, biases, activations, x, y, cost_derivative, scale, relu_prime=None, tanh_prime=None,
              acts=None):
    acts = list(activations) if acts is None else acts
    nabla_w = [np.zeros(np.shape(w)) for w in weights]
    nabla_b = [np.zeros((np.shape(b)[0], 1)) for b in biases]
    for xi, yi in zip(x, y):
        a = np.reshape(xi, (-1, 1))
        a_s, z_s = [a], []
        for w, b, name in zip(weights, biases, acts):
            z = w @ a + np.reshape(b, (-1, 1))
            a = _sigma(name, z)
            z_s.append(z)
            a_s.append(a)
        delta = cost_derivative(a_s[-1], np.reshape(yi, (-1, 1))) * _prime(acts[-1], z_s[-1], relu_prime, tanh_prime)
        nabla_b[-1] += delta
        nabla_w[-1] += delta @ a_s[-2].T
        for l in range(2, len(weights) + 1):
            delta = (weights[-l + 1].T @ delta) * _prime(acts[-l], z_s[-l], relu_prime, tanh_prime)
            nabla_b[-l] += delta
            nabla_w[-l] += delta @ a_s[-l - 1].T
    m = len(x)
    return [scale(m) * g for g in nabla_w], [scale(m) * g.ravel() for g in nabla_b]


def half_sum(weights, biases, activations, x, y):
    """network.py's cost_derivative = a - y, summed over the mini-batch (no 1/m, no 2)."""
    return _backprop(weights, biases, activations, x, y, lambda a, t: a - t, lambda m: 1.0)


def leaky_relu_as_relu(weights, biases, activations, x, y):
    """relu' written as a leaky relu's slope: 0.01 for z <= 0."""
    return _backprop(weights, biases, activations, x, y, lambda a, t: 2 * (a - t), lambda m: 1.0 / m,
                     relu_prime=lambda z: np.where(z > 0, 1.0, 0.01))


def tanh_prime_no_square(weights, biases, activations, x, y):
    """tanh'(z) = 1 - tanh(z)."""
    return _backprop(weights, biases, activations, x, y, lambda a, t: 2 * (a - t), lambda m: 1.0 / m,
                     tanh_prime=lambda z: 1 - np.tanh(z))


def activations_reversed(weights, biases, activations, x, y):
    """The activations list read from the end (layer 1 gets the last layer's sigma)."""
    return _backprop(weights, biases, activations, x, y, lambda a, t: 2 * (a - t), lambda m: 1.0 / m,
                     acts=list(activations)[::-1])


def half_cost_and_relu_ge(weights, biases, activations, x, y):
    """Two defects: the 1/2 cost (mean over examples) and relu'(z) = (z >= 0)."""
    return _backprop(weights, biases, activations, x, y, lambda a, t: a - t, lambda m: 1.0 / m,
                     relu_prime=lambda z: (z >= 0) * 1.0)
