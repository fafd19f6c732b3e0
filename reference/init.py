"""Seeded random initialisation of a network's parameters."""

from __future__ import annotations

import numpy as np

from .errors import ReferenceValueError, check_whole_number


def init_network(sizes, seed: int = 0):
    """Random ``(weights, biases)`` for layer sizes ``[n_0, n_1, ..., n_L]``.

    w(l) is drawn from N(0, 1/n_{l-1}) (so z(l) starts at a moderate size);
    b(l) starts at zero.  The same seed always gives the same network.

    >>> weights, biases = init_network([784, 16, 16, 10], seed=0)   # the video's network
    >>> [w.shape for w in weights], [b.shape for b in biases]
    ([(16, 784), (16, 16), (10, 16)], [(16,), (16,), (10,)])
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ReferenceValueError(f"sizes needs at least two entries [n_0, n_1], got {sizes}")
    sizes = [check_whole_number(f"sizes[{l}] (n_{l})", n, 1) for l, n in enumerate(sizes)]
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n, n_prev)) / np.sqrt(n_prev) for n_prev, n in zip(sizes, sizes[1:])]
    biases = [np.zeros(n) for n in sizes[1:]]
    return weights, biases
