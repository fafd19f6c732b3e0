"""The learning rate each gradient-descent property hands the frameworks, and which draws may take ten steps.

:func:`effective_eta` scales the drawn eta by the first gradient (the first step moves no
parameter by more than eta) and keeps it *in the row's dtype*: a float64 row gets a float64
eta (0.01 / 3.7 is not a float32 number), so a framework that keeps its learning rate in
float32 for float64 parameters (w - float32(eta) dC/dw) differs from ``reference.step`` by
|eta - float32(eta)| |dC/dw|, about 2^-24 relative: far beyond the float64 step bound. A float32
row gets eta rounded to float32, the number a float32 framework and the reference both use.
:func:`stable` says whether ten steps stay tame (only the first step is checked otherwise).
"""

from __future__ import annotations

import numpy as np

import reference

STEPS = 10


def effective_eta(case, eta, dtype) -> float:
    """eta / max(1, largest |gradient| at the start), exact in `dtype` ("float64" or "float32").

    >>> from conformance.core.strategies import Case
    >>> c = Case([np.array([[1.0]])], [np.zeros(1)], ["identity"], np.array([[3.0]]), np.zeros((1, 1)))
    >>> effective_eta(c, 0.1, "float64") == 0.1 / 18, effective_eta(c, 0.1, "float32") == float(np.float32(0.1 / 18))
    (True, True)
    """
    dC_dw, dC_db = reference.backprop(*case.args())
    g = max(float(np.max(np.abs(a))) for a in dC_dw + dC_db)
    return float(np.dtype(dtype).type(eta / max(1.0, g)))


_TAME: dict = {}  # (the case's bits, lr) -> stable(): every framework is handed the same derandomized draws


def _key(case, lr) -> tuple:
    arrays = [*case.weights, *case.biases, case.x, case.y]
    return (float(lr), tuple(case.activations), tuple((a.shape, a.tobytes()) for a in map(np.asarray, arrays)))


def stable(case, lr) -> bool:
    """Whether plain gradient descent stays tame for 10 steps: C never above twice its start.

    eta is scaled by the first gradient, but the curvature can still make 10 steps
    diverge (an identity network with x = -60 reaches 1e38 and overflows float32):
    that is the dynamics, not the frameworks, so on such draws only the first step is checked.
    The answer depends on the numbers alone: it is computed once per draw, whichever framework asks.
    """
    key = _key(case, lr)
    if key not in _TAME:
        if len(_TAME) > 4096:
            _TAME.clear()
        _TAME[key] = _stable(case, lr)
    return _TAME[key]


def _stable(case, lr) -> bool:
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging draw may overflow: that is the answer
        try:
            costs = reference.train(*case.args(), eta=lr, epochs=STEPS)[2]
        except reference.ReferenceValueError:  # an inf or NaN reached the next step
            return False
    return bool(np.all(np.isfinite(costs)) and max(costs) <= 2 * costs[0] + 1e-12)
