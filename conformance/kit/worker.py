"""The process that runs the backprop under test, and the calls it makes (shared with the in-process mode).

``python -m conformance.kit.worker RFD WFD`` is started by :mod:`conformance.kit.isolation`, in its own
session (process group), with two pipe ends: it reads requests on RFD and writes answers on WFD, each
a length-prefixed pickle (:mod:`conformance.kit.protocol`).  It imports numpy, the standard library and
the kit's loader, never
``reference``, the oracles, the tolerances, Hypothesis or pytest: the student's module is loaded
here and nowhere else.  Only plain data goes back: dicts, lists, strings, numbers and arrays
written as ``{"__nd__": [dtype, shape, bytes]}`` (floating point only), so the parent can unpickle
it with no class at all (:class:`conformance.kit.protocol.PlainUnpickler`).

:func:`run_example` makes the calls one drawn example needs (the same code runs in-process for a
plain callable, see :func:`conformance.kit.check.check`):

* ``first``  on fresh copies of the inputs (plain, read-only or strided, as drawn), numpy's and
  Python's global random generators seeded from the example;
* ``again``  on new fresh copies with *other* seeds (the determinism check);
* ``update`` on the arrays of the first call after writing new values into them in place, as a
  training loop does (``w *= 0.75; w -= 0.0625``, see :func:`update_in_place`); then whether the
  arrays the first call returned changed meanwhile (output buffers reused across calls); and
  ``updated_fresh``, the same new values in new arrays (what the function answers with no history),
  with the same seed as ``update``.

Every result is turned into plain float arrays here (:func:`read_result`), where the objects live:
a container whose ``len()`` raises, an array-like that lies, anything that is not a pair of
lists of floating arrays is a sentence, never an exception of the kit.
"""

from __future__ import annotations

import os
import random
import sys
import traceback
import warnings

import numpy as np

from . import protocol

LAYOUTS = ("plain", "readonly", "strided")
"""How the kit hands the inputs over: new C-contiguous arrays, the same read-only, or strided views."""

UPDATE = (0.75, 0.0625)
"""The in-place training step of the ``update`` call: every w and b becomes ``v * 0.75 - 0.0625``."""

MAX_TEXT = 20_000


# ---------------------------------------------------------------- plain text of anything

def text(obj, limit: int = MAX_TEXT) -> str:
    """str(obj) as a plain str (never a subclass, never raising), cut at `limit` characters."""
    try:
        s = str(obj)
    except BaseException:  # noqa: BLE001  (an object whose __str__ raises: its type is all we say)
        try:
            s = f"<{type(obj).__name__} whose str() raised>"
        except BaseException:  # noqa: BLE001
            s = "<unprintable>"
    if not isinstance(s, str):
        s = "<unprintable>"
    s = str.encode(s, "utf-8", "replace").decode("utf-8")  # a plain str, whatever subclass __str__ gave
    return s if len(s) <= limit else s[:limit] + " ..."


def type_name(obj) -> str:
    try:
        return text(type(obj).__name__, 200)
    except BaseException:  # noqa: BLE001
        return "object"


# ---------------------------------------------------------------- inputs

def _handed(arr, layout):
    arr = np.array(arr, dtype=np.float64)  # a new array the function may do what it likes to
    if layout == "readonly":
        arr.setflags(write=False)
    elif layout == "strided":
        big = np.zeros(tuple(2 * n for n in arr.shape), dtype=np.float64)
        view = big[tuple(slice(None, None, 2) for _ in arr.shape)]
        view[...] = arr
        arr = view
    return arr


def fresh_args(weights, biases, activations, x, y, layout="plain") -> tuple:
    """New lists holding new copies of the arrays, in `layout`: the implementation may do what it likes to them."""
    with np.errstate(all="ignore"):  # np.seterr(all="raise") of the student's is not the kit's
        return _fresh_args(weights, biases, activations, x, y, layout)


def _fresh_args(weights, biases, activations, x, y, layout):
    return ([_handed(w, layout) for w in weights], [_handed(b, layout) for b in biases], list(activations),
            _handed(x, layout), _handed(y, layout))


def update_in_place(arrays) -> None:
    """The training loop's step: new values written into the very arrays (``v *= 0.75; v -= 0.0625``)."""
    with np.errstate(all="ignore"):  # a subnormal times 0.75 underflows: not an error of anyone's
        for arr in arrays:
            _update_one(arr)


