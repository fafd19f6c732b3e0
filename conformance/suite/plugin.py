"""pytest plugin of the conformance suite: profiles, --device / --allow-tf32, the report.

Options (``pytest --help``, group "conformance"):

--framework=SPEC            check this framework (repeatable or comma-separated; default torch, jax,
                            autograd): a built-in name or MODULE:CLASS, a conformance.core.frameworks.Framework
                            subclass; also $CONFORMANCE_FRAMEWORK (docs/frameworks.md)
--device=cpu|cuda|auto      where the frameworks run (default cpu; the reference is numpy on the CPU)
--allow-tf32                test the frameworks' TF32 fast path, with the tf32 tolerance row
--scale                     run the scale tier too (tests marked ``scale``: widths up to 256, batch up to
                            128, depth up to 6); it is deselected otherwise, unless ``-m`` names it
--conformance-report=PATH   write the per-property, per-implementation table as JSON

Profiles (conformance/suite/profiles.py): ``--hypothesis-profile=dev|ci|thorough``, ci by default.
The header names the versions, x64, the device, the GPU and the precision settings; the
terminal summary prints, per property and implementation, the examples run and the
worst error as a fraction of its tolerance (:mod:`conformance.suite.report`).
"""

from __future__ import annotations

import pytest

from conformance.core import frameworks

from . import device as _device
from . import (
    oracles,
    profiles,  # noqa: F401  (registers and loads the Hypothesis profiles)
    report,
)


def pytest_addoption(parser):
    group = parser.getgroup("conformance", "the conformance suite: the reference vs the frameworks")
    group.addoption("--framework", action="append", default=[], metavar="NAME|MODULE:CLASS",
                    help="the framework(s) to check: torch, jax, autograd or MODULE:CLASS (a Framework subclass); "
                         f"repeatable or comma-separated; default ${frameworks.ENV} or all the built-ins")
    group.addoption("--scale", action="store_true", default=False,
                    help="also run the scale tier (marker 'scale': large networks); or select it with -m scale")
    group.addoption("--device", default="cpu", metavar="cpu|cuda|auto",
                    help="where the frameworks run (the reference stays numpy float64 on the CPU): "
                         "cpu (default), cuda, or auto = cuda when both frameworks see a GPU")
    group.addoption("--allow-tf32", action="store_true", default=False,
                    help="let torch and jax use TF32 matmuls and compare float32 with the tf32 tolerance row")
    # --conformance-report is registered by the kit's plugin (conformance/kit/plugin.py), which pytest
    # loads first: one option, written by the suite in a suite run and by the kit in a kit run.


def pytest_configure(config):
    config.addinivalue_line("markers", "conformance(implementation): a property checked against a framework")
    config.addinivalue_line("markers", "scale: the scale tier (large networks); deselected unless --scale or -m scale")
    try:
        frameworks.select(frameworks.parse(config.getoption("framework")))
        dev = _device.resolve_device(config.getoption("device"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    report.reset()
    report.ENVIRONMENT.clear()
    from conformance.kit import plugin as kit_plugin

    if kit_plugin.active():  # a kit run (pytest --impl from this checkout): only the kit's properties run, and
        return               # it imports a framework when an answer differs; no start-up of every framework here
    tf32 = bool(config.getoption("allow_tf32"))
    oracles.SETTINGS.device, oracles.SETTINGS.tf32 = dev, tf32
    for fw in frameworks.selected():
        fw.availability()  # imports it and runs its start-up (jax: x64) before any test touches it
    precision = _device.apply_precision(tf32)
    report.ENVIRONMENT.update(_device.environment(dev, tf32, precision))


def pytest_report_header(config):
    return _device.header_lines(report.ENVIRONMENT) if report.ENVIRONMENT else None


def skip_reason(name: str) -> str | None:
    """Why the implementation `name` cannot be checked in this session, or None."""
    ok, info = oracles.availability(name)
    if not ok:
        return info
    return _device.missing_gpu(oracles.SETTINGS.device, name)


# the report's property names for each conformance test (the rows a skipped test leaves out)
PROPERTIES = {
    "test_forward_and_backward_agree": ("forward_backward",),
    "test_gradient_descent_agrees": ("sgd_one_step", "sgd_trajectory_10"),
    "test_round_trips_are_exact": ("round_trip",),
    "test_scale_forward_backward": ("scale/forward_backward",),
    "test_scale_sgd_step": ("scale/sgd_one_step",),
}


def _scale_selected(config) -> bool:
    return bool(config.getoption("scale")) or "scale" in (config.getoption("markexpr", "") or "")


def pytest_collection_modifyitems(config, items):
    if not _scale_selected(config):
        dropped = [item for item in items if item.get_closest_marker("scale") is not None]
        if dropped:
            items[:] = [item for item in items if item.get_closest_marker("scale") is None]
            config.hook.pytest_deselected(items=dropped)
    for item in items:
        mark = item.get_closest_marker("conformance")
        if mark is None or not mark.args:
            continue
        reason = skip_reason(mark.args[0])
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
            name = getattr(item, "originalname", item.name)
            for prop in PROPERTIES.get(name, (name.removeprefix("test_"),)):
                report.record(prop, mark.args[0], status="skipped", details={"reason": reason})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = report.table()
    if not lines:
        return
    terminalreporter.section("conformance: examples run and worst error / tolerance (<= 1 passes)")
    for line in lines:
        terminalreporter.write_line(line)
    path = config.getoption("conformance_report", default=None)
    if path:
        terminalreporter.write_line(f"JSON report: {path}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("conformance_report", default=None)
    from conformance.kit import plugin as kit_plugin

    if not path or kit_plugin.active():  # a kit run: the kit writes its own verdict
        return
    from hypothesis import settings

    extra = {"hypothesis_profile": settings._current_profile, "max_examples": settings().max_examples,
             "hypothesis_seed": session.config.getoption("hypothesis_seed", default=None),
             "frameworks": list(frameworks.NAMES), "exitstatus": int(exitstatus)}
    report.write(path, extra)
