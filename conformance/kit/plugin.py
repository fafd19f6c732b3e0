"""pytest plugin of the conformance kit: check your own backprop with ``--impl``.

Installed with the package (entry point ``pytest11``), so ``pytest --impl=SPEC`` works in any folder,
and pytest imports this module in *every* project where the wheel is installed: it imports only
the standard library, pytest and :mod:`conformance.kit.options` (the option table).  Everything
else (numpy, Hypothesis, the reference, the worker) is imported by :mod:`conformance.kit.session`,
and only when ``--impl`` or ``BACKPROP_IMPL`` names an implementation: without one the plugin only
lists its options and changes no Hypothesis profile, no JAX setting, no header, no output.

Options: ``pytest --help``, group "conformance kit" (the table in :mod:`conformance.kit.options`).
``backprop-check SPEC`` (:mod:`conformance.kit.cli`) runs the same session.
"""

from __future__ import annotations

import os

import pytest

from . import options
from .options import ENV_VAR

KIT_MARK = "kit_property"
NO_IMPL = (f"conformance kit: no implementation given; run pytest --impl=MODULE:FUNCTION or "
           f"--impl=path/to/file.py:FUNCTION (or set {ENV_VAR}) to check your own backprop")


class KitState:
    """What the kit was asked to check in this session (reset by each pytest_configure)."""

    def __init__(self):
        self.spec = None         # the parsed SPEC
        self.impl = None         # what is called: an IsolatedImpl, a callable; None: the plugin is inert
        self.options = None      # conformance.kit.options.KitOptions
        self.broken = None       # why the submission could not be loaded (each property fails with it)
        self.isolated = False
        self.incomplete = []     # why a run that pytest calls passed is not a pass
        self.results = {}        # property -> entry, in the process that reports (controller under xdist)
        self.explained = {}      # cause -> the property whose failure explained it first

    @property
    def activations(self):
        return self.options.activations if self.options else ()

    @property
    def shape(self):
        return self.options.shape if self.options else None

    @property
    def dtype(self):
        return self.options.dtype if self.options else None


KIT = KitState()


def resolve_spec(option, environ=os.environ):
    """The implementation spec to check: --impl, else $BACKPROP_IMPL, else None.

    >>> resolve_spec(None, {"BACKPROP_IMPL": "mine:backprop"}), resolve_spec("a:b", {"BACKPROP_IMPL": "c:d"})
    ('mine:backprop', 'a:b')
    """
    return (option or "").strip() or (environ.get(ENV_VAR) or "").strip() or None


def active() -> bool:
    """Whether this session checks an implementation (the only case in which the plugin does anything)."""
    return KIT.impl is not None


def pytest_addoption(parser):
    options.add_to_pytest(parser)


def pytest_configure(config):
    config.addinivalue_line("markers", f"{KIT_MARK}: a conformance-kit property, run only with --impl")
    KIT.__init__()
    text = resolve_spec(config.getoption("impl"))
    if not text:
        return  # inert: nothing below runs in a session that checks no implementation
    from . import session
    session.configure(config, text, KIT)


def pytest_report_header(config):
    if KIT.impl is None:
        return None
    from . import session
    return session.header(KIT)


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if KIT.impl is not None and item.get_closest_marker(KIT_MARK):
        from . import session
        session.makereport(item, call, outcome.get_result(), KIT)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report):
    if KIT.impl is not None:
        from . import session
        session.logreport(report, KIT)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if KIT.impl is not None and not hasattr(config, "workerinput"):
        from . import session
        session.terminal_summary(terminalreporter, KIT)


def pytest_sessionfinish(session, exitstatus):
    if KIT.impl is not None and not hasattr(session.config, "workerinput"):
        from . import session as kit_session
        kit_session.finish(session, exitstatus, KIT)


def pytest_unconfigure(config):
    if KIT.impl is not None:
        from . import session
        session.unconfigure(KIT)
