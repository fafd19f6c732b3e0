"""The reference's networks as JAX pytrees and flax parameter dicts, and their gradients by jax.grad.

Layout:

=======================  ====================================  ==========================================
reference                pytree (:func:`to_pytree`)            flax (:func:`to_flax`, ``nn.Dense``)
=======================  ====================================  ==========================================
``weights[l-1]`` = w(l)  ``tree[l-1]["w"]``  (n_l, n_{l-1})    ``["params"]["Dense_{l-1}"]["kernel"]``
                                                               (n_{l-1}, n_l): w(l) **transposed**
``biases[l-1]`` = b(l)   ``tree[l-1]["b"]``  (n_l,)            ``["params"]["Dense_{l-1}"]["bias"]`` (n_l,)
``activations[l-1]``     ``jax.nn.sigmoid``, ``jax.nn.relu``, ``jnp.tanh``, identity (not in the dicts)
``x``, ``y``             one example per row, (m, n_0), (m, n_L)
=======================  ====================================  ==========================================

Cost: the video's, C = (1/m) sum_i sum_j (a(L)_ij - y_ij)^2.  Results come back as
numpy arrays, in the dtype computed in.  Inputs are checked by :mod:`reference.checks`
and never modified.

float64 (the default) needs JAX's x64 mode, which is off unless turned on at start-up
(``jax.config.update("jax_enable_x64", True)`` or ``JAX_ENABLE_X64=1``); without it
these functions raise :class:`X64Error` rather than silently compute in float32.

Speed: the work is done by three jitted functions (:mod:`adapters._jax_core`) that take
the activations as an int array, so a new network recompiles only when its *shapes*
change.  ``pad_to=(width, batch)`` zero-pads every layer to `width` neurons and the
batch to `batch` rows (masked, so results equal the unpadded ones and padding gets
exactly zero gradient): then one compilation per depth and dtype serves every network.
``pad_to=(width, batch, depth)`` also appends pass-through layers (w = I, b = 0,
identity) up to `depth`, so that one compilation serves every depth too.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from reference import Trace, checks
from reference.errors import ReferenceTypeError, ReferenceValueError

from . import _jax_core
from ._common import detached, own_dtype
from ._jax_core import CODES


class X64Error(ReferenceTypeError):
    """float64 was asked for but JAX's x64 mode is off (JAX would silently use float32)."""


def trace_counts() -> dict:
    """How many times each jitted function ("grads", "trace", "sgd") has been traced (compiled)."""
    return dict(_jax_core.TRACES)


def _dtype(dtype) -> np.dtype:
    dt = checks.compute_dtype(dtype)
    if dt == np.float64 and not jax.config.jax_enable_x64:
        raise X64Error(
            "float64 asked for, but JAX's x64 mode is off, so JAX would silently compute in float32. "
            'Turn it on at start-up with jax.config.update("jax_enable_x64", True) or the environment '
            "variable JAX_ENABLE_X64=1, or pass dtype=np.float32"
        )
    return dt


def _checked_params(weights, biases, dtype):
    weights, biases = detached(weights), detached(biases)
    dt = _dtype(own_dtype(weights, biases) if dtype is None else dtype)
    ws, bs = checks.parameters(weights, biases, dt)
    return ws, bs


def _copy(a) -> np.ndarray:
    """A new, writable numpy array, bit for bit and dtype kept."""
    return np.array(jax.device_get(a), copy=True)


def to_pytree(weights, biases, *, dtype=None):
    """[{"w": (n_{i+1}, n_i), "b": (n_{i+1},)}, ...] as jnp arrays; dtype None keeps float32 float32."""
    ws, bs = _checked_params(weights, biases, dtype)
    return [{"w": jnp.asarray(w), "b": jnp.asarray(b)} for w, b in zip(ws, bs)]


def from_pytree(tree):
    """(weights, biases) numpy lists from :func:`to_pytree`'s layout, dtypes kept, shapes checked."""
    try:
        weights, biases = [_copy(p["w"]) for p in tree], [_copy(p["b"]) for p in tree]
    except (TypeError, KeyError, IndexError) as exc:
        raise ReferenceTypeError(f'expected a list of {{"w": ..., "b": ...}} dicts, got {type(tree).__name__}: '
                                 f"{exc!r}") from None
    checks.parameters(weights, biases, own_dtype(weights, biases))
    return weights, biases


def to_flax(weights, biases, *, dtype=None):
    """{"params": {"Dense_i": {"kernel": w.T (n_i, n_{i+1}), "bias": (n_{i+1},)}}} as plain dicts."""
    ws, bs = _checked_params(weights, biases, dtype)
    return {"params": {f"Dense_{i}": {"kernel": jnp.asarray(w.T), "bias": jnp.asarray(b)}
                       for i, (w, b) in enumerate(zip(ws, bs))}}


