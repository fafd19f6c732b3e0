"""pytest plugin of the conformance suite: profiles, --framework, --device / --allow-tf32, the report.

Installed with the package (entry point ``pytest11``), so ``pytest --pyargs conformance.suite
--framework=MODULE:CLASS`` runs every property in any folder.  Like Hypothesis' own plugin it
loads lazily: importing it imports pytest alone, and it does nothing (no numpy, no Hypothesis,
no framework, no profile, no header) in a session that does not run the suite.  A session runs
the suite (:func:`wanted`) when its arguments name the suite (``--pyargs conformance.suite``, a
path inside the package), when ``-p conformance.suite.plugin`` loads it by name (this project's
own configuration), or when one of its options is given; never in a kit run (``--impl`` or
``$BACKPROP_IMPL``: the kit's plugin has the session).  Suite tests collected otherwise still get
their frameworks set up, at collection.

Options (``pytest --help``, group "conformance"):

--framework=SPEC            check this framework (repeatable or comma-separated; default torch, jax,
                            autograd): a built-in name or MODULE:CLASS, a conformance.core.frameworks.Framework
                            subclass; also $CONFORMANCE_FRAMEWORK (docs/frameworks.md)
--device=cpu|cuda|auto      where the frameworks run (default cpu; the reference is numpy on the CPU)
--allow-tf32                test the frameworks' TF32 fast path, with the tf32 tolerance row
--scale                     run the scale tier too (tests marked ``scale``: widths up to 256, batch up to
                            128, depth up to 6); it is deselected otherwise, unless ``-m`` names it
--framework-warnings=report|error  a warning the framework under test emits is counted in the report
                            (default), or fails the test (error), whatever the project's filterwarnings say
--conformance-report=PATH   write the per-property, per-implementation table as JSON (registered here
                            unless the kit's plugin, loaded first, has registered it: one option, two writers)

Profiles (conformance/suite/profiles.py): ``--hypothesis-profile=dev|smoke|ci|thorough``, ci by default.
The header names the versions, x64, the device, the GPU and the precision settings; the
terminal summary prints, per property and implementation, the examples run and the
worst error as a fraction of its tolerance (:mod:`conformance.suite.report`), and the warnings
the frameworks emitted.
"""

from __future__ import annotations

import os
import sys

import pytest

from conformance.core.pytest_options import REPORT_FLAG, has_option
from conformance.core.settings import ENV, SETTINGS

NAME = "conformance.suite.plugin"
PACKAGE = "conformance.suite"
KIT_ENV = "BACKPROP_IMPL"  # the kit's environment variable: a kit run, in which the suite stands aside
_SUITE_OPTIONS = ("framework", "device", "allow_tf32", "scale", "framework_warnings")


class _State:
    """What this session decided: whether it runs the suite, and whether the frameworks are set up."""

    wanted = False
    ready = False


STATE = _State()


def pytest_addoption(parser):
    group = parser.getgroup("conformance", "the conformance suite: the reference vs the frameworks")
    group.addoption("--framework", action="append", default=[], metavar="NAME|MODULE:CLASS",
                    help="the framework(s) to check: torch, jax, autograd or MODULE:CLASS (a Framework subclass); "
                         f"repeatable or comma-separated; default ${ENV} or all the built-ins")
    group.addoption("--scale", action="store_true", default=False,
                    help="also run the scale tier (marker 'scale': large networks); or select it with -m scale")
    group.addoption("--device", default=None, metavar="cpu|cuda|auto",
                    help="where the frameworks run (the reference stays numpy float64 on the CPU): "
                         "cpu (default), cuda, or auto = cuda when every GPU-capable framework sees a GPU")
    group.addoption("--allow-tf32", action="store_true", default=False,
                    help="let torch and jax use TF32 matmuls and compare float32 with the tf32 tolerance row")
    group.addoption("--framework-warnings", default=None, choices=("report", "error"),
                    help="a warning from the framework under test: report it (default: counted in the summary and "
                         "the JSON report, the test goes on) or error (the test fails)")
    if not has_option(parser, REPORT_FLAG):
        group.addoption(REPORT_FLAG, default=None, dest="conformance_report", metavar="PATH",
                        help="write the conformance report (the suite's table, or the kit's verdict) as JSON to PATH")


def kit_run(config) -> bool:
    """A kit session (``--impl`` or ``$BACKPROP_IMPL``): the kit's plugin runs it, the suite stands aside."""
    return bool((config.getoption("impl", default=None) or "").strip() or (os.environ.get(KIT_ENV) or "").strip())


def _names_the_suite(arg: str) -> bool:
    """Whether a command-line argument is the suite's package (``--pyargs``) or a path inside it."""
    head = str(arg).split("::")[0]
    if head == PACKAGE or head.startswith(PACKAGE + "."):
        return True
    parts = os.path.normpath(os.path.abspath(head)).split(os.sep)
    return any(parts[i:i + 2] == ["conformance", "suite"] for i in range(len(parts) - 1))


