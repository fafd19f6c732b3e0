"""The kit's engine: run every conformance check of one backprop on one drawn network.

:func:`check` calls the implementation under test on a :class:`~conformance.suite.strategies.Case`
and raises :class:`KitFailure` (an ``AssertionError``) with the whole message:
what failed, the network in the video's notation, reference against yours for
every differing entry, the oracles' verdicts, a diagnosis and a reproduction
that runs on its own.  ``KitFailure.record`` holds the same as plain data for
the JSON report.  The checks, in the order they run (``ASPECTS``):

* ``call``          it returns without raising
* ``structure``     a pair (dC_dw, dC_db) of L arrays each, shaped like weights / biases, floating point
* ``finite``        no NaN or inf where the reference is finite
* ``values``        equal to the reference within the tolerance table (``conformance/suite/tolerances.py``);
                    where it differs, torch autograd and jax.grad are asked too (when installed), and
                    agreeing with one of them is a pass (conventions at kinks belong to them)
* ``no_mutation``   none of its inputs (lists or arrays) changed
* ``deterministic`` a second call on the same inputs gives the same answer

>>> from conformance.suite.strategies import Case
>>> import numpy as np
>>> case = Case([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
>>> check(lambda *args: __import__("reference").backprop(*args), case)
>>> try:
...     check(lambda *args: None, case, frameworks=False)
... except KitFailure as failure:
...     print(failure.record["check"], "-", failure.record["summary"])
structure - it returned None, not a pair (dC_dw, dC_db)
"""

from __future__ import annotations

import dataclasses
import traceback
import warnings

import numpy as np

import reference
from conformance.suite.tolerances import Tolerance, tolerance

from .diagnosis import diagnose

try:  # the suite's running error bounds (conformance/suite/bounds.py), when present
    from conformance.suite.bounds import error_bounds
except ImportError:  # pragma: no cover - an older checkout: the plain rule alone
    error_bounds = None

ASPECTS = ("call", "structure", "finite", "values", "no_mutation", "deterministic")
MAX_ROWS = 8  # differing entries shown in a message

_FLOAT32_FALLBACK = Tolerance(rtol=2e-3, atol=1e-5, why="jax.test_util.check_grads' float32 tolerance")


class KitFailure(AssertionError):
    """A conformance failure: ``str()`` is the full message, ``record`` the same as JSON-able data.

    Both are built on first use: Hypothesis raises hundreds of failures while it
    shrinks, and only the last one (the smallest example) is ever printed, so the
    diagnosis (which calls your function on probes) runs once.
    """

    def __init__(self, build):
        super().__init__()
        self._build = build
        self._built = None

    def _get(self):
        if self._built is None:
            self._built = self._build()
        return self._built

    def __str__(self):
        return self._get()[0]

    @property
    def record(self) -> dict:
        return self._get()[1]


def _tolerance(dtype) -> Tolerance:
    name = np.dtype(dtype).name
    try:
        return tolerance(name)
    except KeyError:
        return _FLOAT32_FALLBACK if name == "float32" else tolerance("float64")


# ---------------------------------------------------------------- printing a case

def _literal(arr) -> str:
    """np.array literal at full precision (repr of each float)."""
    def rows(a):
        if a.ndim == 0:
            return repr(float(a))
        return "[" + ", ".join(rows(v) for v in a) + "]"
    return f"np.array({rows(np.asarray(arr, dtype=float))})"


def case_data(case) -> dict:
    """The case as plain JSON-able data."""
    return {
        "sizes": case.sizes, "activations": list(case.activations), "m": int(case.x.shape[0]),
        "w": [w.tolist() for w in case.weights], "b": [b.tolist() for b in case.biases],
        "x": case.x.tolist(), "y": case.y.tolist(), "describe": case.describe(),
    }


def case_in_video_notation(case) -> str:
    """The network as the video writes it: sizes, sigma per layer, w(l), b(l), x = a(0), y."""
    L = len(case.weights)
    lines = [f"  sizes    {', '.join(f'n({l})={n}' for l, n in enumerate(case.sizes))}   (L = {L}, "
             f"m = {case.x.shape[0]} example{'s' if case.x.shape[0] > 1 else ''})",
             f"  sigma    {', '.join(f'layer {l}: {n}' for l, n in enumerate(case.activations, start=1))}"]
    for l, (w, b) in enumerate(zip(case.weights, case.biases), start=1):
        lines.append(f"  w({l}) = {_literal(w)[9:-1]}   # w({l})[j, k] joins neuron k of layer {l - 1} "
                     f"to neuron j of layer {l}")
        lines.append(f"  b({l}) = {_literal(b)[9:-1]}")
    lines.append(f"  x = a(0) = {_literal(case.x)[9:-1]}   # one example per row")
    lines.append(f"  y = {_literal(case.y)[9:-1]}")
    return "\n".join(lines)


