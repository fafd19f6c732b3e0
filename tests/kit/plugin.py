"""pytest plugin of the conformance kit: check your own backprop with ``--impl``.

Options (also listed by ``pytest --help`` under "conformance kit"):

--impl=SPEC            MODULE:FUNCTION or path/to/file.py:FUNCTION; the environment
                       variable BACKPROP_IMPL does the same (the option wins).  Only the
                       kit's properties (tests/kit/test_kit.py) run then.
--activations=LIST     comma-separated subset of sigmoid,relu,tanh,identity to draw.
--conformance-report=PATH  JSON: per property passed/failed, examples run, the minimal
                       failing case, the diagnosis (shared with the suite's own report
                       when tests/support registers the option first).

Without an implementation the properties are skipped with a visible reason; the
kit's meta-tests (tests/kit/test_catalog.py and the doctests) run as usual.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import pytest

from reference import ACTIVATIONS

from .loader import ENV_VAR, ImplLoadError, load, parse

KIT_MARK = "kit_property"
NO_IMPL = (f"conformance kit: no implementation given; run pytest --impl=MODULE:FUNCTION or "
           f"--impl=path/to/file.py:FUNCTION (or set {ENV_VAR}) to check your own backprop")


@dataclass
class KitState:
    """What the kit was asked to check in this session."""

    spec: object = None
    impl: object = None
    activations: tuple = ACTIVATIONS
    frameworks: bool = True
    results: dict = field(default_factory=dict)


KIT = KitState()
SUITE_OWNS_REPORT_OPTION = False  # set when tests/support's plugin registered --conformance-report first


def resolve_spec(option, environ=os.environ):
    """The implementation spec to check: --impl, else $BACKPROP_IMPL, else None.

    >>> resolve_spec(None, {"BACKPROP_IMPL": "mine:backprop"}), resolve_spec("a:b", {"BACKPROP_IMPL": "c:d"})
    ('mine:backprop', 'a:b')
    """
    return (option or "").strip() or (environ.get(ENV_VAR) or "").strip() or None


def pytest_addoption(parser):
    group = parser.getgroup("conformance kit", "check your own backprop against the reference")
    group.addoption("--impl", default=None, metavar="SPEC",
                    help=f"the backprop to check: MODULE:FUNCTION or path/to/file.py:FUNCTION (env {ENV_VAR})")
    group.addoption("--activations", default=None, metavar="LIST",
                    help="comma-separated activations your backprop supports, from " + ",".join(ACTIVATIONS))
    try:
        group.addoption("--conformance-report", default=None, dest="conformance_report", metavar="PATH",
                        help="write a JSON report of the conformance properties to PATH")
    except ValueError:  # the suite's plugin registered it already: one option, one report path
        global SUITE_OWNS_REPORT_OPTION
        SUITE_OWNS_REPORT_OPTION = True


def _activations(text):
    if not text:
        return ACTIVATIONS
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown or not names:
        raise pytest.UsageError(f"--activations={text}: unknown {', '.join(unknown) or '(empty)'}; "
                                f"choose from {','.join(ACTIVATIONS)}")
    return names


def pytest_configure(config):
    config.addinivalue_line("markers", f"{KIT_MARK}: a conformance-kit property, run only with --impl")
    KIT.__init__()
    KIT.activations = _activations(config.getoption("activations"))
    text = resolve_spec(config.getoption("impl"))
    if not text:
        return
    try:
        KIT.spec = parse(text)
        KIT.impl = load(KIT.spec)
    except ImplLoadError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:  # JAX joins the oracles in float64 only; the kit's session runs nothing else
        import jax
        jax.config.update("jax_enable_x64", True)
    except ImportError:
        pass


def pytest_report_header(config):
    if KIT.spec is not None:
        return [f"conformance kit: checking {KIT.spec.text} on activations {','.join(KIT.activations)}"]
    return None


def pytest_collection_modifyitems(config, items):
    if KIT.impl is not None:
        keep = [item for item in items if item.get_closest_marker(KIT_MARK)]
        drop = [item for item in items if not item.get_closest_marker(KIT_MARK)]
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        return
    skip = pytest.mark.skip(reason=NO_IMPL)
    for item in items:
        if item.get_closest_marker(KIT_MARK):
            item.add_marker(skip)


def _kit_failure(exc):
    """The first KitFailure in exc (Hypothesis may wrap several in an exception group)."""
    from .check import KitFailure
    if isinstance(exc, KitFailure):
        return exc
    for inner in getattr(exc, "exceptions", ()) or ():
        found = _kit_failure(inner)
        if found is not None:
            return found
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not item.get_closest_marker(KIT_MARK) or KIT.impl is None:
        return
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        from .properties import COUNTS, DESCRIPTIONS
        prop = item.name.removeprefix("test_")
        failure = _kit_failure(call.excinfo.value) if call.excinfo is not None else None
        entry = {"property": prop, "description": DESCRIPTIONS.get(prop, ""), "outcome": report.outcome,
                 "examples_run": COUNTS.get(prop, 0), "failure": None}
        if report.outcome == "failed" and failure is not None and report.when == "call":
            # the kit's message is the whole story: no traceback through the kit and Hypothesis
            # Hypothesis' own replay notes name the kit's internal test (`run(case=...)`, @reproduce_failure
            # "on your test function"): the kit's message already shows the case and a reproduction of its own
            notes = [n for n in getattr(call.excinfo.value, "__notes__", [])
                     if n.strip() and not n.startswith(("Failing test case:", "You can reproduce this test case"))]
            report.longrepr = str(failure) + ("\n\n" + "\n".join(notes) if notes else "")
        if report.outcome == "failed":
            entry["failure"] = failure.record if failure is not None else {
                "check": "error", "summary": str(call.excinfo.value) if call.excinfo else report.longreprtext}
            entry["minimal_case"] = entry["failure"].get("case")
            entry["diagnosis"] = entry["failure"].get("diagnosis")
        KIT.results[prop] = entry
        _to_suite_report(entry)


def _to_suite_report(entry):
    """Hand one property's result to the suite's report (tests/support/report.py), when it has one."""
    try:
        from tests.support import report
        record = report.record
    except (ImportError, AttributeError):
        return
    status = entry["outcome"] if entry["outcome"] in ("passed", "failed", "skipped") else "failed"
    details = {k: v for k, v in entry.items() if k not in ("property", "outcome", "examples_run")}
    details["activations"] = list(KIT.activations)
    record(f"kit/{entry['property']}", KIT.spec.text, examples=entry["examples_run"], status=status, details=details)


def report_data(config) -> dict:
    """The kit's part of the JSON report (what --conformance-report writes)."""
    from hypothesis import settings
    return {
        "kit": "backprop-reference conformance kit",
        "implementation": KIT.spec.text if KIT.spec else None,
        "activations": list(KIT.activations),
        "hypothesis_profile": settings._current_profile,
        "max_examples": settings().max_examples,
        "passed": bool(KIT.results) and all(r["outcome"] == "passed" for r in KIT.results.values()),
        "properties": list(KIT.results.values()),
    }


def pytest_sessionfinish(session, exitstatus):
    """Write --conformance-report, unless the suite's plugin owns the option (it writes the rows we recorded)."""
    path = session.config.getoption("conformance_report", default=None)
    if not path or KIT.impl is None or SUITE_OWNS_REPORT_OPTION:
        return
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(report_data(session.config), fh, indent=2)
