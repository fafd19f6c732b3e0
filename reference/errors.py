"""The project's own exceptions, and the input checks that raise them.

Every public function of :mod:`reference` runs its arguments through
:func:`check_network` and :func:`check_examples` first, so a mistake is
reported in the video's terms (which layer, which shape was found, which
was expected) instead of as a numpy broadcasting error deep inside.

Dtype policy: everything is computed in float64.  Integer, unsigned and
bool inputs are converted up; float16 and float32 are converted up (no
precision is lost); wider floats such as ``np.longdouble`` are refused
with a :class:`ReferenceTypeError`, since converting them would silently
drop precision.  Pass ``dtype=np.float32`` explicitly to compute in
float32 (for benchmarks); that is a request, never a silent downcast, and a
value beyond float32's range is then refused rather than read as inf.
Inputs must be finite; a computation that overflows anyway is reported by
:func:`overflow_is_an_error` instead of carrying inf on.

The checks never modify what they are given, and nothing downstream
writes into the arrays they return (which may share memory with the
caller's when no conversion was needed).
"""

from __future__ import annotations

import math
import numbers
from contextlib import contextmanager

import numpy as np

from .activations import SIGMA


class ReferenceValueError(ValueError):
    """A value or shape the reference cannot accept (names the argument)."""


class ReferenceTypeError(TypeError):
    """A type the reference cannot accept: complex, non-numeric, too wide."""


_ALLOWED_DTYPES = (np.float64, np.float32)


def check_dtype(dtype) -> np.dtype:
    """The compute dtype: float64 (default) or, on request, float32."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ReferenceTypeError(f"dtype must be float64 or float32, got {dtype!r}") from None
    if dt not in [np.dtype(d) for d in _ALLOWED_DTYPES]:
        raise ReferenceTypeError(f"dtype must be float64 or float32, got {dt}")
    return dt


def check_eta(eta) -> float:
    """The learning rate eta of a gradient-descent step [09:23]: a finite number > 0."""
    if not isinstance(eta, numbers.Real) or isinstance(eta, bool) or not math.isfinite(eta) or eta <= 0:
        raise ReferenceValueError(f"eta (the learning rate) must be a finite number > 0, got {eta!r}")
    return float(eta)


@contextmanager
def overflow_is_an_error(what: str):
    """Turn a float overflow inside the block into a ReferenceValueError naming `what`.

    Every input is finite, but a product of large ones (z = w a + b, a gradient, a step)
    can still exceed the largest float; numpy would warn and carry inf on silently.
    """
    try:
        with np.errstate(over="raise"):
            yield
    except FloatingPointError as exc:
        raise ReferenceValueError(
            f"{what} overflowed ({exc}): a value grew beyond the largest float; "
            "the parameters, inputs or eta are too large"
        ) from None


def as_real_array(value, name: str, expected: tuple, dtype=np.float64) -> np.ndarray:
    """A new finite real array with as many dimensions as `expected`, or a clear error.

    `name` is how the caller knows the argument, e.g. ``"weights[1] (w(2))"``;
    `expected` is the shape in symbols, e.g. ``("m", 4)``: its number of
    dimensions is checked here, its sizes by the caller.
    """
    ndim = len(expected)
    if type(value) is np.ndarray and value.dtype == dtype and value.ndim == ndim:
        out = value  # the common case: already right; never written to
    else:
        out = _convert(value, name, expected, dtype)
    if not np.isfinite(out).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        what = "NaN" if np.isnan(out[bad]) else "inf"
        where = f" at index {list(bad)}" if bad else ""
        raise ReferenceValueError(f"{name} holds {what}{where}: every value must be finite")
    return out


def _convert(value, name, expected, dtype):
    """The type and shape checks of :func:`as_real_array`, and the conversion to `dtype`."""
    ndim = len(expected)
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists, odd objects
        raise ReferenceValueError(f"{name} is not a rectangular array: {exc}") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise ReferenceTypeError(f"{name} is complex ({arr.dtype}): expected real numbers")
    if kind not in "biuf":
        raise ReferenceTypeError(f"{name} is not numeric (dtype {arr.dtype}): expected real numbers")
    if kind == "f" and arr.dtype.itemsize > 8:
        raise ReferenceTypeError(
            f"{name} has dtype {arr.dtype}, wider than float64: converting it would "
            "silently lose precision; convert it yourself if that is what you want"
        )
    if arr.ndim != ndim:
        expected = "(" + ", ".join(map(str, expected)) + ("," if ndim == 1 else "") + ")"
        hint = " (one example per row)" if name in ("x", "y") else ""
        if name in ("x", "y") and arr.ndim == 1:
            hint += f"; for a single example use {name}.reshape(1, -1)"
        raise ReferenceValueError(f"{name} must be {ndim}-D {expected}, got shape {arr.shape}{hint}")
    with np.errstate(over="ignore"):  # float64 -> float32 on request: too-large values become inf
        out = np.asarray(arr, dtype=dtype)  # a view when no conversion is needed: never written to
    if kind == "f" and out.dtype.itemsize < arr.dtype.itemsize and np.isfinite(arr).all() \
            and not np.isfinite(out).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise ReferenceValueError(
            f"{name} holds {float(arr[bad]):g} at index {list(bad)}, beyond the largest {out.dtype} "
            f"({np.finfo(out.dtype).max:.3g}): it cannot be computed in {out.dtype}"
        )
    return out


def check_per_layer(arg: str, value) -> None:
    """`value` must be a list (or tuple) with one entry per layer, not an array or a string."""
    if isinstance(value, (str, bytes, np.ndarray)) or not hasattr(value, "__len__"):
        raise ReferenceTypeError(f"{arg} must be a list with one entry per layer, got {type(value).__name__}")


def check_whole_number(arg: str, value, low: int, high: int | None = None, high_name: str = "") -> int:
    """`value` must be an int (not a bool, not a float) from `low` to `high` (called `high_name`)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low \
            or (high is not None and value > high):
        span = f">= {low}" if high is None else f"from {low} to {high_name or high}"
        raise ReferenceValueError(f"{arg} must be a whole number {span}, got {value!r}")
    return int(value)