def reproduction(case, import_lines: str) -> str:
    """A script that runs on its own: the case as literals, your function, the comparison."""
    tol = _tolerance(np.float64)
    return "\n".join([
        "import copy",
        "import numpy as np",
        "from reference import backprop as reference_backprop",
        import_lines,
        "",
        f"weights = [{', '.join(_literal(w) for w in case.weights)}]",
        f"biases = [{', '.join(_literal(b) for b in case.biases)}]",
        f"activations = {list(case.activations)!r}",
        f"x = {_literal(case.x)}",
        f"y = {_literal(case.y)}",
        "",
        "ref_dw, ref_db = reference_backprop(weights, biases, activations, x, y)",
        "given = copy.deepcopy((weights, biases, activations, x, y))",
        "your_dw, your_db = yours(weights, biases, activations, x, y)",
        "your_dw, your_db = [np.array(g) for g in your_dw], [np.array(g) for g in your_db]  # before a second call",
        "for what, refs, ours in (('dC/dw', ref_dw, your_dw), ('dC/db', ref_db, your_db)):",
        "    for l, (r, g) in enumerate(zip(refs, ours), start=1):",
        f"        same = np.shape(g) == r.shape and np.allclose(g, r, rtol={tol.rtol!r}, atol={tol.atol!r})",
        "        print(f'{what}({l}):', 'same' if same else f'differs\\n  reference {r.tolist()}\\n  "
        "yours     {np.asarray(g).tolist()}')",
        "for name, before, after in zip(('weights', 'biases', 'activations', 'x', 'y'), given,",
        "                               (weights, biases, activations, x, y)):",
        "    if name == 'activations' and list(before) != list(after) or name != 'activations' and (",
        "            len(before) != len(after) or not all(np.array_equal(b, a) for b, a in zip(before, after))):",
        "        print(f'{name} was modified by your function:\\n  before {before!r}\\n  after  {after!r}')",
        "again_dw, again_db = yours(*copy.deepcopy(given))",
        "if not all(np.array_equal(a, b) for a, b in zip(your_dw + your_db, list(again_dw) + list(again_db))):",
        "    print('a second call with the same inputs gave a different answer')",
    ])


def _import_lines_for(fn) -> str:
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if module and module != "__main__" and name.isidentifier():
        return f"from {module} import {name} as yours"
    return "yours = ...  # your backprop function"


# ---------------------------------------------------------------- calling

def fresh_args(case) -> tuple:
    """New lists holding copies of the case's arrays: the implementation may do what it likes to them."""
    return ([w.copy() for w in case.weights], [b.copy() for b in case.biases], list(case.activations),
            case.x.copy(), case.y.copy())


