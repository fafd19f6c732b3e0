"""Seeded random initialisation of a network's parameters."""

from __future__ import annotations

import numpy as np

from . import checks


def init_network(sizes, seed: int = 0):
    """Random ``(weights, biases)`` for layer sizes ``[n_0, n_1, ..., n_L]``.

    w(l) is drawn from N(0, 1/n_{l-1}) (so z(l) starts at a moderate size);
    b(l) starts at zero.  The same seed (a whole number >= 0) always gives the same network.

    >>> weights, biases = init_network([784, 16, 16, 10], seed=0)   # the video's network
    >>> [w.shape for w in weights], [b.shape for b in biases]
    ([(16, 784), (16, 16), (10, 16)], [(16,), (16,), (10,)])
    """
    sizes, seed = checks.init_arguments(sizes, seed)
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n, n_prev)) / np.sqrt(n_prev) for n_prev, n in zip(sizes, sizes[1:])]
    biases = [np.zeros(n) for n in sizes[1:]]
    return weights, biases
