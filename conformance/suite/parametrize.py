"""One decorator that runs a property once per framework this session checks, and names its report rows.

``@implementations("sgd_one_step", "sgd_trajectory_10")`` parametrizes the test over the
frameworks of :data:`conformance.core.frameworks.NAMES` (the built-ins, or those ``--framework``
named: the plugin selects them before the property modules are imported), each marked
``conformance(name, properties=(...))``: the plugin skips a framework that cannot run here, with
the reason, and records a skipped row under each of those property names.
"""

from __future__ import annotations

import pytest

from conformance.core import frameworks


def implementations(*properties: str):
    """``pytest.mark.parametrize("impl", ...)`` over the selected frameworks, each marked with `properties`."""
    params = [pytest.param(n, marks=pytest.mark.conformance(n, properties=properties), id=n)
              for n in frameworks.NAMES]
    return pytest.mark.parametrize("impl", params)
