"""What the four adapters (torch, jax, flax, autograd) need and no framework provides: numpy only.

``own_dtype`` is the dtype a parameter list keeps when no dtype is asked for.  Parameters that
come without activations (a pytree, a flax dict, bare tensors) are checked by
:func:`reference.checks.parameters`.
"""

from __future__ import annotations

import numpy as np


def own_dtype(weights, biases) -> np.dtype:
    """float32 when every given array is float32 (kept as is), else float64.

    Anything that is not a list of arrays gives float64: ``reference.checks.parameters`` then names what is wrong.
    """
    try:
        kinds = {np.asarray(a).dtype for a in list(weights) + list(biases)}
    except (TypeError, ValueError):
        return np.dtype(np.float64)
    return np.dtype(np.float32) if kinds == {np.dtype(np.float32)} else np.dtype(np.float64)


def detached(value):
    """`value` with every torch tensor in it (itself or the items of a list/tuple) as a numpy array.

    A tensor that requires grad refuses ``np.asarray`` with a bare RuntimeError; the adapters'
    conversions take it like any other array: detached, moved to the CPU, copied, dtype kept.
    Duck-typed (``detach`` and ``cpu`` and ``numpy``), so nothing here imports torch.
    """
    if all(hasattr(value, attr) for attr in ("detach", "cpu", "numpy")):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, (list, tuple)):
        return type(value)(detached(v) for v in value)
    return value