def wanted(config) -> bool:
    """Whether this session runs the suite (see the module docstring); never a kit run."""
    if kit_run(config):
        return False
    if NAME in (config.getoption("plugins", default=None) or []):  # -p conformance.suite.plugin
        return True
    if any(_names_the_suite(a) for a in config.args):
        return True
    if os.environ.get(ENV, "").strip():
        return True
    return any(config.getoption(o, default=None) for o in _SUITE_OPTIONS)


@pytest.hookimpl(tryfirst=True)  # before Hypothesis' own pytest_configure loads --hypothesis-profile
def pytest_configure(config):
    config.addinivalue_line("markers", "conformance(implementation, properties=()): a property checked against "
                                       "a framework; its report rows are named by `properties`")
    config.addinivalue_line("markers", "scale: the scale tier (large networks); deselected unless --scale or -m scale")
    STATE.wanted, STATE.ready = wanted(config), False
    asked = config.getoption("hypothesis_profile", default=None)
    if not STATE.wanted:
        _provide_profile(asked)
        return
    from . import profiles, report

    profiles.register()
    if not asked:
        from hypothesis import settings

        settings.load_profile(profiles.DEFAULT)
    report.reset()
    report.ENVIRONMENT.clear()
    _set_up(config)


def _provide_profile(asked) -> None:
    """Outside a suite session (a kit run from this checkout, say), ``--hypothesis-profile=dev`` still finds
    the suite's profile of that name, where nothing else registered one: Hypothesis loads it next."""
    from . import profiles

    if asked not in profiles.NAMES:
        return
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    try:
        settings.get_profile(asked)
    except InvalidArgument:
        profiles.register()


def _set_up(config):
    """Select the frameworks, resolve the device, start every framework and note the environment (once)."""
    if STATE.ready:
        return
    STATE.ready = True
    from conformance.core import frameworks

    from . import device as _device
    from . import report

    try:
        frameworks.select(frameworks.parse(config.getoption("framework")))
        dev = _device.resolve_device(config.getoption("device") or "cpu")
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    tf32 = bool(config.getoption("allow_tf32"))
    SETTINGS.device, SETTINGS.tf32 = dev, tf32
    SETTINGS.warnings = config.getoption("framework_warnings") or "report"
    for fw in frameworks.selected():
        fw.availability()  # imports it and runs its start-up (jax: x64) before any test touches it
    precision = _device.apply_precision(tf32)
    report.ENVIRONMENT.update(_device.environment(dev, tf32, precision))


def pytest_report_header(config):
    if not STATE.wanted:
        return None
    from . import device as _device
    from . import report

    return _device.header_lines(report.ENVIRONMENT) if report.ENVIRONMENT else None


def skip_reason(name: str) -> str | None:
    """Why the implementation `name` cannot be checked in this session, or None."""
    from . import device as _device
    from . import oracles

    ok, info = oracles.availability(name)
    if not ok:
        return info
    return _device.missing_gpu(SETTINGS.device, name)


def _scale_selected(config) -> bool:
    return bool(config.getoption("scale")) or "scale" in (config.getoption("markexpr", "") or "")


def pytest_collection_modifyitems(config, items):
    if kit_run(config):
        return
    if not _scale_selected(config):
        dropped = [item for item in items if item.get_closest_marker("scale") is not None]
        if dropped:
            items[:] = [item for item in items if item.get_closest_marker("scale") is None]
            config.hook.pytest_deselected(items=dropped)
    marked = [(item, item.get_closest_marker("conformance")) for item in items]
    marked = [(item, mark) for item, mark in marked if mark is not None and mark.args]
    if not marked:
        return
    _set_up(config)  # suite tests collected in a session that did not ask for the suite by name
    from . import report

    for item, mark in marked:
        reason = skip_reason(mark.args[0])
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
            for prop in mark.kwargs.get("properties", ()):
                report.record(prop, mark.args[0], status="skipped", details={"reason": reason})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = sys.modules.get(f"{PACKAGE}.report")  # nothing to say if the suite never ran
    if report is None or kit_run(config):
        return
    lines = report.table()
    if lines:
        terminalreporter.section("conformance: examples run and worst error / tolerance (<= 1 passes)")
        for line in lines:
            terminalreporter.write_line(line)
        path = config.getoption("conformance_report", default=None)
        if path:
            terminalreporter.write_line(f"JSON report: {path}")
    warned = report.warning_rows()
    if warned:
        terminalreporter.section("conformance: warnings from the frameworks under test (reported, not failures; "
                                 "--framework-warnings=error fails them)")
        for w in warned:
            terminalreporter.write_line(f"{w['framework']}: {w['category']}: {w['message']} ({w['count']}x)")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    path = config.getoption("conformance_report", default=None)
    if not path or kit_run(config) or not (STATE.wanted or STATE.ready):
        return  # a kit run: the kit writes its own verdict
    from hypothesis import settings

    from conformance.core import frameworks

    from . import report

    extra = {"hypothesis_profile": settings.get_current_profile_name(), "max_examples": settings().max_examples,
             "hypothesis_seed": config.getoption("hypothesis_seed", default=None),
             "frameworks": list(frameworks.NAMES), "exitstatus": int(exitstatus)}
    report.write(path, extra)
