"""pytest plugin of the conformance kit: check your own backprop with ``--impl``.

Installed with the package (entry point ``pytest11``), so ``pytest --impl=SPEC`` works in any
folder; ``backprop-check SPEC`` (:mod:`conformance.kit.cli`) runs the same session.  The plugin
is inert unless ``--impl`` or ``BACKPROP_IMPL`` names an implementation: without one it only
lists its options, and changes no Hypothesis profile, no JAX setting, no header, no output.

Options (``pytest --help``, group "conformance kit"):

--impl=SPEC            MODULE:FUNCTION or path/to/file.py:FUNCTION (env BACKPROP_IMPL; the option
                       wins).  Only the kit's properties (conformance/kit/test_kit.py) run then.
--activations=LIST     comma-separated subset of sigmoid,relu,tanh,identity to draw.
--sizes=N0,N1,...,NL   check exactly this architecture (batch and values still drawn).
--depth=L, --max-width=N, --max-batch=M   restrict what is drawn.
--conformance-report=PATH  JSON: per property passed/failed, examples run, the minimal
                       failing case, the diagnosis, the versions (schema in :mod:`conformance.kit.results`).
--gradescope=PATH      Gradescope's results.json; --gradescope-weights=contract=1,gradients=8,purity=1.
--hypothesis-dir=PATH  where Hypothesis keeps its files (default: a user cache folder, never the
                       working folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reference import ACTIVATIONS

from . import results
from .loader import ENV_VAR, ImplLoadError, load, parse
from .shape import ShapeOptions, UsageProblem, shape_options

KIT_MARK = "kit_property"
KIT_TESTS = Path(__file__).with_name("test_kit.py")
NO_IMPL = (f"conformance kit: no implementation given; run pytest --impl=MODULE:FUNCTION or "
           f"--impl=path/to/file.py:FUNCTION (or set {ENV_VAR}) to check your own backprop")


class KitState:
    """What the kit was asked to check in this session (reset by each pytest_configure)."""

    def __init__(self):
        self.spec = None
        self.impl = None
        self.activations = ACTIVATIONS
        self.shape = ShapeOptions()
        self.frameworks = True
        self.results = {}        # property -> entry, in the process that reports (controller under xdist)
        self.explained = {}      # cause -> the property whose failure explained it first


KIT = KitState()


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
    group.addoption("--sizes", default=None, metavar="N0,...,NL",
                    help="check exactly this architecture, e.g. 784,16,16,10 (batch and values still drawn)")
    group.addoption("--depth", default=None, metavar="L", help="draw networks of exactly L layers")
    group.addoption("--max-width", default=None, metavar="N", help="draw layers at most N neurons wide")
    group.addoption("--max-batch", default=None, metavar="M", help="draw at most M examples")
    group.addoption("--gradescope", default=None, metavar="PATH", help="write Gradescope's results.json to PATH")
    group.addoption("--gradescope-weights", default=None, metavar="P=W,...",
                    help="points per property for --gradescope, e.g. contract=1,gradients=8,purity=1 "
                         "(default 1 each)")
    group.addoption("--hypothesis-dir", default=None, metavar="PATH",
                    help="where Hypothesis keeps its files during a kit run (default: a user cache folder)")
    group.addoption("--conformance-report", default=None, dest="conformance_report", metavar="PATH",
                    help="write the conformance report (the suite's table, or the kit's verdict) as JSON to PATH")


def _activations(text):
    if not text:
        return ACTIVATIONS
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown or not names:
        raise pytest.UsageError(f"--activations={text}: unknown {', '.join(unknown) or '(empty)'}; "
                                f"choose from {','.join(ACTIVATIONS)}")
    return names


def active(config=None) -> bool:
    """Whether this session checks an implementation (the only case in which the plugin does anything)."""
    return KIT.impl is not None


def pytest_configure(config):
    config.addinivalue_line("markers", f"{KIT_MARK}: a conformance-kit property, run only with --impl")
    KIT.__init__()
    text = resolve_spec(config.getoption("impl"))
    if not text:
        return  # inert: nothing below runs in a session that checks no implementation
    try:
        KIT.activations = _activations(config.getoption("activations"))
        KIT.shape = shape_options(config.getoption("sizes"), config.getoption("depth"),
                                  config.getoption("max_width"), config.getoption("max_batch"))
        results.parse_weights(config.getoption("gradescope_weights"))
        KIT.spec = parse(text)
        KIT.impl = load(KIT.spec)
    except (ImplLoadError, UsageProblem, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None
    _hypothesis_home(config.getoption("hypothesis_dir"))
    # Only the kit's properties run, whatever folder pytest was started in and whatever it collects there
    config.args[:] = [str(KIT_TESTS)]
    try:  # JAX joins the oracles in float64 only; the kit's session runs nothing else
        import jax
        jax.config.update("jax_enable_x64", True)
    except ImportError:
        pass


def _hypothesis_home(asked):
    """Hypothesis' files go to `asked`, $HYPOTHESIS_STORAGE_DIRECTORY, or a user cache folder: never the cwd."""
    from hypothesis.configuration import set_hypothesis_home_dir

    if asked:
        set_hypothesis_home_dir(Path(asked).expanduser().resolve())
    elif not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        set_hypothesis_home_dir(Path(cache) / "backprop-reference" / "hypothesis")