def _update_one(arr):
    base = arr if arr.base is None else arr.base
    writable = base.flags.writeable
    base.setflags(write=True)
    arr *= UPDATE[0]
    arr -= UPDATE[1]
    base.setflags(write=writable)


# ---------------------------------------------------------------- reading a result

def read_result(result, weight_shapes, bias_shapes):
    """(None, (dC_dw, dC_db)) as new float ndarrays shaped like the weights / biases, or (sentence, None)."""
    try:
        with np.errstate(all="ignore"):
            return _read_result(result, [tuple(s) for s in weight_shapes], [tuple(s) for s in bias_shapes])
    except BaseException as exc:  # noqa: BLE001  (a lying container: len(), iteration or __array__ raised)
        return (f"reading what it returned raised {type_name(exc)}: {text(exc, 500)} (return a tuple of two "
                "lists of numpy arrays)"), None


def _read_result(result, weight_shapes, bias_shapes):
    L = len(weight_shapes)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        what = "None" if result is None else (f"a {type_name(result)} of length {len(result)}"
                                              if isinstance(result, (tuple, list)) else f"a {type_name(result)}")
        return f"it returned {what}, not a pair (dC_dw, dC_db)", None
    out = []
    for part, name, expected in ((result[0], "dC_dw", weight_shapes), (result[1], "dC_db", bias_shapes)):
        sym = "dC/dw" if name == "dC_dw" else "dC/db"
        if not isinstance(part, (list, tuple)):
            what = (f"one numpy array of shape {part.shape} (dtype {part.dtype})" if isinstance(part, np.ndarray)
                    else f"a {type_name(part)}")
            return f"{name} is {what}, expected a list (or tuple) of {L} arrays, one per layer", None
        if len(part) != L:
            return f"{name} has {len(part)} entries, expected {L} (one per layer, like the weights)", None
        arrays = []
        for l, (g, e) in enumerate(zip(list(part), expected), start=1):
            try:
                arr = np.array(g, copy=True, subok=False)  # a copy: a later call must not change what this one returned
            except BaseException as exc:  # noqa: BLE001
                return f"{sym}({l}) cannot be read as an array: {text(exc, 500)}", None
            if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
                return (f"{sym}({l}) has dtype {arr.dtype} (kind {arr.dtype.kind!r}): expected floating point "
                        "(float64)"), None
            if arr.shape != e:
                shape_name = "w" if name == "dC_dw" else "b"
                return f"{sym}({l}) has shape {arr.shape}, expected {e} like {shape_name}({l})", None
            arrays.append(np.ascontiguousarray(arr))
        out.append(arrays)
    return None, tuple(out)


# ---------------------------------------------------------------- calling

def _tb_text(exc) -> str:
    try:
        tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None  # not the kit's frame
        return text("".join(traceback.format_exception(type(exc), exc, tb)))
    except BaseException:  # noqa: BLE001
        return f"{type_name(exc)} (its traceback could not be formatted)"


