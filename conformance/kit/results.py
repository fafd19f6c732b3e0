"""The kit's verdict as data: the JSON report, Gradescope's ``results.json``, one explanation per cause.

Each property's result is an *entry* (:func:`entry`), made where the property ran and carried to
where the run is reported in the test report's ``user_properties`` (so that it crosses
pytest-xdist's process boundary).  :func:`report` is what ``--conformance-report`` writes
(schema :data:`SCHEMA_VERSION`); :func:`gradescope` is Gradescope's autograder format
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): a ``tests`` list with one entry
per property (``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``) and the
top-level ``score``.

>>> e = entry("gradients", "failed", 12, {"check": "values", "summary": "your gradients differ"})
>>> g = gradescope(_Kit({"gradients": e}), 1, parse_weights("gradients=8"))
>>> g["score"], g["tests"][0]["max_score"], g["tests"][1]["max_score"], g["tests"][1]["status"]
(0.0, 1.0, 8.0, 'failed')
"""

from __future__ import annotations

import json
import platform
from importlib import metadata

SCHEMA_VERSION = 1
USER_PROPERTY = "conformance_kit"
PROPERTY_ORDER = ("contract", "gradients", "purity")
VISIBILITY = "visible"  # Gradescope: hidden, after_due_date, after_published, visible
MAX_OUTPUT = 20_000  # characters of one Gradescope test's output

DESCRIPTIONS = {
    "contract": "returns (dC_dw, dC_db) shaped like (weights, biases), floating point, finite where the reference is",
    "gradients": "dC/dw and dC/db equal the reference's (torch / JAX consulted where they differ)",
    "purity": "never modifies its inputs; the same inputs give the same answer twice",
}


def entry(prop: str, outcome: str, examples_run: int, failure: dict | None) -> dict:
    """One property's result, JSON-able."""
    out = {"property": prop, "description": DESCRIPTIONS.get(prop, ""), "outcome": outcome,
           "examples_run": int(examples_run), "failure": failure}
    if failure is not None:
        out["minimal_case"] = failure.get("case")
        out["diagnosis"] = failure.get("diagnosis")
    return out


def verdict_line(e: dict) -> str:
    """``passed (200 networks)`` or ``failed on network 12 (shrunk over 40 more): check 'values': ...``."""
    if e["outcome"] == "passed":
        return f"passed ({e['examples_run']} networks)"
    failure = e.get("failure") or {}
    at = e.get("first_failure_at")
    where = (f" on network {at} of those drawn (then {e['examples_run'] - at} more while shrinking it)"
             if at else "")
    why = f": check '{failure.get('check')}': {failure.get('summary')}" if failure else ""
    return f"{e['outcome']}{where}{why}"[:2000]


def cause(e: dict):
    """A key shared by failures that have one cause (the function raises, or returns the wrong structure)."""
    failure = e.get("failure") or {}
    if failure.get("check") in ("call", "structure", "import"):
        # "it raised ValueError: expected 2 layers, got 1" and "... got 3": one cause, whatever network each
        # property shrank to; the message names the first one in full
        return failure["check"], (failure.get("summary") or "").split(":")[0]
    return None


def parse_weights(text) -> dict:
    """``contract=1,gradients=8`` -> {"contract": 1.0, "gradients": 8.0, "purity": 1.0}; ValueError if malformed."""
    weights = dict.fromkeys(PROPERTY_ORDER, 1.0)
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in weights:
            raise ValueError(f"--gradescope-weights={text}: expected PROPERTY=POINTS with PROPERTY one of "
                             f"{', '.join(PROPERTY_ORDER)}, got {part!r}")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--gradescope-weights={text}: {value!r} is not a number of points") from None
        if not weights[name.strip()] >= 0:
            raise ValueError(f"--gradescope-weights={text}: points must be >= 0")
    return weights


def versions() -> dict:
    """The package and the frameworks that judged this run."""
    found = {"python": platform.python_version()}
    for dist in ("backprop-reference", "numpy", "hypothesis", "pytest", "torch", "jax"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = None
    if found["backprop-reference"] is None:  # a checkout that is not installed
        from reference import __version__
        found["backprop-reference"] = __version__ + " (checkout)"
    return found


def passed(kit, exitstatus) -> bool:
    """Only a run in which every property ran and passed, and pytest agrees, is a pass."""
    return (exitstatus == 0 and set(PROPERTY_ORDER) <= set(kit.results)
            and all(kit.results[p]["outcome"] == "passed" for p in PROPERTY_ORDER))


def report(kit, exitstatus) -> dict:
    """The JSON document of ``--conformance-report`` in a kit run."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kit": "backprop-reference conformance kit",
        "implementation": kit.spec.text if kit.spec else None,
        "activations": list(kit.activations),
        "networks": kit.shape.describe(),
        "max_examples": getattr(getattr(kit, "options", None), "max_examples", None),
        "tolerance_dtype": getattr(kit, "dtype", None) or "the dtype returned",
        "draws": {p: e.get("draws") for p, e in kit.results.items()},
        "isolation": _isolation(kit),
        "versions": versions(),
        "exitstatus": exitstatus,
        "passed": passed(kit, exitstatus),
        "properties": [kit.results[p] for p in PROPERTY_ORDER if p in kit.results],
    }


def _isolation(kit) -> dict:
    """How the function under test ran: in a worker process with limits, or in the kit's own process."""
    impl = getattr(kit, "impl", None)
    if not getattr(kit, "isolated", False) or impl is None:
        return {"isolated": False}
    return {"isolated": True, "call_timeout_s": impl.call_timeout, "memory_limit_mib": impl.memory_limit_mb,
            "forbidden_imports": list(impl.forbid)}


def _output(e: dict) -> str:
    failure = e.get("failure")
    if e["outcome"] == "passed":
        return f"Passed on {e['examples_run']} drawn networks: {e['description']}."
    if failure is None:
        return f"{e['outcome']}: {e['description']}"
    text = failure.get("message") or f"FAILED check '{failure.get('check')}': {failure.get('summary')}"
    cut = "\n... (cut: the whole record is in the report)"
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT - len(cut)] + cut


def gradescope(kit, exitstatus, weights: dict) -> dict:
    """Gradescope's results.json: one test per property; a property that did not run scores 0."""
    tests = []
    for number, prop in enumerate(PROPERTY_ORDER, start=1):
        e = kit.results.get(prop) or entry(prop, "not run", 0, None)
        ok = e["outcome"] == "passed"
        tests.append({"name": f"{prop}: {DESCRIPTIONS[prop]}", "number": str(number),
                      "score": weights[prop] if ok else 0.0, "max_score": weights[prop],
                      "status": "passed" if ok else "failed", "output": _output(e), "output_format": "text",
                      "visibility": VISIBILITY})
    score = sum(t["score"] for t in tests) if exitstatus in (0, 1) else 0.0
    return {"score": float(score), "output": "backprop-reference conformance kit " + versions()["backprop-reference"],
            "output_format": "text", "visibility": VISIBILITY, "stdout_visibility": "hidden", "tests": tests}


def write_json(path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, default=str)
        fh.write("\n")


class _Kit:  # for the doctest: what report() and gradescope() read of the plugin's state
    def __init__(self, results_):
        self.results, self.spec, self.activations = results_, None, ()