def pytest_report_header(config):
    if KIT.spec is None:
        return None
    lines = [f"conformance kit: checking {KIT.spec.text} on activations {','.join(KIT.activations)}"]
    lines.append(f"conformance kit: networks {KIT.shape.describe()}")
    return lines


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
    """Where the property ran (a worker under xdist): the kit's message as the report, its entry attached."""
    outcome = yield
    if not item.get_closest_marker(KIT_MARK) or KIT.impl is None:
        return
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        from .properties import COUNTS
        prop = item.name.removeprefix("test_")
        failure = _kit_failure(call.excinfo.value) if call.excinfo is not None else None
        if report.outcome == "failed" and failure is not None and report.when == "call":
            # the kit's message is the whole story: no traceback through the kit and Hypothesis
            notes = [n for n in getattr(call.excinfo.value, "__notes__", [])
                     if n.strip() and not n.startswith(("Failing test case:", "You can reproduce this test case"))]
            report.longrepr = str(failure) + ("\n\n" + "\n".join(notes) if notes else "")
        record = None
        if report.outcome == "failed":
            record = failure.record if failure is not None else {
                "check": "error", "summary": str(call.excinfo.value) if call.excinfo else report.longreprtext}
        entry = results.entry(prop, report.outcome, COUNTS.get(prop, 0), record)
        report.user_properties.append((results.USER_PROPERTY, entry))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report):
    """Where the run is reported (the controller under xdist): gather entries, one explanation per cause."""
    if KIT.impl is None:
        return
    for key, entry in getattr(report, "user_properties", ()):
        if key != results.USER_PROPERTY:
            continue
        cause = results.cause(entry)
        if cause is not None and cause in KIT.explained and KIT.explained[cause] != entry["property"]:
            first = KIT.explained[cause]
            report.longrepr = (f"The same failure as the property '{first}' (check '{entry['failure']['check']}': "
                               f"{entry['failure']['summary']}); its explanation is shown there.")
        elif cause is not None:
            KIT.explained[cause] = entry["property"]
        KIT.results[entry["property"]] = entry
        _to_suite_report(entry)


def _to_suite_report(entry):
    """Hand one property's result to the suite's table (conformance/suite/report.py), when the suite runs too."""
    from conformance.suite import report

    status = entry["outcome"] if entry["outcome"] in ("passed", "failed", "skipped") else "failed"
    details = {k: v for k, v in entry.items() if k not in ("property", "outcome", "examples_run")}
    details["activations"] = list(KIT.activations)
    report.record(f"kit/{entry['property']}", KIT.spec.text, examples=entry["examples_run"], status=status,
                  details=details)


def report_data(config, exitstatus=None) -> dict:
    """The kit's JSON report (what --conformance-report writes in a kit run)."""
    return results.report(KIT, exitstatus)


def pytest_sessionfinish(session, exitstatus):
    """Write --conformance-report and --gradescope: only where the run is reported (not in xdist workers)."""
    if KIT.impl is None or hasattr(session.config, "workerinput"):
        return
    path = session.config.getoption("conformance_report", default=None)
    if path:
        results.write_json(path, report_data(session.config, int(exitstatus)))
    gradescope = session.config.getoption("gradescope", default=None)
    if gradescope:
        weights = results.parse_weights(session.config.getoption("gradescope_weights"))
        results.write_json(gradescope, results.gradescope(KIT, int(exitstatus), weights))
