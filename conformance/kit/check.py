"""The kit's engine: run every conformance check of one backprop on one drawn network.

:func:`check` calls the implementation under test on a :class:`~conformance.core.strategies.Case`
and raises :class:`KitFailure` (an ``AssertionError``) with the whole message:
what failed, the network in the video's notation, reference against yours for
every differing entry, the oracles' verdicts, a diagnosis and a reproduction
that runs on its own.  ``KitFailure.record`` holds the same as plain data for
the JSON report.  The checks, in the order they run (``ASPECTS``):

* ``call``          it returns without raising, exiting, crashing, hanging (the call limit) or
                    outgrowing the memory limit, and imports nothing the course forbids
* ``structure``     a pair (dC_dw, dC_db) of L arrays each, shaped like weights / biases, floating point
* ``finite``        no NaN or inf where the reference is finite
* ``values``        equal to the reference within the tolerance table (``conformance/core/tolerances.py``);
                    where it differs, torch autograd and jax.grad are asked too (when installed), and
                    agreeing with one of them is a pass (conventions at kinks belong to them)
* ``no_mutation``   none of its inputs (lists or arrays) changed
* ``deterministic`` a second call on the same inputs, numpy's global random state another, gives the
                    same answer (NaN in the same place is the same answer)
* ``updated_inputs``      after the kit writes new values into the very arrays it passed (a training
                          loop's step), a call answers for the new values
* ``independent_results`` what the first call returned has not changed by then (no output buffer reused)

Each check is a small function of one :class:`Run` (``CHECKS``) returning a :class:`Finding` or None;
one writer (:func:`_write`) turns a finding into the message and the record.  The calls themselves
are made by :func:`conformance.kit.worker.run_example`: in a worker process for a SPEC
(:class:`conformance.kit.isolation.IsolatedImpl`), in this process for a plain callable (:class:`InProcess`).

>>> from conformance.core.strategies import Case
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
import random
import zlib

import numpy as np

import reference
from conformance.core.naming import case_in_video_notation  # noqa: F401  (the kit's messages)
from conformance.core.naming import entry_name as _index_text
from conformance.core.naming import literal as _literal
from conformance.core.tolerances import Tolerance, tolerance

from . import worker as _w
from .diagnosis import diagnose
from .isolation import IsolatedImpl

try:  # the suite's running error bounds (conformance/core/bounds.py), when present
    from conformance.core.bounds import error_bounds
except ImportError:  # pragma: no cover - an older checkout: the plain rule alone
    error_bounds = None

ASPECTS = ("call", "structure", "finite", "values", "no_mutation", "deterministic", "updated_inputs",
           "independent_results")
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

def case_data(case) -> dict:
    """The case as plain JSON-able data."""
    return {
        "sizes": case.sizes, "activations": list(case.activations), "m": int(case.x.shape[0]),
        "w": [w.tolist() for w in case.weights], "b": [b.tolist() for b in case.biases],
        "x": case.x.tolist(), "y": case.y.tolist(), "describe": case.describe(),
    }


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
        "if not all(np.array_equal(a, np.asarray(b), equal_nan=True)  # NaN in the same place: the same answer",
        "           for a, b in zip(your_dw + your_db, list(again_dw) + list(again_db))):",
        "    print('a second call with the same inputs gave a different answer')",
    ])


def _import_lines_for(fn) -> str:
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if module and module != "__main__" and name.isidentifier():
        return f"from {module} import {name} as yours"
    return "yours = ...  # your backprop function"


# ---------------------------------------------------------------- calling

def fresh_args(case, layout="plain") -> tuple:
    """New lists holding copies of the case's arrays: the implementation may do what it likes to them."""
    return _w.fresh_args(*case.args(), layout=layout)


def example_seed(case) -> int:
    """The seed of numpy's and Python's global generators for the first call (the second gets seed + 1)."""
    return zlib.crc32(b"".join(np.ascontiguousarray(a).tobytes() for a in (case.x, case.y, *case.weights)))


def calls_for(aspects) -> list:
    """What :func:`conformance.kit.worker.run_example` must do for these checks."""
    calls = ["first"]
    if "no_mutation" in aspects:
        calls.append("no_mutation")
    if "deterministic" in aspects:
        calls.append("again")
    if "updated_inputs" in aspects or "independent_results" in aspects:
        calls.append("update")
    return calls


