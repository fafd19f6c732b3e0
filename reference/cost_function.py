"""The video's cost and its derivative, the first factor of the chain rule.

For one example:  C0 = sum_j (a(L)_j - y_j)^2          [01:32, 07:15]
(no 1/2: Nielsen's book and optax's ``l2_loss`` put one there; the video
does not, so dC0/da(L) = 2(a(L) - y) [04:07]).

Over m examples the cost is their average, C = (1/m) sum_i C0_i.  The
arrays here hold one example per row, so a(L) and y are (m, n_L).
"""

from __future__ import annotations

import numpy as np

from . import checks


def cost(a_L: np.ndarray, y: np.ndarray) -> float:
    """C = (1/m) * sum over examples of C0, for a(L), y of shape (m, n_L).

    Computed in float64, or in float32 when a_L is a float32 array and y holds float32 values
    (``backprop_trace(..., dtype=np.float32)``).  Lists are accepted; bad input, or a cost beyond
    the largest float, raises ReferenceValueError/TypeError.

    >>> cost(np.array([[0.5, 1.0], [0.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    0.625
    """
    a_L, y = checks.cost_arguments(a_L, y)
    with checks.overflow_is_an_error("cost"):
        C0 = np.sum((a_L - y) ** 2, axis=1)  # one C0 per example (row)  [07:15]
        return float(np.mean(C0))


def dC_da_L(a_L: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dC/da(L), shape (m, n_L): row i is (1/m) * dC0_i/da(L) = (1/m) * 2(a(L) - y).

    The 2(a(L) - y) is the video's one-example derivative [04:07]; the 1/m
    is there because C averages the m examples' C0.  Unchecked: the backward pass calls it.
    """
    m = a_L.shape[0]
    return (2.0 / m) * (a_L - y)