def check_network(weights, biases, activations, dtype=np.float64):
    """Checked copies of the parameters: ``(ws, bs, names)``.

    weights[i]: (n_{i+1}, n_i), the w(l) of layer l = i + 1  [07:33]
    biases[i]:  (n_{i+1},),     the b(l) of layer l = i + 1
    activations[i]: a name in ``SIGMA``, the sigma of layer l = i + 1
    """
    for arg, value in (("weights", weights), ("biases", biases), ("activations", activations)):
        check_per_layer(arg, value)
    if not (len(weights) == len(biases) == len(activations)):
        raise ReferenceValueError(
            f"weights, biases and activations must have one entry per layer, but have "
            f"{len(weights)}, {len(biases)} and {len(activations)} entries"
        )
    if len(weights) == 0:
        raise ReferenceValueError("the network has no layers: weights, biases and activations are empty")
    ws, bs, names = [], [], []
    for i, (w, b, act) in enumerate(zip(weights, biases, activations)):
        layer = i + 1
        w = as_real_array(w, f"weights[{i}] (w({layer}))", (f"n_{layer}", f"n_{layer - 1}"), dtype)
        if 0 in w.shape:
            raise ReferenceValueError(f"weights[{i}] (w({layer})) has shape {w.shape}: every layer needs neurons")
        if ws and w.shape[1] != ws[-1].shape[0]:
            raise ReferenceValueError(
                f"weights[{i}] (w({layer})) has shape {w.shape}, expected ({w.shape[0]}, "
                f"{ws[-1].shape[0]}): layer {layer - 1} has {ws[-1].shape[0]} neurons"
            )
        b = as_real_array(b, f"biases[{i}] (b({layer}))", (f"n_{layer}",), dtype)
        if b.shape != (w.shape[0],):
            raise ReferenceValueError(
                f"biases[{i}] (b({layer})) has shape {b.shape}, expected ({w.shape[0]},): "
                f"layer {layer} has {w.shape[0]} neurons"
            )
        if not isinstance(act, str):
            raise ReferenceTypeError(
                f"activations[{i}] (layer {layer}) must be a name, got {type(act).__name__}"
            )
        if act not in SIGMA:
            raise ReferenceValueError(
                f"activations[{i}] (layer {layer}) is {act!r}: expected one of {', '.join(sorted(SIGMA))}"
            )
        ws.append(w)
        bs.append(b)
        names.append(act)
    return ws, bs, names


def check_examples(x, y, ws, dtype=np.float64):
    """Checked copies of the data: x of shape (m, n_0), y of shape (m, n_L) (y None: x alone)."""
    n_0, n_L = ws[0].shape[1], ws[-1].shape[0]
    x = as_real_array(x, "x", ("m", n_0), dtype)
    if x.shape[0] == 0:
        raise ReferenceValueError(f"x has shape {x.shape}: zero examples, need at least one")
    if x.shape[1] != n_0:
        raise ReferenceValueError(
            f"x has shape {x.shape}, expected ({x.shape[0]}, {n_0}): layer 1 takes {n_0} inputs"
        )
    if y is None:
        return x, None
    y = as_real_array(y, "y", ("m", n_L), dtype)
    if y.shape[1] != n_L:
        raise ReferenceValueError(
            f"y has shape {y.shape}, expected ({y.shape[0]}, {n_L}): the last layer has {n_L} neurons"
        )
    if y.shape[0] != x.shape[0]:
        raise ReferenceValueError(
            f"x has {x.shape[0]} examples but y has {y.shape[0]}: one row of y per row of x"
        )
    return x, y