class InProcess:
    """A plain callable, called in this very process: no isolation, no limits.

    What the meta-tests and the notebook API use (a function defined in a notebook cannot be
    imported by a worker).  The function under test shares this process with the reference, the
    tolerances and Hypothesis, and can change them; a SPEC (``--impl``, ``backprop-check``) is
    checked through :class:`conformance.kit.isolation.IsolatedImpl` instead.
    """

    forbidden_at_import = ()

    def __init__(self, fn, spec=None):
        self.fn, self.spec = fn, spec

    def run(self, case, calls, layout="plain", seed=0) -> dict:
        state, pystate = np.random.get_state(), random.getstate()
        try:
            return _w.run_example(self.fn, _request(case, calls, layout, seed))
        finally:
            np.random.set_state(state)
            random.setstate(pystate)

    def probe(self):
        return self.fn

    def fresh(self):
        """The function from a newly executed copy of its module, or None."""
        from .loader import load_fresh
        fn = load_fresh(self.spec) if self.spec is not None else None
        return InProcess(fn, self.spec) if fn is not None else None


def _request(case, calls, layout, seed) -> dict:
    return {"weights": list(case.weights), "biases": list(case.biases), "activations": list(case.activations),
            "x": case.x, "y": case.y, "layout": layout, "seed": int(seed), "calls": list(calls)}


def _runner(impl, spec):
    return impl if isinstance(impl, IsolatedImpl) else InProcess(impl, spec)



class Rule:
    """Whether yours may differ from the reference by this much, entry by entry, on one case.

    An entry passes under the table's plain rule (|yours - ref| <= atol + rtol |ref|) *or*
    under the suite's conformance rule (|yours - ref| <= atol + safety * B, B the running
    error bound of that entry, :mod:`conformance.core.bounds`), which is what keeps a correct
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


JAX_X64_ON_DEMAND = False
"""Set by the kit's plugin in a kit session: JAX is imported (and put in float64) only when an oracle is
needed, not at start-up (seconds saved on every run that passes or fails before the values check)."""


def _frameworks():
    """{title: backprop} of the registry's frameworks importable here (conformance/core/frameworks.py).

    JAX joins only in float64: in a kit session (``JAX_X64_ON_DEMAND``) its registry entry turns x64 on
    when first asked; elsewhere (the notebook API) only if the caller has x64 on already, so that the
    kit never flips a setting of the caller's session.
    """
    import sys

    from conformance.core import frameworks

    jax = sys.modules.get("jax")
    skip_jax = not JAX_X64_ON_DEMAND and not (jax is not None and jax.config.jax_enable_x64)
    return {(fw.title or fw.name): fw.backprop for fw in frameworks.known()
            if not (skip_jax and fw.name == "jax") and fw.availability()[0]}


# ---------------------------------------------------------------- the checks

@dataclasses.dataclass
class Finding:
    """What one check found wrong: the check's name, a one-line summary, the rest of the message."""

    check: str
    summary: str
    details: str = ""
    differences: list = None
    diagnosis: bool = False
    oracles: dict = None
    stop: bool = False  # ends the search: a timeout, a memory limit, a forbidden import (the same every time)


class KitStop(BaseException):  # noqa: N818  (not an error of the kit: a way out of Hypothesis)
    """Carries a :class:`KitFailure` through Hypothesis, which catches only Exception: no shrinking, no more calls.

    :func:`conformance.kit.properties.build` turns it back into the KitFailure.
    """

    def __init__(self, failure):
        super().__init__()
        self.failure = failure


@dataclasses.dataclass
class Run:
    """One example's calls and what the checks need of them."""

    case: object
    aspects: tuple
    runner: object
    name: str
    import_lines: str
    layout: str
    dtype: object
    frameworks: bool
    outcomes: dict
    ref: tuple = None
    tol: Tolerance = None

    def outcome(self, which):
        return self.outcomes.get(which)

    @property
    def first(self):
        return self.outcomes["first"]

    def tolerance_for(self, yours):
        dtype = self.dtype if self.dtype is not None else np.result_type(*yours[0], *yours[1])
        return _tolerance(dtype), np.dtype(dtype) == np.float32


