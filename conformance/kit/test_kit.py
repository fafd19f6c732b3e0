"""The conformance kit's properties, run against ``--impl`` / ``BACKPROP_IMPL``.

``pytest --impl=MODULE:FUNCTION`` (or ``path/to/file.py:FUNCTION``) runs these
three properties on that function and nothing else; without --impl they are
skipped (conformance/kit/plugin.py).
"""

from __future__ import annotations

import pytest

from . import plugin

pytestmark = pytest.mark.kit_property


def _run(prop):
    __tracebackhide__ = True
    from .session import run_property
    run_property(prop, plugin.KIT)


def test_contract():
    """Returns (dC_dw, dC_db): L floating arrays each, shaped like weights / biases, finite where the reference is."""
    _run("contract")


def test_gradients():
    """dC/dw and dC/db equal the reference's on every drawn network, under the acceptance rule (docs/grading.md)."""
    _run("gradients")


def test_purity():
    """Never modifies its inputs, and answers the same when called twice with the same inputs."""
    _run("purity")
