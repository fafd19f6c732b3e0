"""The input checks, beside the math: one call per entry point of :mod:`reference`.

``backprop`` and ``backprop_trace`` open with :func:`network_and_examples`, ``forward`` with
:func:`network_and_input`, ``cost`` with :func:`cost_arguments`, ``chain_steps`` with
:func:`chain_arguments`, ``step`` with :func:`step_arguments`, ``train`` with
:func:`train_arguments`, ``init_network`` with :func:`init_arguments`; :func:`parameters` checks
weights and biases alone.  A mistake is reported in the video's terms (which layer, which shape
was found, which was expected) as a ``ReferenceValueError`` or ``ReferenceTypeError``; one
argument is read into an array by :mod:`reference.arrays`.  The dtype
policy (float64; float32 only on request; never a silent downcast), what is refused and why:
docs/conventions.md, "What the reference accepts".  The checks never modify what they are given;
what they return may share memory with it, and nothing downstream writes into it.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np

from .activations import SIGMA
from .arrays import as_array, real_array, refuse_foreign, shown
from .errors import ReferenceTypeError, ReferenceValueError


def compute_dtype(dtype) -> np.dtype:
    """The compute dtype: float64 (default) or, on request, float32."""
    try:
        dt = np.dtype(dtype)
    except Exception:  # TypeError mostly; np.dtype("01") is a SyntaxError
        raise ReferenceTypeError(f"dtype must be float64 or float32, got {shown(dtype)}") from None
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ReferenceTypeError(f"dtype must be float64 or float32, got {dt}")
    return dt


def learning_rate(eta) -> float:
    """The learning rate eta of a gradient-descent step [09:23]: a finite number > 0."""
    try:
        value = float(eta) if isinstance(eta, numbers.Real) and not isinstance(eta, bool) else math.nan
    except OverflowError:  # an int beyond the largest float
        value = math.inf
    if not math.isfinite(value) or value <= 0:
        raise ReferenceValueError(f"eta (the learning rate) must be a finite number > 0, got {shown(eta)}")
    return value


def whole_number(arg: str, value, low: int, high: int | None = None, high_name: str = "") -> int:
    """`value` must be an int (not a bool, not a float) from `low` to `high` (called `high_name`)."""
    top = sys.maxsize if high is None else high  # a count beyond sys.maxsize cannot index anything
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or not low <= value <= top:
        span = f">= {low}" if high is None else f"from {low} to {high_name or high}"
        if high is None and isinstance(value, numbers.Integral) and value > top:
            span += f" and at most {top}"
        raise ReferenceValueError(f"{arg} must be a whole number {span}, got {shown(value)}")
    return int(value)


@contextmanager
def overflow_is_an_error(what: str):
    """Float error modes set here, not by the caller: an overflow becomes a ReferenceValueError.

    Finite inputs can still give a product beyond the largest float (z = w a + b, a gradient, a
    step); numpy would carry inf on.  Underflow is ignored: e^-|z| rounding to 0 is right.
    """
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield
    except FloatingPointError as exc:
        raise ReferenceValueError(f"{what} overflowed ({exc}): a value grew beyond the largest float; "
                                  "the parameters, inputs or eta are too large") from None


def per_layer(arg: str, value) -> None:
    """`value` must be a list (or tuple) with one entry per layer, not an array or a string."""
    refuse_foreign(value, arg)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ReferenceTypeError(f"{arg} must be a list with one entry per layer, got {type(value).__name__}")


def parameters(weights, biases, dtype=np.float64):
    """Checked ``(ws, bs)``: weights[i] (n_{i+1}, n_i) is w(l) [07:33], biases[i] (n_{i+1},) is b(l), l = i + 1."""
    per_layer("weights", weights)
    per_layer("biases", biases)
    if len(weights) != len(biases):
        raise ReferenceValueError(f"weights and biases must have one entry per layer, but have "
                                  f"{len(weights)} and {len(biases)} entries")
    if len(weights) == 0:
        raise ReferenceValueError("the network has no layers: weights and biases are empty")
    ws, bs = [], []
    for i, (w, b) in enumerate(zip(weights, biases)):
        ws.append(_weight(i, w, ws[-1] if ws else None, dtype))
        bs.append(real_array(b, f"biases[{i}] (b({i + 1}))", (f"n_{i + 1}",), dtype))
        if bs[-1].shape != (ws[-1].shape[0],):
            raise ReferenceValueError(f"biases[{i}] (b({i + 1})) has shape {bs[-1].shape}, expected "
                                      f"({ws[-1].shape[0]},): layer {i + 1} has {ws[-1].shape[0]} neurons")
    return ws, bs


def _weight(i, w, w_prev, dtype):
    """weights[i] = w(i + 1), checked against the layer below it."""
    layer = i + 1
    w = real_array(w, f"weights[{i}] (w({layer}))", (f"n_{layer}", f"n_{layer - 1}"), dtype)
    if 0 in w.shape:
        raise ReferenceValueError(f"weights[{i}] (w({layer})) has shape {w.shape}: every layer needs neurons")
    if w_prev is not None and w.shape[1] != w_prev.shape[0]:
        raise ReferenceValueError(f"weights[{i}] (w({layer})) has shape {w.shape}, expected ({w.shape[0]}, "
                                  f"{w_prev.shape[0]}): layer {layer - 1} has {w_prev.shape[0]} neurons")
    return w


def names(activations) -> list:
    """activations[i]: a name in ``SIGMA``, the sigma of layer l = i + 1; one per layer."""
    for i, act in enumerate(activations):
        if not isinstance(act, str):
            raise ReferenceTypeError(f"activations[{i}] (layer {i + 1}) must be a name, got {type(act).__name__}")
        if act not in SIGMA:
            raise ReferenceValueError(f"activations[{i}] (layer {i + 1}) is {act!r}: "
                                      f"expected one of {', '.join(sorted(SIGMA))}")
    return list(activations)


def network(weights, biases, activations, dtype=np.float64):
    """Checked ``(ws, bs, names)``: :func:`parameters`, and a sigma per layer."""
    for arg, value in (("weights", weights), ("biases", biases), ("activations", activations)):
        per_layer(arg, value)
    if not (len(weights) == len(biases) == len(activations)):
        raise ReferenceValueError(f"weights, biases and activations must have one entry per layer, but have "
                                  f"{len(weights)}, {len(biases)} and {len(activations)} entries")
    if len(weights) == 0:
        raise ReferenceValueError("the network has no layers: weights, biases and activations are empty")
    ws, bs = parameters(weights, biases, dtype)
    return ws, bs, names(activations)


def examples(x, y, ws, dtype=np.float64):
    """Checked data: x of shape (m, n_0), y of shape (m, n_L) (y None: x alone, for a forward pass)."""
    n_0, n_L = ws[0].shape[1], ws[-1].shape[0]
    x = real_array(x, "x", ("m", n_0), dtype)
    if x.shape[0] == 0:
        raise ReferenceValueError(f"x has shape {x.shape}: zero examples, need at least one")
    if x.shape[1] != n_0:
        raise ReferenceValueError(f"x has shape {x.shape}, expected ({x.shape[0]}, {n_0}): layer 1 takes {n_0} inputs")
    if y is None:
        return x, None
    y = real_array(y, "y", ("m", n_L), dtype)
    if y.shape[1] != n_L:
        raise ReferenceValueError(f"y has shape {y.shape}, expected ({y.shape[0]}, {n_L}): "
                                  f"the last layer has {n_L} neurons")
    if y.shape[0] != x.shape[0]:
        raise ReferenceValueError(f"x has {x.shape[0]} examples but y has {y.shape[0]}: one row of y per row of x")
    return x, y


def network_and_input(weights, biases, activations, x, dtype):
    """For ``forward``: ``(ws, bs, names, x, dtype)``, all checked."""
    dtype = compute_dtype(dtype)
    ws, bs, acts = network(weights, biases, activations, dtype)
    x, _ = examples(x, None, ws, dtype)
    return ws, bs, acts, x, dtype


def network_and_examples(weights, biases, activations, x, y, dtype):
    """For ``backprop`` and ``backprop_trace``: ``(ws, bs, names, x, y, dtype)``; y is required."""
    dtype = compute_dtype(dtype)
    ws, bs, acts = network(weights, biases, activations, dtype)
    if y is None:
        raise ReferenceTypeError("y (the targets, (m, n_L)) is None: backprop needs a target per example")
    x, y = examples(x, y, ws, dtype)
    return ws, bs, acts, x, y, dtype


def cost_arguments(a_L, y):
    """For ``cost``: a(L), y (m, n_L).  float32 only if a_L is and y is exactly (y is never rounded down)."""
    f32 = type(a_L) is np.ndarray and a_L.dtype == np.float32
    a_L = real_array(a_L, "a_L", ("m", "n_L"), np.float32 if f32 else np.float64)
    y = real_array(y, "y", ("m", "n_L"), np.float64)
    with np.errstate(all="ignore"):
        if f32 and not np.array_equal(y.astype(np.float32), y):
            a_L = a_L.astype(np.float64)  # y would lose digits in float32: compute in float64 instead
        y = y.astype(a_L.dtype, copy=False)
    if a_L.shape != y.shape or a_L.shape[0] == 0:
        raise ReferenceValueError(f"a_L has shape {a_L.shape} and y {y.shape}: expected the same (m, n_L), m >= 1")
    return a_L, y


def chain_arguments(w, b, activations, x, y):
    """For ``chain_steps``: w, b as lists of floats (one per layer), the names, x = a(0) and y as floats."""
    for arg, value in (("w", w), ("b", b)):
        if isinstance(value, (str, bytes)) or np.ndim(as_array(value, arg)) != 1:
            raise ReferenceValueError(f"{arg} must be a list of numbers, one per layer, got shape {np.shape(value)}")
    if np.ndim(as_array(x, "x (a(0))")) != 0 or np.ndim(as_array(y, "y (the target)")) != 0:
        raise ReferenceValueError(f"x and y must be single numbers, got shapes {np.shape(x)} and {np.shape(y)}")
    x, y = (float(real_array(v, arg, ())) for v, arg in ((x, "x (a(0))"), (y, "y (the target)")))
    w, b = (real_array(v, arg, ("L",)).tolist() for v, arg in ((w, "w"), (b, "b")))
    per_layer("activations", activations)
    if not (len(w) == len(b) == len(activations)) or len(w) == 0:
        raise ReferenceValueError(f"w, b and activations must have one entry per layer (at least one), "
                                  f"but have {len(w)}, {len(b)} and {len(activations)} entries")
    return w, b, names(activations), x, y


def finite_chain(steps) -> None:
    """The chain is computed in Python floats, which overflow to inf quietly: refuse that result."""
    if not all(math.isfinite(v) for s in steps for v in s.values()):
        raise ReferenceValueError("chain_steps overflowed: a value grew beyond the largest float; "
                                  "w, b or x are too large")


def step_arguments(weights, biases, dC_dw, dC_db, eta):
    """For ``step``: ``(ws, bs, dC_dw, dC_db, eta)``, each gradient shaped like its parameter."""
    eta = learning_rate(eta)
    ws, bs = parameters(weights, biases)
    per_layer("dC_dw", dC_dw)
    per_layer("dC_db", dC_db)
    if len(dC_dw) != len(ws) or len(dC_db) != len(bs):
        raise ReferenceValueError(f"the network has {len(ws)} layers but dC_dw has {len(dC_dw)} "
                                  f"and dC_db {len(dC_db)} entries")
    gw = [real_array(g, f"dC_dw[{i}] (dC/dw({i + 1}))", ("n", "n_prev")) for i, g in enumerate(dC_dw)]
    gb = [real_array(g, f"dC_db[{i}] (dC/db({i + 1}))", ("n",)) for i, g in enumerate(dC_db)]
    for i, (w, b) in enumerate(zip(ws, bs)):
        if gw[i].shape != w.shape or gb[i].shape != b.shape:
            raise ReferenceValueError(f"dC_dw[{i}] / dC_db[{i}] have shapes {gw[i].shape} / {gb[i].shape}, "
                                      f"expected {w.shape} / {b.shape} like w({i + 1}) / b({i + 1})")
    return ws, bs, gw, gb, eta


def train_arguments(weights, biases, activations, x, y, eta, epochs, batch_size, seed, on_step):
    """For ``train``: ``(ws, bs, names, x, y, eta, epochs, batch_size, seed)``."""
    eta = learning_rate(eta)
    ws, bs, acts, x, y, _ = network_and_examples(weights, biases, activations, x, y, np.float64)
    m = x.shape[0]
    epochs = whole_number("epochs", epochs, 0)
    batch_size = whole_number("batch_size", m if batch_size is None else batch_size, 1, m, high_name=f"m = {m}")
    seed = whole_number("seed", seed, 0)
    if on_step is not None and not callable(on_step):
        raise ReferenceTypeError(f"on_step must be a function or None, got {type(on_step).__name__}")
    return ws, bs, acts, x, y, eta, epochs, batch_size, seed


def init_arguments(sizes, seed):
    """For ``init_network``: ``(sizes, seed)``, sizes a list of whole numbers >= 1, at least two."""
    refuse_foreign(sizes, "sizes")
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise ReferenceTypeError(f"sizes must be a list of layer sizes [n_0, ..., n_L], got {type(sizes).__name__}")
    try:
        sizes = list(sizes)
    except TypeError as exc:  # a 0-d array, an iterator that fails
        raise ReferenceTypeError(f"sizes must be a list of layer sizes [n_0, ..., n_L]: {exc}") from None
    if len(sizes) < 2:
        raise ReferenceValueError(f"sizes needs at least two entries [n_0, n_1], got {shown(sizes)}")
    sizes = [whole_number(f"sizes[{l}] (n_{l})", n, 1) for l, n in enumerate(sizes)]
    for l, (n_prev, n) in enumerate(zip(sizes, sizes[1:]), start=1):
        if n_prev * n > np.iinfo(np.intp).max // 8:
            raise ReferenceValueError(f"w({l}) would hold {n} x {n_prev} numbers: more than memory can address")
    return sizes, whole_number("seed", seed, 0)