_CALLED = {"first": "", "again": " on the second call (the same inputs again)",
           "update": " on the call after the inputs were updated in place",
           "updated_fresh": " on the call with the updated values in new arrays",
           "import": " while your module was imported"}


def _stopped(run):
    stop = run.outcomes.get("stopped")
    if not stop:
        return None
    if stop["cause"] == "timeout":
        return Finding("call", stop["detail"], stop=True)
    if stop["cause"] == "memory":
        return Finding("call", f"{stop['detail']}{_CALLED.get(stop['during'], '')}", stop=True)
    return Finding("call", f"no answer from your function{_CALLED.get(stop['during'], '')}: {stop['detail']}",
                   "The kit runs your function in a separate process and starts a new one for the next example.")


def _forbidden(run):
    at_import = list(run.runner.forbidden_at_import or ())
    later = [n for which in ("first", "again", "update") for n in ((run.outcome(which) or {}).get("forbidden") or [])
             if n not in at_import]
    names = list(dict.fromkeys(at_import + later))
    if not names:
        return None
    when = "when it was imported" if at_import else "during a call"
    forbid = ",".join(getattr(run.runner, "forbid", ()) or names)
    return Finding("call", f"your code imported {', '.join(names)} {when}, which this course forbids "
                   f"(--forbid-imports={forbid})", "Write the backprop with numpy alone: no reference "
                   "implementation, no framework's autograd.", stop=True)


def _raised_finding(raised, layout, case):
    hint = ""
    if raised["kind"] == "NotImplementedError":
        hint = "\nIt is not written yet: fill in the TODOs (see the docstring for the contract)."
    if raised["kind"] in ("KeyError", "ValueError", "NotImplementedError"):
        hint += (f"\nIf your backprop supports only some activations (this network uses "
                 f"{', '.join(dict.fromkeys(case.activations))}), draw only those: pytest --impl=... "
                 "--activations=LIST, e.g. --activations=sigmoid,identity.")
    if raised["kind"] in ("KeyError", "ValueError", "NotImplementedError", "IndexError", "AssertionError"):
        L = len(case.weights)
        hint += (f"\nIf your backprop supports only one architecture (this network is "
                 f"{'-'.join(map(str, case.sizes))}, {L} layer{'s' * (L > 1)}), check exactly yours: "
                 "--sizes=N0,N1,...,NL (e.g. --sizes=784,16,16,10), or restrict what is drawn: "
                 "--depth=L (the number of layers it supports), --max-width=N, --max-batch=M.")
    if layout == "readonly" and "read-only" in raised["text"]:
        hint += ("\nThe kit handed you read-only arrays this time: your function writes into its inputs (even if it "
                 "restores them afterwards, a caller's arrays are not yours to write): compute new arrays.")
    if raised.get("base"):
        hint += (f"\n{raised['type']} is not an Exception: a backprop must return its gradients, never end the "
                 "program or interrupt it.")
    return hint


def _raised(run):
    raised = run.first["raised"]
    later = [(which, (run.outcome(which) or {}).get("raised")) for which in ("again", "update", "updated_fresh")]
    if raised is None:  # SystemExit, KeyboardInterrupt... on a later call: still the call check's
        which, raised = next(((w, r) for w, r in later if r is not None and r.get("base")), (None, None))
        if raised is None:
            return None
        return Finding("call", f"it raised {raised['type']}{_CALLED.get(which, '')}"
                       + (f": {raised['text']}" if raised["text"] else ""),
                       "Traceback of your function:\n" + raised["traceback"].rstrip()
                       + _raised_finding(raised, run.layout, run.case))
    return Finding("call", f"it raised {raised['type']}" + (f": {raised['text']}" if raised["text"] else ""),
                   "Traceback of your function:\n" + raised["traceback"].rstrip()
                   + _raised_finding(raised, run.layout, run.case))


def _structure(run):
    problem = run.first["problem"]
    return Finding("structure", problem, diagnosis="shape" in problem) if problem else None


def _yours(run, which="first"):
    result = run.outcome(which)["result"]
    return [list(result[0]), list(result[1])]