def from_flax(variables):
    """(weights, biases) from flax Dense params, with or without the outer "params" key.

    Layers are named ``<prefix>_<i>`` (Dense_0, Dense_1, ... or layers_0, ...) and taken in
    order of i; numbers must run 0, 1, ... except under linen ``nn.Sequential``'s prefix
    ``layers``, which numbers the activations too (layers_0, layers_2, ...: see
    :mod:`adapters.flax_adapter`).  A Dense without a bias gets zero biases.
    """
    if not isinstance(variables, Mapping):
        raise ReferenceTypeError(f"expected a dict of flax variables, got {type(variables).__name__}")
    params = variables["params"] if "params" in variables else variables
    found = {}
    for key in params:
        match = re.fullmatch(r"(.+)_(\d+)", str(key))
        if not match or not isinstance(params[key], Mapping) or "kernel" not in params[key]:
            raise ReferenceValueError(f"params[{key!r}] is not a Dense layer named <name>_<i> with a kernel")
        found[int(match[2])] = params[key]
    prefixes = {re.fullmatch(r"(.+)_(\d+)", str(key))[1] for key in params}
    if len(prefixes) > 1:
        raise ReferenceValueError(f"layers under more than one name ({sorted(prefixes)}): cannot tell their order")
    order = sorted(found)
    # linen's nn.Sequential numbers every layer, the activations too: its Dense layers are layers_0, layers_2, ...
    if order != list(range(len(found))) and prefixes != {"layers"}:
        raise ReferenceValueError(f"layer numbers must run 0, 1, ...: found {order} in {list(params)}")
    weights = [_copy(found[i]["kernel"]).T.copy() for i in order]
    biases = [_copy(found[i]["bias"]) if "bias" in found[i] else np.zeros(w.shape[0], w.dtype)
              for i, w in zip(order, weights)]
    checks.parameters(weights, biases, own_dtype(weights, biases))
    return weights, biases


def _device(device):
    if device is None:
        return None
    if device not in ("cpu", "gpu"):
        raise ReferenceValueError(f"device must be None, 'cpu' or 'gpu', got {device!r}")
    try:
        return jax.devices(device)[0]
    except RuntimeError as exc:
        raise ReferenceValueError(f"device {device!r} asked for, but JAX has none here: {exc}") from None


def _precision(precision) -> str:
    if precision not in _jax_core.PRECISIONS:
        raise ReferenceValueError(f"precision must be one of {sorted(_jax_core.PRECISIONS)}, got {precision!r}")
    return precision


def _prepare(weights, biases, activations, x, y, dtype, device, pad_to):
    """Checked, padded numpy arguments for the jitted core, and the sizes to cut results back to."""
    weights, biases, x, y = detached(weights), detached(biases), detached(x), detached(y)
    dt = _dtype(dtype)
    dev = _device(device)
    ws, bs, names = checks.network(weights, biases, activations, dt)
    x, y = checks.examples(x, y, ws, dt)
    sizes, m, L = [ws[0].shape[1]] + [w.shape[0] for w in ws], x.shape[0], len(ws)
    widths, rows, depth = sizes, m, L  # no padding: every array keeps its own shape
    if pad_to is not None:
        if (not isinstance(pad_to, (tuple, list)) or len(pad_to) not in (2, 3)
                or not all(isinstance(p, numbers.Integral) for p in pad_to)):
            raise ReferenceValueError(f"pad_to must be (width, batch) or (width, batch, depth), whole numbers, "
                                      f"got {pad_to!r}")
        width, rows, depth = (*pad_to, L)[:3]
        if width < max(sizes) or rows < m or depth < L:
            raise ReferenceValueError(f"pad_to={pad_to!r} is too small for layer sizes {sizes} (depth {L}) "
                                      f"and {m} examples")
        widths = [width] * (depth + 1)
        ws = ws + [np.eye(width, dtype=dt)] * (depth - L)  # pass-through layers: a @ I.T + 0 = a exactly
        bs = bs + [np.zeros(width, dt)] * (depth - L)
    masks = [np.ones(n, dt) for n in sizes] + [np.ones(sizes[-1], dt)] * (depth - L)

    def pad(a, shape):
        out = np.zeros(shape, dt)
        out[tuple(slice(0, n) for n in a.shape)] = a
        return out

    args = (
        [pad(w, (widths[i + 1], widths[i])) for i, w in enumerate(ws)],
        [pad(b, (widths[i + 1],)) for i, b in enumerate(bs)],
        np.array([CODES[n] for n in names] + [_jax_core.PAD] * (depth - L), np.int32),
        [pad(k, (n,)) for k, n in zip(masks, widths)],
        pad(np.ones(m, dt), (rows,)),
        np.asarray(m, dt),
        pad(x, (rows, widths[0])),
        pad(y, (rows, widths[-1])),
    )
    if dev is not None:
        args = jax.device_put(args, dev)
    return args, sizes, m, dt