def call_once(fn, args, seed: int, weight_shapes, bias_shapes, catch=Exception) -> dict:
    """One call of `fn` on `args`, the global random generators seeded with `seed`: its outcome as data.

    ``{"raised": None or {"type", "text", "traceback", "base"}, "problem": None or a sentence,
    "result": (dC_dw, dC_db) or None, "warnings": [...], "raw": the object returned}``
    """
    np.random.seed(seed % 2**32)
    random.seed(seed)
    out = {"raised": None, "problem": None, "result": None, "warnings": [], "raw": None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out["raw"] = fn(*args)
        except catch as exc:  # noqa: BLE001  (anything the implementation raises is its failure)
            out["raised"] = {"type": type_name(exc), "text": text(exc, 2000), "traceback": _tb_text(exc),
                             "base": not isinstance(exc, Exception),
                             "kind": next((k for k in ("NotImplementedError", "KeyError", "ValueError", "IndexError",
                                                      "AssertionError")
                                           if any(c.__name__ == k for c in type(exc).__mro__)), None)}
        try:
            out["warnings"] = [f"{text(w.category.__name__, 100)}: {text(w.message, 500)}" for w in caught]
        except BaseException:  # noqa: BLE001
            out["warnings"] = []
    if out["raised"] is None:
        out["problem"], out["result"] = read_result(out["raw"], weight_shapes, bias_shapes)
    return out


def _first_change(label, before, after) -> str:
    """A sentence showing the first entry of an input that changed (or how its shape or type changed)."""
    if not isinstance(after, np.ndarray):
        return f"{label} was a numpy array of shape {before.shape}; it is now a {type_name(after)}."
    if after.shape != before.shape:
        return f"{label} had shape {before.shape}; it now has shape {after.shape}."
    with np.errstate(all="ignore"):
        changed = np.argwhere(~((after == before) | (np.isnan(after) & np.isnan(before))))
    if not len(changed):
        return ""
    idx = tuple(int(i) for i in changed[0])
    return (f"{label}{list(idx)} was {float(before[idx])!r} before the call and is {float(after[idx])!r} after it "
            f"({len(changed)} of {before.size} entries changed).")


def mutation(original, args):
    """None if `args` (what the function was given) still equals `original`, else {"summary", "details"}."""
    try:
        with np.errstate(all="ignore"):
            return _mutation(original, args)
    except BaseException as exc:  # noqa: BLE001  (inputs replaced by objects that cannot even be compared)
        return {"summary": f"your function replaced its inputs with objects the kit cannot read ({type_name(exc)})",
                "details": ""}


def _mutation(original, args):
    for label, before, after in (("weights", original[0], args[0]), ("biases", original[1], args[1])):
        if len(after) != len(before):
            return {"summary": f"the list {label} you were given now has {len(after)} entries, not "
                               f"{len(before)}: your function changed it", "details": ""}
        for l, (b, a) in enumerate(zip(before, after), start=1):
            sym = "w" if label == "weights" else "b"
            if not (isinstance(a, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)):
                return {"summary": f"{label}[{l - 1}] ({sym}({l})) was modified by your function: compute new "
                                   "arrays, never write into the ones you are given (e.g. no -=, no out=) or take a "
                                   "copy first", "details": _first_change(f"{sym}({l})", b, a)}
    if list(args[2]) != original[2] or len(args[2]) != len(original[2]):
        return {"summary": f"activations was modified by your function: {original[2]} became {text(args[2], 500)}",
                "details": ""}
    for label, b, a in (("x", original[3], args[3]), ("y", original[4], args[4])):
        if not (isinstance(a, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)):
            return {"summary": f"{label} was modified by your function: never write into its inputs",
                    "details": _first_change(label, b, a)}
    return None


def _same(first, second) -> bool:
    """Whether two read results are equal entry by entry (NaN in the same place counts as the same)."""
    with np.errstate(all="ignore"):
        return all(a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
                   for a, b in zip(first[0] + first[1], second[0] + second[1]))


def run_example(fn, req: dict, *, catch=Exception, notify=None, after_call=None) -> dict:
    """The calls of one example (``req["calls"]``, a subset of first/again/update), their outcomes by name.

    `req`: ``weights, biases, activations, x, y`` (float64 arrays), ``layout`` (:data:`LAYOUTS`),
    ``seed``, ``calls``.  `notify(name)` is called before each call (the parent's clock starts);
    `after_call()` returns the forbidden modules imported so far (the worker's course rules).
    """
    notify = notify or (lambda which: None)
    after_call = after_call or (lambda: [])
    given = (req["weights"], req["biases"], req["activations"], req["x"], req["y"])
    layout, seed, calls = req.get("layout", "plain"), int(req.get("seed", 0)), req.get("calls", ("first",))
    wshapes, bshapes = [w.shape for w in given[0]], [b.shape for b in given[1]]
    original = fresh_args(*given)
    args = fresh_args(*given, layout=layout)
    handed = (list(args[0]), list(args[1]))  # the very arrays of the first call (a training loop keeps them)
    outcomes = {}
    notify("first")
    first = outcomes["first"] = call_once(fn, args, seed, wshapes, bshapes, catch)
    first["forbidden"] = after_call()
    first["mutation"] = mutation(original, args) if "no_mutation" in calls else None
    ok = first["raised"] is None and first["problem"] is None and not first["forbidden"]
    if ok and "again" in calls:
        notify("again")
        again = outcomes["again"] = call_once(fn, fresh_args(*given, layout=layout), seed + 1, wshapes, bshapes,
                                              catch)
        again["forbidden"] = after_call()
        ok = not again["forbidden"]
    if ok and "update" in calls and first["mutation"] is None:
        update_in_place(handed[0] + handed[1])
        args[0][:], args[1][:] = handed  # the same lists, holding the same (updated) arrays
        notify("update")
        upd = outcomes["update"] = call_once(fn, args, seed + 2, wshapes, bshapes, catch)  # updated_fresh's seed
        upd["forbidden"] = after_call()
        problem, earlier = read_result(first["raw"], wshapes, bshapes)
        upd["first_changed"] = problem is not None or not _same(first["result"], earlier)
        if upd["raised"] is None and upd["problem"] is None and not upd["forbidden"]:
            notify("updated_fresh")  # the same new values in new arrays: what it answers with no history
            fresh = outcomes["updated_fresh"] = call_once(
                fn, fresh_args(*handed, given[2], given[3], given[4], layout=layout), seed + 2, wshapes, bshapes,
                catch)
            fresh["forbidden"] = after_call()
    return outcomes


# ---------------------------------------------------------------- the worker process

def encode(obj):
    """Plain data for the parent: float arrays as {"__nd__": [dtype, shape, bytes]}; nothing else but builtins."""
    if isinstance(obj, np.ndarray):
        return protocol.encode_array(obj)
    if isinstance(obj, dict):
        return {text(k, 200): encode(v) for k, v in obj.items() if k != "raw"}
    if isinstance(obj, (list, tuple)):
        return [encode(v) for v in obj]
    if obj is None or type(obj) in (bool, int, float):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    return text(obj)


def _encoded(outcomes):
    try:
        return encode(outcomes)
    except BaseException as exc:  # noqa: BLE001  (the kit's own encoding failed: say so, not a crash)
        return {"error": f"the worker could not send the outcome back: {type_name(exc)}: {text(exc, 500)}"}


def send(fd: int, obj) -> None:
    protocol.write_all(fd, protocol.frame(obj))


class ImportRecorder:
    """A meta-path finder that finds nothing and notes every import of a forbidden top-level module."""

    def __init__(self, forbidden):
        self.forbidden, self.seen = set(forbidden), []

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.forbidden and top not in self.seen:
            self.seen.append(top)
        return None

    def found(self) -> list:
        present = [name for name in sorted(self.forbidden) if name in sys.modules and name not in self.seen]
        return self.seen + present


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    rfd, wfd = int(argv[0]), int(argv[1])
    fn, recorder = None, None
    try:
        while True:
            try:
                req = protocol.read_request(rfd)
            except (EOFError, OSError):
                break
            op = req.get("op")
            if op == "load":
                from .loader import ImplLoadError, load

                recorder = ImportRecorder(req.get("forbid", ()))
                already = [name for name in recorder.forbidden if name in sys.modules]
                recorder.forbidden -= set(already)  # the worker's own (numpy): cannot be told from the student's
                sys.meta_path.insert(0, recorder)
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # a SyntaxWarning in a docstring is not the student's failure
                        fn = load(req["spec"])
                    answer = {"ok": True, "forbidden": recorder.found(), "unforbiddable": already}
                except ImplLoadError as exc:
                    answer = {"ok": False, "error": text(exc)}
                except BaseException as exc:  # noqa: BLE001  (SystemExit, KeyboardInterrupt at import)
                    answer = {"ok": False, "error": f"{text(req['spec'])}: importing it raised "
                                                    f"{type_name(exc)}: {text(exc, 2000)}"}
                send(wfd, answer)
            elif op == "run":
                found = recorder.found if recorder is not None else (lambda: [])
                try:
                    outcomes = run_example(fn, req, catch=BaseException,
                                           notify=lambda which: send(wfd, {"event": "calling", "which": which}),
                                           after_call=found)
                except BaseException as exc:  # noqa: BLE001  (the kit's side failed: say so, never exit 0)
                    outcomes = {"error": f"the kit's worker failed around your function: {type_name(exc)}: "
                                         f"{text(exc, 500)} (did your code replace a numpy or Python function?)"}
                send(wfd, {"event": "done", "outcomes": _encoded(outcomes)})
            elif op == "call":  # a bare call for the diagnosis' probes: the arrays, or why not
                wshapes, bshapes = [w.shape for w in req["args"][0]], [b.shape for b in req["args"][1]]
                send(wfd, {"event": "calling", "which": "probe"})
                try:
                    out = {"probe": call_once(fn, fresh_args(*req["args"]), int(req.get("seed", 0)), wshapes,
                                              bshapes, BaseException)}
                except BaseException as exc:  # noqa: BLE001
                    out = {"error": f"the kit's worker failed around your function: {type_name(exc)}: "
                                    f"{text(exc, 500)}"}
                send(wfd, {"event": "done", "outcomes": _encoded(out)})
            else:
                break
    except BaseException:  # noqa: BLE001  (the channel itself broke)
        os._exit(70)
    os._exit(0)  # no atexit handler of the student's runs, whatever it would do


if __name__ == "__main__":
    main()