def _finite(run):
    yours = _yours(run)
    for sym, refs, ours in (("dC/dw", run.ref[0], yours[0]), ("dC/db", run.ref[1], yours[1])):
        for l, (r, g) in enumerate(zip(refs, ours), start=1):
            bad = ~np.isfinite(g) & np.isfinite(r)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                what = "NaN" if np.isnan(g[idx]) else "inf"
                return Finding("finite", f"{_index_text(sym, l, idx)} is {what} where the reference is finite "
                               f"({float(r[idx])!r})", diagnosis=True)
    return None


def _value_rows(run, case, ref, yours):
    """(rows, records, total, oracles): yours against ref on `case`, nothing when a framework agrees with yours."""
    tol, is32 = run.tolerance_for(yours)
    rule = Rule(case, tol)
    rows, records, total = _differences(ref, yours, rule)
    if rows and is32:  # float32 sees the inputs rounded: a tiny b or x may become 0 (relu's kink)
        case32 = case.rounded(np.float32)
        if not _differences(reference.backprop(*case32.args()), yours, Rule(case32, tol))[0]:
            rows = []  # the reference on the same float32-rounded inputs agrees, as in the suite's float32 runs
    if not rows:
        return [], [], total, None
    oracles = {"reference": "differs from yours"}
    if run.frameworks:
        for fw, fn in _frameworks().items():
            try:
                theirs = fn(*case.args())
            except Exception as fexc:  # noqa: BLE001
                oracles[fw] = f"could not run ({type(fexc).__name__}: {fexc})"
                continue
            if not _differences(theirs, yours, rule)[0]:
                return [], [], total, None  # a framework's convention at this point: not held against you
            oracles[fw] = "agrees with the reference" if not _differences(ref, theirs, rule)[0] else "differs from both"
    return rows, records, total, oracles


def _rows_text(rows, rule_text, total):
    more = f"\n  ... {len(rows) - MAX_ROWS} more" if len(rows) > MAX_ROWS else ""
    return (f"Reference against yours, every entry outside {rule_text} ({len(rows)} of {total} entries differ):\n"
            + "\n".join(rows[:MAX_ROWS]) + more)


def _values(run):
    yours = _yours(run)
    rows, records, total, oracles = _value_rows(run, run.case, run.ref, yours)
    if not rows:
        return None
    rule = Rule(run.case, run.tolerance_for(yours)[0])
    details = _rows_text(rows, rule.describe(), total)
    returned = np.result_type(*yours[0], *yours[1])
    if run.dtype is not None and returned != np.dtype(run.dtype):
        details = (f"Your function returned {returned} arrays; the grader fixed the tolerance to {run.dtype}'s "
                   f"(--dtype={run.dtype}).\n" + details)
    return Finding("values", "your gradients differ from the reference's", details,
                   differences=records, diagnosis=True, oracles=oracles)


def _no_mutation(run):
    found = run.first.get("mutation")
    if not found:
        return None
    return Finding("no_mutation", found["summary"], found["details"])


def _same_answer_rows(first, second, rule):
    """Rows where `second` differs from `first` (NaN against NaN, inf against the same inf: the same answer)."""
    a_list, b_list = [], []
    for a, b in zip(first[0] + first[1], second[0] + second[1]):
        with np.errstate(all="ignore"):
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        a_list.append(np.where(same, 0.0, a))
        b_list.append(np.where(same, 0.0, b))
    L = len(first[0])
    return _differences((a_list[:L], a_list[L:]), (b_list[:L], b_list[L:]), rule)[0]


def _deterministic(run):
    again = run.outcome("again")
    if again is None:
        return None
    if again["raised"] is not None:
        raised = again["raised"]
        return Finding("deterministic", f"the second call with the same inputs raised {raised['type']}: "
                       f"{raised['text']}", "Traceback:\n" + raised["traceback"].rstrip())
    if again["problem"]:
        return Finding("deterministic", f"the second call with the same inputs returned something else: "
                       f"{again['problem']}")
    yours, second = _yours(run), _yours(run, "again")
    rows = _same_answer_rows(yours, second, Rule(run.case, run.tolerance_for(yours)[0]))
    if rows:
        return Finding("deterministic", "a second call with the same inputs gave a different answer (state kept "
                       "between calls? gradients accumulated with += across calls? numpy's global random state, "
                       "which differs between the two calls?)",
                       "First call against second call:\n" + "\n".join(r.replace("reference", "first").replace(
                           "yours", "second") for r in rows[:MAX_ROWS]))
    return None