def _cut(arrays, shapes):
    """Each padded array cut back to its real shape, as a new numpy array."""
    return [np.array(a[tuple(slice(0, n) for n in s)], copy=True) for a, s in zip(arrays, shapes)]


def backprop(weights, biases, activations, x, y, *, dtype=np.float64, device=None, pad_to=None,
             precision="highest"):
    """(dC_dw, dC_db) by jax.grad: lists shaped like weights (n_l, n_{l-1}) and biases (n_l,).

    dtype: np.float64 (needs x64) or np.float32; device: None (JAX's default), "cpu" or "gpu";
    pad_to: None, (width, batch) or (width, batch, depth), see the module docstring.
    """
    args, sizes, _, _ = _prepare(weights, biases, activations, x, y, dtype, device, pad_to)
    gw, gb = jax.device_get(_jax_core.grads(*args, precision=_precision(precision)))
    L = len(sizes) - 1
    return (_cut(gw, [(sizes[i + 1], sizes[i]) for i in range(L)]),
            _cut(gb, [(sizes[i + 1],) for i in range(L)]))


def backprop_trace(weights, biases, activations, x, y, *, dtype=np.float64, device=None, pad_to=None,
                   precision="highest") -> Trace:
    """A :class:`reference.Trace` of every z, a and derivative, by jax.value_and_grad.

    a[l], dC_da[l] for l = 0..L, (m, n_l), with a[0] = x and dC_da[0] = dC/dx;
    z, dC_dz (m, n_l) and dC_dw, dC_db indexed like weights; C a float.  Keywords as
    :func:`backprop`.
    """
    args, sizes, m, _ = _prepare(weights, biases, activations, x, y, dtype, device, pad_to)
    zs, as_, gz, ga, gw, gb, C = jax.device_get(_jax_core.trace(*args, precision=_precision(precision)))
    L = len(sizes) - 1
    rows = [(m, n) for n in sizes]
    return Trace(
        z=_cut(zs, rows[1:]), a=_cut(as_, rows), dC_dz=_cut(gz, rows[1:]), dC_da=_cut(ga, rows),
        dC_dw=_cut(gw, [(sizes[i + 1], sizes[i]) for i in range(L)]),
        dC_db=_cut(gb, [(sizes[i + 1],) for i in range(L)]), C=float(C),
    )


def sgd_step(weights, biases, activations, x, y, eta, *, dtype=np.float64, device=None, pad_to=None,
             precision="highest"):
    """One jitted step downhill: new (weights, biases) = (w - eta dC/dw, b - eta dC/db), numpy.

    Keywords as :func:`backprop`; call it in a loop for a trajectory (with `pad_to` fixed,
    every step reuses one compilation).
    """
    eta = checks.learning_rate(eta)
    args, sizes, _, dt = _prepare(weights, biases, activations, x, y, dtype, device, pad_to)
    new_ws, new_bs = jax.device_get(_jax_core.sgd(*args, np.asarray(eta, dt), precision=_precision(precision)))
    L = len(sizes) - 1
    return (_cut(new_ws, [(sizes[i + 1], sizes[i]) for i in range(L)]),
            _cut(new_bs, [(sizes[i + 1],) for i in range(L)]))


def sgd_trajectory(weights, biases, activations, x, y, eta, steps, *, dtype=np.float64, device=None, pad_to=None,
                   precision="highest"):
    """[(weights, biases)] after 0, 1, ..., `steps` plain steps w <- w - eta dC/dw, in one jitted ``lax.scan``.

    The same update as :func:`sgd_step` (padding held at 0), compiled once per shape and `steps`;
    keywords as :func:`backprop`.  Entry 0 is the checked start, in `dtype`.
    """
    eta = checks.learning_rate(eta)
    if not isinstance(steps, numbers.Integral) or steps < 1:
        raise ReferenceValueError(f"steps must be a whole number >= 1, got {steps!r}")
    args, sizes, _, dt = _prepare(weights, biases, activations, x, y, dtype, device, pad_to)
    ws_t, bs_t = jax.device_get(_jax_core.sgd_scan(*args, np.asarray(eta, dt), steps=int(steps),
                                                   precision=_precision(precision)))
    L = len(sizes) - 1
    wshapes, bshapes = [(sizes[i + 1], sizes[i]) for i in range(L)], [(sizes[i + 1],) for i in range(L)]
    start_ws, start_bs = jax.device_get((args[0], args[1]))  # numpy: slicing a jax array compiles a slice per shape
    states = [(_cut(start_ws, wshapes), _cut(start_bs, bshapes))]
    for t in range(int(steps)):
        states.append((_cut([w[t] for w in ws_t[:L]], wshapes), _cut([b[t] for b in bs_t[:L]], bshapes)))
    return states
