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
--call-timeout=S       wall-clock limit of one call of your function (default 20 s).
--memory-limit=MIB     resident memory limit of the process running it (default 4096 MiB).
--forbid-imports=LIST  fail a submission that imports any of these modules (e.g. reference,torch,jax).
--dtype=float64|float32  the tolerance row to judge with (default: the dtype your function returns).

The function under test runs in a worker process (:mod:`conformance.kit.isolation`): this process,
which holds the reference, the oracles, the tolerances, Hypothesis and the report, never imports
its module.  The run fails closed: its exit status is 0 only when every property ran all its
examples and passed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reference import ACTIVATIONS

from . import results
from .isolation import IsolatedImpl, isolation_available, memory_limit_enforced
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
        self.dtype = None        # the tolerance row fixed by --dtype, or None (the result's dtype)
        self.isolated = False
        self.incomplete = []     # why a run that pytest calls passed is not a pass
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
    group.addoption("--call-timeout", default=None, metavar="SECONDS",
                    help=f"wall-clock limit of one call of the function under test (default {DEFAULT_CALL_TIMEOUT:g})")
    group.addoption("--memory-limit", default=None, metavar="MIB",
                    help=f"resident memory limit of its process in MiB (default {DEFAULT_MEMORY_MIB}; 0: none)")
    group.addoption("--forbid-imports", default=None, metavar="LIST",
                    help="comma-separated modules a submission must not import, e.g. reference,torch,jax")
    group.addoption("--dtype", default=None, metavar="DTYPE", choices=("float64", "float32"),
                    help="judge with this dtype's tolerance row, whatever dtype the function returns "
                         "(default: the returned dtype's; a grader should fix it)")
    group.addoption("--conformance-report", default=None, dest="conformance_report", metavar="PATH",
                    help="write the conformance report (the suite's table, or the kit's verdict) as JSON to PATH")


DEFAULT_CALL_TIMEOUT = 20.0
DEFAULT_MEMORY_MIB = 4096


def _positive(text, name, default, allow_zero=False):
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise pytest.UsageError(f"--{name}={text}: expected a number") from None
    if not (value > 0 or (allow_zero and value == 0)):
        raise pytest.UsageError(f"--{name}={text}: expected a number > 0")
    return value


def _module_names(text):
    names = tuple(dict.fromkeys(n.strip() for n in (text or "").split(",") if n.strip()))
    bad = [n for n in names if not all(part.isidentifier() for part in n.split("."))]
    if bad:
        raise pytest.UsageError(f"--forbid-imports={text}: {', '.join(bad)} is not a module name")
    return tuple(n.partition(".")[0] for n in names)


def _activations(text):
    if not text:
        return ACTIVATIONS
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown or not names:
        raise pytest.UsageError(f"--activations={text}: unknown {', '.join(unknown) or '(empty)'}; "
                                f"choose from {','.join(ACTIVATIONS)}")
    return names