def updated_case(case):
    """The case after the update call's in-place step (:data:`conformance.kit.worker.UPDATE`)."""
    k, d = _w.UPDATE
    return case.with_params([w * k - d for w in case.weights], [b * k - d for b in case.biases])


_TRAINING_STEP = (f"The kit called your function, then wrote new values into the very weight and bias arrays it had "
                  f"passed (w *= {_w.UPDATE[0]}; w -= {_w.UPDATE[1]}, in place, as a training loop's "
                  "w -= eta * dC/dw does) and called it again with the same lists; then once more with the same new "
                  "values in new arrays.")


def _updated_inputs(run):
    upd, fresh = run.outcome("update"), run.outcome("updated_fresh")
    if upd is None:
        return None
    if upd["raised"] is not None:
        raised = upd["raised"]
        return Finding("updated_inputs", f"after its inputs were updated in place, it raised {raised['type']}: "
                       f"{raised['text']}", _TRAINING_STEP + "\nTraceback:\n" + raised["traceback"].rstrip())
    if upd["problem"]:
        return Finding("updated_inputs", f"after its inputs were updated in place, it returned something else: "
                       f"{upd['problem']}", _TRAINING_STEP)
    if fresh is None or fresh["raised"] is not None or fresh["problem"]:
        return None  # new arrays of the new values fail by themselves: the other properties say so
    in_place, anew = _yours(run, "update"), _yours(run, "updated_fresh")
    rows = _same_answer_rows(anew, in_place, Rule(updated_case(run.case), run.tolerance_for(anew)[0]))
    if not rows:
        return None
    return Finding("updated_inputs", "after its inputs were updated in place, it did not answer for the new values: "
                   "it gave another answer than for the same values in new arrays (a cache keyed on id() or on the "
                   "arrays themselves, kept from the previous call?)",
                   _TRAINING_STEP + " The network below is the one before the step.\nNew arrays against updated "
                   "in place:\n" + "\n".join(r.replace("reference", "new arrays").replace("yours", "in place")
                                              for r in rows[:MAX_ROWS]))


def _independent_results(run):
    upd = run.outcome("update")
    if upd is None or not upd.get("first_changed"):
        return None
    return Finding("independent_results", "the arrays your first call returned changed when the kit called your "
                   "function again: it reuses its output arrays across calls (a module-level buffer, a cached "
                   "array returned as is), so a caller who keeps one step's gradients (momentum, logging) sees "
                   "them overwritten: return new arrays from every call", _TRAINING_STEP)


CHECKS = (("call", _stopped), ("call", _forbidden), ("call", _raised), ("structure", _structure),
          ("finite", _finite), ("values", _values), ("no_mutation", _no_mutation),
          ("deterministic", _deterministic), ("updated_inputs", _updated_inputs),
          ("independent_results", _independent_results))
"""The checks in the order they run: (aspect, check); call and structure always run."""


# ---------------------------------------------------------------- the one message writer

_LAYOUT_NOTES = {
    "readonly": "In this example the kit handed your function read-only arrays (arr.flags.writeable is False); "
                "the reproduction below passes writable ones.",
    "strided": "In this example the kit handed your function strided views (every other entry of a larger "
               "array, not C-contiguous); the reproduction below passes contiguous arrays.",
}