def _call(impl, args):
    """(result, exception or None, traceback text, warnings as text)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return impl(*args), None, "", [f"{w.category.__name__}: {w.message}" for w in caught]
        except Exception as exc:  # noqa: BLE001  (anything the implementation raises is its failure)
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__.tb_next))  # not the kit's frame
            return None, exc, tb, [f"{w.category.__name__}: {w.message}" for w in caught]


def _structure_problem(result, case):
    """None when result is a pair of L floating arrays shaped like weights / biases, else a sentence."""
    L = len(case.weights)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        what = "None" if result is None else (f"a {type(result).__name__} of length {len(result)}"
                                              if isinstance(result, (tuple, list)) else f"a {type(result).__name__}")
        return f"it returned {what}, not a pair (dC_dw, dC_db)", None
    out = []
    for part, name, expected in ((result[0], "dC_dw", case.weights), (result[1], "dC_db", case.biases)):
        sym = "dC/dw" if name == "dC_dw" else "dC/db"
        if not isinstance(part, (list, tuple)):
            what = (f"one numpy array of shape {part.shape} (dtype {part.dtype})" if isinstance(part, np.ndarray)
                    else f"a {type(part).__name__}")
            return f"{name} is {what}, expected a list (or tuple) of {L} arrays, one per layer", None
        if len(part) != L:
            return f"{name} has {len(part)} entries, expected {L} (one per layer, like the weights)", None
        arrays = []
        for l, (g, e) in enumerate(zip(part, expected), start=1):
            try:
                arr = np.asarray(g)
            except Exception as exc:  # noqa: BLE001
                return f"{sym}({l}) cannot be read as an array: {exc}", None
            if arr.dtype.kind != "f":
                return (f"{sym}({l}) has dtype {arr.dtype} (kind {arr.dtype.kind!r}): expected floating point "
                        "(float64)"), None
            if arr.shape != e.shape:
                shape_name = "w" if name == "dC_dw" else "b"
                return f"{sym}({l}) has shape {arr.shape}, expected {e.shape} like {shape_name}({l})", None
            arrays.append(arr.copy())  # a copy: a later call must not change what this one returned
        out.append(arrays)
    return None, tuple(out)


def _first_change(label, before, after) -> str:
    """A sentence showing the first entry of an input that changed (or how its shape or type changed)."""
    if not isinstance(after, np.ndarray):
        return f"{label} was a numpy array of shape {before.shape}; it is now a {type(after).__name__}."
    if after.shape != before.shape:
        return f"{label} had shape {before.shape}; it now has shape {after.shape}."
    with np.errstate(all="ignore"):
        changed = np.argwhere(~((after == before) | (np.isnan(after) & np.isnan(before))))
    if not len(changed):
        return ""
    idx = tuple(int(i) for i in changed[0])
    return (f"{label}{list(idx)} was {float(before[idx])!r} before the call and is {float(after[idx])!r} after it "
            f"({len(changed)} of {before.size} entries changed).")


def _index_text(sym, l, idx):
    if len(idx) == 2:
        return f"{sym}({l})[j={idx[0]}, k={idx[1]}]"
    return f"{sym}({l})[j={idx[0]}]"


class Rule:
    """Whether yours may differ from the reference by this much, entry by entry, on one case.

    An entry passes under the table's plain rule (|yours - ref| <= atol + rtol |ref|) *or*
    under the suite's conformance rule (|yours - ref| <= atol + safety * B, B the running
    error bound of that entry, :mod:`conformance.suite.bounds`), which is what keeps a correct
    implementation that sums in another order from failing where the network cancels.
    The bound is taken with no underflow floor: a z that is *exactly* 0 because everything
    feeding it is 0 has no rounding error, so relu'(0) = 1 still shows there.
    """

    def __init__(self, case, tol: Tolerance):
        self.case, self.tol, self._bounds = case, tol, None

    def bounds(self):
        if self._bounds is None and error_bounds is not None:
            try:
                args = self.case.args()
                trace = reference.backprop_trace(*args)
                b = error_bounds(*args, trace, dataclasses.replace(self.tol, floor=0.0))
                self._bounds = (b["dC_dw"], b["dC_db"])
            except Exception:  # noqa: BLE001  (a changed bounds API: fall back to the plain rule)
                self._bounds = False
        return self._bounds or None

    def excess(self, ours, ref, part: int, l: int):
        with np.errstate(all="ignore"):
            plain = self.tol.excess(ours, ref)
            if not np.any(plain > 1) or self.bounds() is None or "scale" not in _EXCESS_PARAMS:
                return plain
            bound = self.tol.excess(ours, ref, scale=self.bounds()[part][l - 1])
        return np.minimum(plain, bound)

    def describe(self) -> str:
        text = f"|yours - reference| <= {self.tol.atol:g} + {self.tol.rtol:g} |reference|"
        return text + (" or within the entry's rounding-error bound" if error_bounds is not None else "")


def _excess_params():
    import inspect
    return set(inspect.signature(Tolerance.excess).parameters)


_EXCESS_PARAMS = _excess_params()


def _differences(ref, yours, rule):
    """(rows of text, records) for every entry outside the tolerance, worst first; and the count."""
    found = []
    total = 0
    for part, (sym, refs, ours) in enumerate((("dC/dw", ref[0], yours[0]), ("dC/db", ref[1], yours[1]))):
        for l, (r, g) in enumerate(zip(refs, ours), start=1):
            total += r.size
            excess = rule.excess(g, r, part, l)
            excess = np.where(np.isnan(excess), np.inf, excess)
            for idx in zip(*np.nonzero(excess > 1)):
                found.append((float(excess[idx]), sym, l, tuple(int(i) for i in idx), float(r[idx]), float(g[idx])))
    found.sort(key=lambda t: -t[0])
    rows = [f"  {_index_text(sym, l, idx)}: reference {rv!r}, yours {gv!r}" for _, sym, l, idx, rv, gv in found]
    records = [{"tensor": f"{sym}({l})", "index": list(idx), "reference": rv, "yours": gv}
               for _, sym, l, idx, rv, gv in found]
    return rows, records, total


def _frameworks():
    """{name: backprop} of the frameworks importable here (JAX only in x64 mode, so float64)."""
    found = {}
    try:
        from adapters import torch_adapter
        found["torch autograd"] = torch_adapter.backprop
    except ImportError:
        pass
    try:
        import jax
        if jax.config.jax_enable_x64:
            from adapters import jax_adapter
            found["jax.grad"] = lambda *args: jax_adapter.backprop(
                *args, pad_to=(max(6, *[n for n in _sizes(args)]), max(8, args[3].shape[0])))
    except ImportError:
        pass
    return found


def _sizes(args):
    return [args[0][0].shape[1]] + [w.shape[0] for w in args[0]]


def _fresh_copy_passes(spec, case, ref) -> bool:
    """Whether the function, from a newly executed copy of its module, gets `case` right (shape and values)."""
    from .loader import load_fresh
    fresh = load_fresh(spec)
    if fresh is None:
        return False
    result, exc, _, _ = _call(fresh, fresh_args(case))
    if exc is not None:
        return False
    problem, yours = _structure_problem(result, case)
    if problem or not all(np.isfinite(g).all() for g in yours[0] + yours[1]):
        return False
    return not _differences(ref, yours, Rule(case, _tolerance(np.result_type(*yours[0], *yours[1]))))[0]


# ---------------------------------------------------------------- the check

def check(impl, case, *, aspects=ASPECTS, spec=None, frameworks=True):
    """Run the checks named in `aspects` (always in ``ASPECTS`` order) of `impl` on `case`.

    `spec` is the :class:`conformance.kit.loader.ImplSpec` the implementation was loaded from
    (for the reproduction's import line), or None.  Raises :class:`KitFailure`.
    """
    __tracebackhide__ = True
    name = spec.text if spec is not None else getattr(impl, "__name__", repr(impl))
    import_lines = spec.import_lines() if spec is not None else _import_lines_for(impl)
    ref = reference.backprop(*case.args())
    args = fresh_args(case)
    result, exc, tb, warned = _call(impl, args)

    def fail(check_name, summary, details="", differences=None, diagnosis=False, oracles=None):
        __tracebackhide__ = True
        raise KitFailure(lambda: _message(check_name, summary, details, differences, diagnosis, oracles))

    def _message(check_name, summary, details, differences, diagnosis, oracles):
        diagnosis = diagnose(case, impl) if diagnosis else None
        if diagnosis is not None and spec is not None and _fresh_copy_passes(spec, case, ref):
            diagnosis = ("A fresh copy of your module, imported anew, answers this example correctly: your function "
                         "went wrong only after the calls before it, so it keeps state between calls (a cache, a "
                         "module-level buffer, a global), and the reproduction below may pass on its own.")
        parts = [f"backprop under test: {name}",
                 f"FAILED check '{check_name}': {summary}",
                 f"network: {case.describe()}",
                 "", "The smallest failing example Hypothesis found, in the video's notation:",
                 case_in_video_notation(case)]
        if details:
            parts += ["", details]
        if warned:
            parts += ["", "Your function warned: " + "; ".join(dict.fromkeys(warned))]
        if oracles:
            parts += ["", "Oracles: " + "; ".join(f"{k}: {v}" for k, v in oracles.items())]
        if diagnosis:
            parts += ["", "Diagnosis: " + diagnosis]
        repro = reproduction(case, import_lines)
        parts += ["", "Reproduce (run from the backprop-reference checkout, or with it installed):",
                  "\n".join("    " + line for line in repro.splitlines())]
        record = {"check": check_name, "summary": summary, "implementation": name, "case": case_data(case),
                  "differences": differences or [], "diagnosis": diagnosis, "oracles": oracles or {},
                  "warnings": list(dict.fromkeys(warned)), "reproduction": repro}
        record["message"] = "\n".join(parts)
        return record["message"], record

    if exc is not None:
        hint = ""
        if isinstance(exc, NotImplementedError):
            hint = "\nIt is not written yet: fill in the TODOs (see the docstring for the contract)."
        if isinstance(exc, (KeyError, ValueError, NotImplementedError)):
            hint += (f"\nIf your backprop supports only some activations (this network uses "
                     f"{', '.join(dict.fromkeys(case.activations))}), draw only those: pytest --impl=... "
                     "--activations=LIST, e.g. --activations=sigmoid,identity.")
        if isinstance(exc, (KeyError, ValueError, NotImplementedError, IndexError, AssertionError)):
            hint += (f"\nIf your backprop supports only one architecture (this network is "
                     f"{'-'.join(map(str, case.sizes))}, {len(case.weights)} layer{'s' * (len(case.weights) > 1)}), "
                     f"check exactly yours: --sizes=N0,N1,...,NL (e.g. --sizes=784,16,16,10), or restrict what "
                     "is drawn: --depth=L (the number of layers it supports), --max-width=N, --max-batch=M.")
        fail("call", f"it raised {type(exc).__name__}: {exc}", "Traceback of your function:\n" + tb.rstrip() + hint)
    problem, yours = _structure_problem(result, case)
    if problem:
        fail("structure", problem, diagnosis="shape" in problem)
    dtype = np.result_type(*yours[0], *yours[1])
    tol = _tolerance(dtype)
    rule = Rule(case, tol)
    if "finite" in aspects or "values" in aspects:
        for sym, refs, ours in (("dC/dw", ref[0], yours[0]), ("dC/db", ref[1], yours[1])):
            for l, (r, g) in enumerate(zip(refs, ours), start=1):
                bad = ~np.isfinite(g) & np.isfinite(r)
                if bad.any():
                    idx = tuple(int(i) for i in np.argwhere(bad)[0])
                    what = "NaN" if np.isnan(g[idx]) else "inf"
                    fail("finite", f"{_index_text(sym, l, idx)} is {what} where the reference is finite "
                         f"({float(r[idx])!r})", diagnosis=True)
    if "values" in aspects:
        rows, records, total = _differences(ref, yours, rule)
        if rows and dtype == np.float32:  # float32 sees the inputs rounded: a tiny b or x may become 0 (relu's kink)
            case32 = case.rounded(np.float32)
            if not _differences(reference.backprop(*case32.args()), yours, Rule(case32, tol))[0]:
                rows = []  # the reference on the same float32-rounded inputs agrees, as in the suite's float32 runs
        if rows:
            oracles = {"reference": "differs from yours"}
            if frameworks:
                for fw, fn in _frameworks().items():
                    try:
                        theirs = fn(*case.args())
                    except Exception as fexc:  # noqa: BLE001
                        oracles[fw] = f"could not run ({type(fexc).__name__}: {fexc})"
                        continue
                    agrees_ref = not _differences(ref, theirs, rule)[0]
                    agrees_yours = not _differences(theirs, yours, rule)[0]
                    if agrees_yours:
                        return  # a framework's convention at this point: not held against you
                    oracles[fw] = "agrees with the reference" if agrees_ref else "differs from both"
            shown = rows[:MAX_ROWS]
            more = f"\n  ... {len(rows) - MAX_ROWS} more" if len(rows) > MAX_ROWS else ""
            details = (f"Reference against yours, every entry outside {rule.describe()} "
                       f"({len(rows)} of {total} entries differ):\n"
                       + "\n".join(shown) + more)
            fail("values", "your gradients differ from the reference's", details, differences=records,
                 diagnosis=True, oracles=oracles)
    if "no_mutation" in aspects:
        original = fresh_args(case)
        for label, before, after in (("weights", original[0], args[0]), ("biases", original[1], args[1])):
            if len(after) != len(before):
                fail("no_mutation", f"the list {label} you were given now has {len(after)} entries, not "
                     f"{len(before)}: your function changed it")
            for l, (b, a) in enumerate(zip(before, after), start=1):
                sym = "w" if label == "weights" else "b"
                if not (isinstance(a, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)):
                    fail("no_mutation", f"{label}[{l - 1}] ({sym}({l})) was modified by your function: "
                         "compute new arrays, never write into the ones you are given (e.g. no -=, no "
                         "out=) or take a copy first", _first_change(f"{sym}({l})", b, a))
        if list(args[2]) != original[2] or len(args[2]) != len(original[2]):
            fail("no_mutation", f"activations was modified by your function: {original[2]} became {args[2]}")
        for label, b, a in (("x", original[3], args[3]), ("y", original[4], args[4])):
            if not np.array_equal(a, b):
                fail("no_mutation", f"{label} was modified by your function: never write into its inputs",
                     _first_change(label, b, a))
    if "deterministic" in aspects:
        again, exc2, tb2, _ = _call(impl, fresh_args(case))
        if exc2 is not None:
            fail("deterministic", f"the second call with the same inputs raised {type(exc2).__name__}: {exc2}",
                 "Traceback:\n" + tb2.rstrip())
        problem2, second = _structure_problem(again, case)
        if problem2:
            fail("deterministic", f"the second call with the same inputs returned something else: {problem2}")
        rows2, _, _ = _differences(yours, second, Rule(case, tol))
        if rows2:
            fail("deterministic", "a second call with the same inputs gave a different answer (state kept "
                 "between calls? gradients accumulated with += across calls?)",
                 "First call against second call:\n" + "\n".join(r.replace("reference", "first").replace(
                     "yours", "second") for r in rows2[:MAX_ROWS]))