def active() -> bool:
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
        KIT.dtype = config.getoption("dtype")
        call_timeout = _positive(config.getoption("call_timeout"), "call-timeout", DEFAULT_CALL_TIMEOUT)
        memory = _positive(config.getoption("memory_limit"), "memory-limit", DEFAULT_MEMORY_MIB, allow_zero=True)
        forbid = _module_names(config.getoption("forbid_imports"))
        KIT.spec = parse(text)
        if isolation_available():
            KIT.impl = IsolatedImpl(KIT.spec, call_timeout=call_timeout, memory_limit_mb=memory,
                                    forbid=forbid).start()
            KIT.isolated = True
        else:  # pragma: no cover - Windows: no process groups here; the header says the run is not isolated
            KIT.impl = load(KIT.spec)
    except (ImplLoadError, UsageProblem, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None
    _hypothesis_home(config.getoption("hypothesis_dir"))
    # Only the kit's properties run, whatever folder pytest was started in and whatever it collects there
    config.args[:] = [str(KIT_TESTS)]
    # JAX joins the oracles in float64 only; the kit's session runs nothing else: imported when first needed
    from . import check
    check.JAX_X64_ON_DEMAND = True


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
    if KIT.isolated:
        impl = KIT.impl
        memory = (f"{impl.memory_limit_mb:g} MiB" if impl.memory_limit_mb and memory_limit_enforced()
                  else "none on this platform (no /proc)" if impl.memory_limit_mb else "none")
        lines.append(f"conformance kit: your function runs in its own process (call limit {impl.call_timeout:g} s, "
                     f"memory limit {memory}" + (f", forbidden imports {','.join(impl.forbid)}" if impl.forbid
                                                 else "") + ")")
    else:
        lines.append("conformance kit: WARNING: your function runs in the kit's own process (no isolation, no "
                     "limits on this platform)")
    if KIT.dtype:
        lines.append(f"conformance kit: tolerance row {KIT.dtype} (--dtype), whatever dtype your function returns")
    else:
        lines.append("conformance kit: tolerance row of the dtype your function returns (a float32 result is "
                     "judged with the float32 row); a grader should fix it with --dtype=float64")
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
    from .check import KitFailure, KitStop
    if isinstance(exc, KitFailure):
        return exc
    if isinstance(exc, KitStop):
        return exc.failure
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


def _fails_closed(session, exitstatus):
    """Exit status 1 when pytest would say 0 but not every property ran all its examples and passed."""
    from .properties import KIT_SETTINGS

    missing = [p for p in results.PROPERTY_ORDER if p not in KIT.results]
    short = [p for p, e in KIT.results.items() if e["outcome"] == "passed"
             and e["examples_run"] < KIT_SETTINGS.max_examples]
    if int(exitstatus) == 0 and (missing or short or not results.passed(KIT, 0)):
        KIT.incomplete = [f"property {p} did not run" for p in missing] + [
            f"property {p} ran {KIT.results[p]['examples_run']} of {KIT_SETTINGS.max_examples} examples"
            for p in short]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return int(session.exitstatus)
    return int(exitstatus)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if KIT.impl is not None and KIT.results and not hasattr(config, "workerinput"):
        terminalreporter.section("conformance kit: the verdict, one line a property")
        for prop in results.PROPERTY_ORDER:
            e = KIT.results.get(prop)
            if e is None:
                terminalreporter.write_line(f"{prop:10} did not run", red=True)
                continue
            failure = e.get("failure") or {}
            why = f": check '{failure.get('check')}': {failure.get('summary')}" if failure else ""
            terminalreporter.write_line(f"{prop:10} {e['outcome']} ({e['examples_run']} networks){why}",
                                        red=e["outcome"] != "passed", green=e["outcome"] == "passed")
    if KIT.impl is not None and KIT.incomplete:
        terminalreporter.write_line("conformance kit: NOT PASSED: " + "; ".join(KIT.incomplete)
                                    + " (every property must run all its examples and pass)", red=True)


def pytest_unconfigure(config):
    if KIT.impl is not None:
        from . import check
        check.JAX_X64_ON_DEMAND = False
    if KIT.isolated and KIT.impl is not None:
        KIT.impl.close()


def pytest_sessionfinish(session, exitstatus):
    """Write --conformance-report and --gradescope: only where the run is reported (not in xdist workers)."""
    if KIT.impl is None or hasattr(session.config, "workerinput"):
        return
    exitstatus = _fails_closed(session, exitstatus)
    path = session.config.getoption("conformance_report", default=None)
    if path:
        results.write_json(path, report_data(session.config, int(exitstatus)))
    gradescope = session.config.getoption("gradescope", default=None)
    if gradescope:
        weights = results.parse_weights(session.config.getoption("gradescope_weights"))
        results.write_json(gradescope, results.gradescope(KIT, int(exitstatus), weights))