def _write(run: Run, found: Finding):
    """(message, record) of a failure: what failed, the network, the details, oracles, diagnosis, reproduction."""
    case, first = run.case, run.outcomes.get("first") or {}
    warned = list(dict.fromkeys(first.get("warnings") or []))
    failure = {"check": found.check, "summary": found.summary, "raised": first.get("raised"),
               "problem": first.get("problem"), "layout": run.layout}
    diagnosis = diagnose(case, run.runner.probe(), failure=failure) if found.diagnosis else None
    stopped = getattr(run.runner, "_probe_stopped", None)
    if diagnosis is not None and stopped:
        diagnosis += (f"\n(The diagnosis runs your function on a few generic networks; on one of them {stopped}, so "
                      "it judged from the failing example alone.)")
    elif diagnosis is not None and _fresh_copy_passes(run):
        diagnosis = ("A fresh copy of your module, imported anew, answers this example correctly: your function "
                     "went wrong only after the calls before it, so it keeps state between calls (a cache, a "
                     "module-level buffer, a global), and the reproduction below may pass on its own.")
    parts = [f"backprop under test: {run.name}",
             f"FAILED check '{found.check}': {found.summary}",
             f"network: {case.describe()}",
             "", ("The example it failed on (the search stopped there: no shrinking), in the video's notation:"
                  if found.stop else "The smallest failing example Hypothesis found, in the video's notation:"),
             case_in_video_notation(case)]
    if found.details:
        parts += ["", found.details]
    if run.layout in _LAYOUT_NOTES:
        parts += ["", _LAYOUT_NOTES[run.layout]]
    if warned:
        parts += ["", "Your function warned: " + "; ".join(warned)]
    if found.oracles:
        parts += ["", "Oracles: " + "; ".join(f"{k}: {v}" for k, v in found.oracles.items())]
    if diagnosis:
        parts += ["", "Diagnosis: " + diagnosis]
    repro = reproduction(case, run.import_lines)
    parts += ["", "Reproduce (run from the backprop-reference checkout, or with it installed):",
              "\n".join("    " + line for line in repro.splitlines())]
    record = {"check": found.check, "summary": found.summary, "implementation": run.name, "case": case_data(case),
              "differences": found.differences or [], "diagnosis": diagnosis, "oracles": found.oracles or {},
              "warnings": warned, "reproduction": repro, "layout": run.layout}
    record["message"] = "\n".join(parts)
    return record["message"], record


def _fresh_copy_passes(run) -> bool:
    """Whether the function, from a newly executed copy of its module, gets the case right (shape and values)."""
    try:
        fresh = run.runner.fresh() if run.runner.spec is not None else None
    except Exception:  # noqa: BLE001  (a module that cannot be loaded twice tells nothing)
        return False
    if fresh is None:
        return False
    try:
        out = fresh.run(run.case, ["first"], "plain", example_seed(run.case)).get("first")
    finally:
        if hasattr(fresh, "close"):
            fresh.close()
    if not out or out["raised"] is not None or out["problem"]:
        return False
    yours = [list(out["result"][0]), list(out["result"][1])]
    if not all(np.isfinite(g).all() for g in yours[0] + yours[1]):
        return False
    return not _differences(run.ref, yours, Rule(run.case, run.tolerance_for(yours)[0]))[0]


# ---------------------------------------------------------------- the check

def check(impl, case, *, aspects=ASPECTS, spec=None, frameworks=True, layout="plain", dtype=None):
    """Run the checks named in `aspects` (always in ``ASPECTS`` order) of `impl` on `case`.

    `impl`: a :class:`conformance.kit.isolation.IsolatedImpl` (a SPEC, run in its worker process), or
    a plain callable, called in this process (:class:`InProcess`: no isolation).  `spec` is the
    :class:`conformance.kit.loader.ImplSpec` a plain callable was loaded from (for the reproduction's
    import line and the fresh-import diagnosis), or None.  `layout`: how the inputs are handed over
    (:data:`conformance.kit.worker.LAYOUTS`).  `dtype`: the tolerance row to judge with; None: the
    dtype of the result (a float32 result is judged with the float32 row).
    Raises :class:`KitFailure`, or :class:`KitStop` carrying one when the search must end.
    """
    __tracebackhide__ = True
    runner = _runner(impl, spec)
    spec = spec if spec is not None else getattr(runner, "spec", None)
    name = spec.text if spec is not None else getattr(impl, "__name__", repr(impl))
    import_lines = spec.import_lines() if spec is not None else _import_lines_for(impl)
    outcomes = runner.run(case, calls_for(aspects), layout, example_seed(case))
    run = Run(case, tuple(aspects), runner, name, import_lines, layout, dtype, frameworks, outcomes)
    for aspect, one_check in CHECKS:
        if aspect not in ("call", "structure") and aspect not in aspects:
            continue
        if aspect != "call" and run.ref is None:
            run.ref = reference.backprop(*case.args())
        found = one_check(run)
        if found is not None:
            failure = KitFailure(lambda run=run, found=found: _write(run, found))
            if found.stop:
                raise KitStop(failure)
            raise failure
