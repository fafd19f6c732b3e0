"""One argument read into a checked numpy array, or a ReferenceValueError / ReferenceTypeError naming it.

Used by :mod:`reference.checks`.  Integer, bool, float16 and float32 values are converted up to
the compute dtype (float64 unless float32 is asked for); complex, non-numeric and wider-than-
float64 arrays are refused, and so are masked arrays (numpy would drop the mask silently) and
torch tensors that require grad (found by duck typing: the reference imports no framework).
Nothing given is modified; what is returned may be the caller's own array when no conversion was
needed, and nothing downstream writes into it.
"""

from __future__ import annotations

import numpy as np

from .errors import ReferenceTypeError, ReferenceValueError


def shown(value) -> str:
    """repr(value) for a message, cut to 60 characters (a huge int or array stays readable)."""
    try:
        text = repr(value)
    except Exception:  # e.g. an int with more digits than Python will print
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def refuse_foreign(value, name: str) -> None:
    """Masked arrays (the mask would be dropped) and torch tensors that require grad, by duck typing."""
    if isinstance(value, np.ma.MaskedArray):
        raise ReferenceTypeError(f"{name} is a masked array: its mask would be ignored; "
                                 "pass np.ma.filled(...) or the unmasked rows instead")
    if getattr(value, "requires_grad", False) is True and type(value).__module__.split(".")[0] == "torch":
        raise ReferenceTypeError(f"{name} is a torch tensor that requires grad: detach it first "
                                 "(tensor.detach().cpu().numpy())")


def real_array(value, name: str, expected: tuple, dtype=np.float64) -> np.ndarray:
    """A finite real array with as many dimensions as `expected`, or a clear error.

    `name` is how the caller knows the argument, e.g. ``"weights[1] (w(2))"``;
    `expected` is the shape in symbols, e.g. ``("m", 4)``: its number of
    dimensions is checked here, its sizes by the caller.
    """
    if type(value) is np.ndarray and value.dtype == dtype and value.ndim == len(expected):
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
    """The type and shape checks of :func:`real_array`, and the conversion to `dtype`."""
    arr = as_array(value, name)
    kind, ndim = arr.dtype.kind, len(expected)
    if kind == "c":
        raise ReferenceTypeError(f"{name} is complex ({arr.dtype}): expected real numbers")
    if kind not in "biuf":
        raise ReferenceTypeError(f"{name} is not numeric (dtype {arr.dtype}): expected real numbers")
    if kind == "f" and arr.dtype.itemsize > 8:
        raise ReferenceTypeError(f"{name} has dtype {arr.dtype}, wider than float64: converting it would "
                                 "silently lose precision; convert it yourself if that is what you want")
    if arr.ndim != ndim:
        expected = "(" + ", ".join(map(str, expected)) + ("," if ndim == 1 else "") + ")"
        hint = " (one example per row)" if name in ("x", "y") else ""
        if name in ("x", "y") and arr.ndim == 1:
            hint += f"; for a single example use {name}.reshape(1, -1)"
        raise ReferenceValueError(f"{name} must be {ndim}-D {expected}, got shape {arr.shape}{hint}")
    with np.errstate(all="ignore"):  # float64 -> float32 on request: too-large values become inf
        out = np.asarray(arr, dtype=dtype)  # a view when no conversion is needed: never written to
    if kind == "f" and out.dtype.itemsize < arr.dtype.itemsize and np.isfinite(arr).all() \
            and not np.isfinite(out).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise ReferenceValueError(f"{name} holds {float(arr[bad]):g} at index {list(bad)}, beyond the largest "
                                  f"{out.dtype} ({np.finfo(out.dtype).max:.3g}): it cannot be computed in {out.dtype}")
    return out


def as_array(value, name):
    """np.asarray(value), refusing what it would misread and naming what it cannot read."""
    _refuse_foreign_inside(value, name)
    try:
        return np.asarray(value)
    except (ValueError, TypeError, RuntimeError, OverflowError) as exc:  # ragged nested lists, odd objects
        raise ReferenceValueError(f"{name} is not a rectangular array: {exc}") from None


def _refuse_foreign_inside(value, name):
    """:func:`refuse_foreign` for `value` and everything nested in it as lists or tuples."""
    refuse_foreign(value, name)
    if isinstance(value, (list, tuple)):
        for v in value:
            _refuse_foreign_inside(v, name)
