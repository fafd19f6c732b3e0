"""The kit's engine: run the conformance checks of one backprop on one drawn network.

:func:`check` has the implementation's calls made (:mod:`conformance.kit.runners`: a worker process
for a SPEC, this process for a plain callable), runs the checks of :mod:`conformance.kit.checks` in
order, and raises :class:`KitFailure` (an ``AssertionError``) for the first that finds something: its
message and its record are written by :func:`write` (:mod:`conformance.kit.message`), with the
diagnosis of :mod:`conformance.kit.diagnosis`.

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

import numpy as np

import reference

from . import message
from .checks import ASPECTS, CHECKS, Finding, Run  # noqa: F401  (the kit's checks, re-exported)
from .diagnosis import diagnose
from .rule import judge
from .runners import calls_for, example_seed, runner_for


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


class KitStop(BaseException):  # noqa: N818  (not an error of the kit: a way out of Hypothesis)
    """Carries a :class:`KitFailure` through Hypothesis, which catches only Exception: no shrinking, no more calls.

    :func:`conformance.kit.properties.build` turns it back into the KitFailure.
    """

    def __init__(self, failure):
        super().__init__()
        self.failure = failure


def _import_lines_for(fn) -> str:
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if module and module != "__main__" and name.isidentifier():
        return f"from {module} import {name} as yours"
    return "yours = ...  # your backprop function"


_LAYOUT_NOTES = {
    "readonly": "In this example the kit handed your function read-only arrays (arr.flags.writeable is False); "
                "the reproduction below passes writable ones.",
    "strided": "In this example the kit handed your function strided views (every other entry of a larger "
               "array, not C-contiguous); the reproduction below passes contiguous arrays.",
}


def _diagnosis(run: Run, found: Finding):
    first = run.outcomes.get("first") or {}
    failure = {"check": found.check, "summary": found.summary, "raised": first.get("raised"),
               "problem": first.get("problem"), "layout": run.layout}
    text = diagnose(run.case, run.runner.probe(), failure=failure) if found.diagnosis else None
    stopped = getattr(run.runner, "_probe_stopped", None)
    if text is not None and stopped:
        text += (f"\n(The diagnosis runs your function on a few generic networks; on one of them {stopped}, so "
                 "it judged from the failing example alone.)")
    elif text is not None and found.check in ("structure", "finite", "values") and _fresh_copy_passes(run):
        text = ("A fresh copy of your module, imported anew, answers this example correctly: your function "
                "went wrong only after the calls before it, so it keeps state between calls (a cache, a "
                "module-level buffer, a global), and the reproduction below may pass on its own.")
    return text


def write(run: Run, found: Finding):
    """(message, record) of a failure: what failed, the network, the details, oracles, diagnosis, reproduction."""
    case, first = run.case, run.outcomes.get("first") or {}
    warned = list(dict.fromkeys(first.get("warnings") or []))
    diagnosis = _diagnosis(run, found)
    saved = message.save_case(case, message.artifacts_dir(run.artifacts)) if (
        message.is_large(case) or run.artifacts) else None
    saved_note = saved if message.is_large(case) else None
    parts = [f"backprop under test: {run.name}",
             f"FAILED check '{found.check}': {found.summary}",
             f"network: {case.describe()}",
             "", ("The example it failed on (the search stopped there: no shrinking), in the video's notation:"
                  if found.stop else "The smallest failing example Hypothesis found, in the video's notation:"),
             message.network_text(case, saved_note)]
    if found.details:
        parts += ["", found.details]
    if run.layout in _LAYOUT_NOTES:
        parts += ["", _LAYOUT_NOTES[run.layout]]
    if warned:
        parts += ["", "Your function warned: " + "; ".join(warned[:5])]
    if found.oracles:
        parts += ["", "Oracles (they inform; the verdict is the acceptance rule's): "
                  + "; ".join(f"{k}: {v}" for k, v in found.oracles.items())]
    if diagnosis:
        parts += ["", "Diagnosis: " + diagnosis]
    repro = message.reproduction(case, run.import_lines, saved_note)
    parts += ["", "Reproduce (run from the backprop-reference checkout, or with it installed):",
              "\n".join("    " + line for line in repro.splitlines())]
    record = {"check": found.check, "summary": found.summary, "implementation": run.name,
              "case": message.case_data(case, saved_note), "differences": found.differences or [],
              "diagnosis": diagnosis, "oracles": found.oracles or {}, "warnings": warned, "reproduction": repro,
              "layout": run.layout, "artifact": str(saved) if saved is not None else None}
    record["message"] = message.bounded("\n".join(parts))
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
    return not judge(run.case, yours, run.dtype, ref=run.ref)[0]


def check(impl, case, *, aspects=ASPECTS, spec=None, frameworks=True, layout="plain", dtype=None, artifacts=None):
    """Run the checks named in `aspects` (always in ``ASPECTS`` order) of `impl` on `case`.

    `impl`: a :class:`conformance.kit.isolation.IsolatedImpl` (a SPEC, run in its worker process), or
    a plain callable, called in this process (no isolation).  `spec` is the
    :class:`conformance.kit.loader.ImplSpec` a plain callable was loaded from (for the reproduction's
    import line and the fresh-import diagnosis), or None.  `layout`: how the inputs are handed over
    (:data:`conformance.kit.worker.LAYOUTS`).  `dtype`: the tolerance row to judge with; None: the
    dtype of the result.  `frameworks`: whether the installed frameworks are asked where yours differs
    (for the message; never for the verdict).  `artifacts`: where a failing network's arrays go.
    Raises :class:`KitFailure`, or :class:`KitStop` carrying one when the search must end.
    """
    __tracebackhide__ = True
    runner = runner_for(impl, spec)
    spec = spec if spec is not None else getattr(runner, "spec", None)
    name = spec.text if spec is not None else getattr(impl, "__name__", repr(impl))
    import_lines = spec.import_lines() if spec is not None else _import_lines_for(impl)
    outcomes = runner.run(case, calls_for(aspects), layout, example_seed(case))
    run = Run(case, tuple(aspects), runner, name, import_lines, layout, dtype, frameworks, outcomes,
              artifacts=artifacts)
    for aspect, one_check in CHECKS:
        if aspect not in ("call", "structure") and aspect not in aspects:
            continue
        if aspect != "call" and run.ref is None:
            run.ref = reference.backprop(*case.args())
        found = one_check(run)
        if found is not None:
            failure = KitFailure(lambda run=run, found=found: write(run, found))
            if found.stop:
                raise KitStop(failure)
            raise failure
