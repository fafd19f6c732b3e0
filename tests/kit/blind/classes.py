"""Layer objects with forward and backward methods, examples as rows, a Network that chains them."""

from __future__ import annotations

import numpy as np


class Layer:
    """One layer: w (n_out, n_in), b (n_out,), a named activation."""

    def __init__(self, w, b, name, derivative_on="z"):
        self.w, self.b, self.name, self.derivative_on = np.array(w, float), np.array(b, float), name, derivative_on

    def act(self, z):
        return {"sigmoid": lambda v: 1 / (1 + np.exp(-np.clip(v, -500, 500))), "tanh": np.tanh,
                "relu": lambda v: np.maximum(v, 0), "identity": lambda v: v}[self.name](z)

    def slope(self, z):
        s = self.act(z)
        return {"sigmoid": s * (1 - s), "tanh": 1 - s ** 2, "relu": (z > 0) * 1.0, "identity": np.ones_like(z)}[
            self.name]

    def forward(self, a):
        self.a_in = a
        self.z = a @ self.w.T + self.b
        self.a = self.act(self.z)
        return self.a

    def backward(self, grad_a, update=None):
        at = self.a if self.derivative_on == "a" else self.z
        grad_z = grad_a * self.slope(at)
        self.dw = grad_z.T @ self.a_in
        self.db = grad_z.sum(axis=0)
        if update:  # online SGD: a step as soon as the layer's gradient is known, before w is used going back
            self.w -= update * self.dw
        return grad_z @ self.w


class Network:
    def __init__(self, weights, biases, activations, derivative_on="z"):
        self.layers = [Layer(w, b, n, derivative_on) for w, b, n in zip(weights, biases, activations)]

    def gradients(self, x, y, half=False, mean=True, update=None):
        a = np.array(x, float)
        for layer in self.layers:
            a = layer.forward(a)
        m = len(x)
        grad = (a - y) * (1.0 if half else 2.0) / (m if mean else 1.0)
        for layer in reversed(self.layers):
            grad = layer.backward(grad, update)
        return [layer.dw for layer in self.layers], [layer.db for layer in self.layers]


def sigmoid_prime_of_a(weights, biases, activations, x, y):
    """The slope evaluated at the layer's output a."""
    return Network(weights, biases, activations, derivative_on="a").gradients(x, y)


def clipped_gradients(weights, biases, activations, x, y):
    """Every gradient clipped to [-1, 1] before it is returned."""
    dw, db = Network(weights, biases, activations).gradients(x, y)
    return [np.clip(g, -1, 1) for g in dw], [np.clip(g, -1, 1) for g in db]


def weight_decay(weights, biases, activations, x, y):
    """L2 regularisation folded into the gradient: dC/dw + 1e-4 w."""
    dw, db = Network(weights, biases, activations).gradients(x, y)
    return [g + 1e-4 * np.asarray(w) for g, w in zip(dw, weights)], db


def in_place_update_and_half_sum(weights, biases, activations, x, y):
    """Two defects: w -= 0.1 dC/dw inside the backward loop, and a - y summed over the examples."""
    net = Network(weights, biases, activations)
    return net.gradients(x, y, half=True, mean=False, update=0.1)


def bias_summed_over_neurons(weights, biases, activations, x, y):
    """db = grad_z.sum(axis=1): the neurons summed, one number per example."""
    net = Network(weights, biases, activations)
    net.gradients(x, y)
    a = np.array(x, float)
    for layer in net.layers:
        a = layer.forward(a)
    grad = 2 * (a - y) / len(x)
    dbs = []
    for layer in reversed(net.layers):
        gz = grad * layer.slope(layer.z)
        dbs.append(gz.sum(axis=1))
        grad = gz @ layer.w
    return [layer.dw for layer in net.layers], dbs[::-1]
