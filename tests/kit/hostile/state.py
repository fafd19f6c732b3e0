"""Randomness and state the kit must see: each function here is right on a first, fresh call."""

import numpy as np
from _common import backprop as _correct
from _common import half


def random_half(*args):
    """Right or wrong by numpy's global random generator: wrong on about half its calls."""
    return half(*args) if np.random.rand() < 0.5 else _correct(*args)


_by_id = {}


def id_cache(weights, biases, activations, x, y):
    """A cache keyed on the arrays' id(): stale once a training loop updates them in place."""
    key = (id(weights[0]), id(x))
    if key not in _by_id:
        _by_id[key] = _correct(weights, biases, activations, x, y)
    return _by_id[key]


_buffers = {}


def reused_buffers(weights, biases, activations, x, y):
    """Right numbers, written into the same output arrays on every call."""
    dw, db = _correct(weights, biases, activations, x, y)
    out = _buffers.setdefault(tuple(w.shape for w in weights), ([np.empty_like(g) for g in dw],
                                                                 [np.empty_like(g) for g in db]))
    for buf, g in zip(out[0] + out[1], dw + db):
        buf[...] = g
    return out


def writes_and_restores(weights, biases, activations, x, y):
    """Scribbles into its inputs and puts them back: invisible afterwards, not with read-only inputs."""
    saved = [w.copy() for w in weights]
    for w in weights:
        w *= 2.0
    for w, s in zip(weights, saved):
        w[...] = s
    return _correct(weights, biases, activations, x, y)


def float32_forward_difference(weights, biases, activations, x, y):
    """sigma' by a forward difference (h = 1e-6): errors near 1e-6 relative, returned as float32."""
    import _common
    original = _common._sigma

    def sigma(name, z):
        s, _ = original(name, z)
        return s, (original(name, z + 1e-6)[0] - s) / 1e-6
    _common._sigma = sigma
    try:
        dw, db = _correct(weights, biases, activations, x, y)
    finally:
        _common._sigma = original
    return [g.astype(np.float32) for g in dw], [g.astype(np.float32) for g in db]
