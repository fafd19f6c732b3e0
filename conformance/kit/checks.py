"""The kit's checks: each a small function of one :class:`Run` returning a :class:`Finding` or None.

``CHECKS`` lists them in the order they run (``ASPECTS``):

* ``call``          it returns without raising, exiting, crashing, hanging (the call limit) or
                    outgrowing the memory limit, and imports nothing the course forbids
* ``structure``     a pair (dC_dw, dC_db) of L arrays each, shaped like weights / biases, floating point
* ``finite``        no NaN or inf where the reference is finite
* ``values``        equal to the reference under the acceptance rule (:mod:`conformance.kit.rule`); where it
                    differs, the installed frameworks are asked too, for the message only
* ``no_mutation``   none of its inputs (lists or arrays) changed
* ``deterministic`` a second call on the same inputs, numpy's global random state another, gives the
                    same answer (NaN in the same place is the same answer)
* ``updated_inputs``      after the kit writes new values into the very arrays it passed (a training
                          loop's step), a call answers for the new values
* ``independent_results`` what the first call returned has not changed by then (no output buffer reused)
"""

from __future__ import annotations

import dataclasses

import numpy as np

from conformance.core.naming import entry_name as _index_text

from . import oracles
from . import worker as _w
from .rule import AcceptanceRule, judge, row_for
from .runners import updated_case

ASPECTS = ("call", "structure", "finite", "values", "no_mutation", "deterministic", "updated_inputs",
           "independent_results")
MAX_ROWS = 8  # differing entries shown in a message


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
    artifacts: str = None  # --artifacts: where a failing network's arrays go

    def outcome(self, which):
        return self.outcomes.get(which)

    @property
    def first(self):
        return self.outcomes["first"]

    def rule(self, yours, case=None) -> AcceptanceRule:
        return AcceptanceRule(case if case is not None else self.case, row_for(self.dtype, yours))


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
                 f"{', '.join(dict.fromkeys(case.activations))}), draw only those: "
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
                       + _raised_finding(raised, run.layout, run.case), diagnosis=True)
    return Finding("call", f"it raised {raised['type']}" + (f": {raised['text']}" if raised["text"] else ""),
                   "Traceback of your function:\n" + raised["traceback"].rstrip()
                   + _raised_finding(raised, run.layout, run.case), diagnosis=True)


def _structure(run):
    problem = run.first["problem"]
    return Finding("structure", problem, diagnosis=True) if problem else None


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


def entry_row(d, first="reference", second="yours") -> str:
    """One differing entry as a line: its name, then the two values under their labels."""
    return f"  {d.name}: {first} {d.reference!r}, {second} {d.yours!r}"


def rows_text(found, rule_text, total, limit=MAX_ROWS) -> str:
    """The differing entries, worst first, at most `limit` of them."""
    rows = [entry_row(d) for d in found[:limit]]
    more = f"\n  ... {len(found) - limit} more" if len(found) > limit else ""
    return (f"Reference against yours, every entry outside {rule_text} ({len(found)} of {total} entries differ):\n"
            + "\n".join(rows) + more)


def _values(run):
    yours = _yours(run)
    found, total, rule = judge(run.case, yours, run.dtype, ref=run.ref)
    if not found:
        return None
    details = rows_text(found, rule.describe(), total)
    returned = np.result_type(*yours[0], *yours[1])
    if run.dtype is not None and returned != np.dtype(run.dtype):
        details = (f"Your function returned {returned} arrays; the grader fixed the tolerance to {run.dtype}'s "
                   f"(--dtype={run.dtype}).\n" + details)
    said = oracles.opinions(run.case, run.ref, yours, rule) if run.frameworks else None
    return Finding("values", "your gradients differ from the reference's", details,
                   differences=[d.record() for d in found[:1000]], diagnosis=True, oracles=said)


def _no_mutation(run):
    found = run.first.get("mutation")
    if not found:
        return None
    return Finding("no_mutation", found["summary"], found["details"])


def _same_answer_rows(first, second, rule, labels):
    """Rows (labelled `labels`) where `second` differs from `first` (NaN against NaN, inf against the same inf:
    the same answer)."""
    a_list, b_list = [], []
    for a, b in zip(first[0] + first[1], second[0] + second[1]):
        with np.errstate(all="ignore"):
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        a_list.append(np.where(same, 0.0, a))
        b_list.append(np.where(same, 0.0, b))
    L = len(first[0])
    found = rule.differences((a_list[:L], a_list[L:]), (b_list[:L], b_list[L:]))[0]
    return [entry_row(d, *labels) for d in found]


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
    rows = _same_answer_rows(yours, second, run.rule(yours), ("first", "second"))
    if rows:
        return Finding("deterministic", "a second call with the same inputs gave a different answer (state kept "
                       "between calls? gradients accumulated with += across calls? numpy's global random state, "
                       "which differs between the two calls?)",
                       "First call against second call:\n" + "\n".join(rows[:MAX_ROWS]))
    return None


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
    rows = _same_answer_rows(anew, in_place, run.rule(anew, updated_case(run.case)), ("new arrays", "in place"))
    if not rows:
        return None
    return Finding("updated_inputs", "after its inputs were updated in place, it did not answer for the new values: "
                   "it gave another answer than for the values the kit wrote, handed over in new arrays: something of "
                   "the previous call stayed (a cache, or values that call wrote into the arrays it was given)",
                   _TRAINING_STEP + " The network below is the one before the step.\nNew arrays against updated "
                   "in place:\n" + "\n".join(rows[:MAX_ROWS]))


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


