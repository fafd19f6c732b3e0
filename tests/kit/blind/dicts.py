"""Layers as dicts ({"W", "b", "act"}), a forward cache dict keyed by layer index, examples as rows."""

from __future__ import annotations

import numpy as np

ACT = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(0, z),
       "identity": lambda z: z}
DACT = {"sigmoid": lambda z: ACT["sigmoid"](z) * (1 - ACT["sigmoid"](z)), "tanh": lambda z: 1 / np.cosh(z) ** 2,
        "relu": lambda z: np.where(z > 0, 1.0, 0.0), "identity": lambda z: np.ones_like(z)}


def _layers(weights, biases, activations):
    return [{"W": np.asarray(w, float), "b": np.asarray(b, float), "act": n}
            for w, b, n in zip(weights, biases, activations)]


def _run(weights, biases, activations, x, y, eps=0.0, clip_x=False, prev_of=lambda cache, l: cache[f"A{l - 1}"],
         loss_grad=None, slope_at="Z", clip=None):
    layers = _layers(weights, biases, activations)
    cache = {"A0": np.clip(x, -1, 1) if clip_x else np.asarray(x, float)}
    for l, layer in enumerate(layers, start=1):
        cache[f"Z{l}"] = cache[f"A{l - 1}"] @ layer["W"].T + layer["b"] + eps
        cache[f"A{l}"] = ACT[layer["act"]](cache[f"Z{l}"])
    L, m = len(layers), len(x)
    grads = {}
    dA = loss_grad(cache[f"A{L}"], y, m) if loss_grad else 2 * (cache[f"A{L}"] - y) / m
    for l in range(L, 0, -1):
        layer = layers[l - 1]
        at = cache[f"{slope_at}{l}"]
        dZ = dA * DACT[layer["act"]](at)
        grads[f"dW{l}"] = dZ.T @ prev_of(cache, l)
        grads[f"db{l}"] = dZ.sum(axis=0)
        dA = dZ @ layer["W"]
    dw, db = [grads[f"dW{l}"] for l in range(1, L + 1)], [grads[f"db{l}"] for l in range(1, L + 1)]
    if clip:
        dw, db = [np.clip(g, -clip, clip) for g in dw], [np.clip(g, -clip, clip) for g in db]
    return dw, db


def epsilon_in_z(weights, biases, activations, x, y):
    """z = W a + b + 1e-3 (an epsilon "for stability")."""
    return _run(weights, biases, activations, x, y, eps=1e-3)


def clipped_inputs(weights, biases, activations, x, y):
    """The inputs clipped to [-1, 1] first, as if they were always normalised."""
    return _run(weights, biases, activations, x, y, clip_x=True)


def weight_gradient_from_own_layer(weights, biases, activations, x, y):
    """dW(l) from cache["A{l}"] instead of cache["A{l-1}"]."""
    return _run(weights, biases, activations, x, y, prev_of=lambda cache, l: cache[f"A{l}"])


def mse_mean_over_everything(weights, biases, activations, x, y):
    """torch.nn.MSELoss(): the mean over examples and outputs."""
    return _run(weights, biases, activations, x, y, loss_grad=lambda a, t, m: 2 * (a - t) / (m * a.shape[1]))


def clipped_and_slope_of_a(weights, biases, activations, x, y):
    """Two defects: sigma' evaluated at A, and every gradient clipped to [-1, 1]."""
    return _run(weights, biases, activations, x, y, slope_at="A", clip=1.0)


def names_compared_with_is(weights, biases, activations, x, y):
    """`if name is "relu"`: right for the literal strings this file was compiled with, wrong for equal others."""
    layers = _layers(weights, biases, activations)
    for layer in layers:  # "unknown" names fall back to sigmoid
        name = layer["act"]
        layer["act"] = next((k for k in ("relu", "tanh", "identity") if name is k), "sigmoid")  # noqa: F632
    return _run([d["W"] for d in layers], [d["b"] for d in layers], [d["act"] for d in layers], x, y)
