"""Everything a student's module could patch to make a wrong backprop pass, if it ran in the kit's process."""

import atexit
import os
import sys

import numpy as np
from _common import half


def patch_everything():
    # the reference, one of its sigma entries and a helper inside it
    import reference
    import reference.backpropagation as ref_backprop
    reference.backprop = half
    ref_backprop.backprop = half
    reference.SIGMA["sigmoid"] = (lambda z: z, lambda z: z)
    ref_backprop._backward = lambda *args, **kwargs: None
    # numpy's comparisons
    np.allclose = lambda *args, **kwargs: True
    np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
    np.array_equal = lambda *args, **kwargs: True
    # the kit, its tolerances and the strategies that draw networks
    import conformance.core.strategies as strategies
    import conformance.core.tolerances as tolerances
    import conformance.kit.check as kit_check
    import conformance.kit.properties as kit_properties
    kit_check.check = lambda *args, **kwargs: None
    kit_properties.check = lambda *args, **kwargs: None
    for key in list(tolerances.TOLERANCES):
        tolerances.TOLERANCES[key] = tolerances.Tolerance(rtol=1e9, atol=1e9, why="patched")
    strategies.cases = lambda *args, **kwargs: None
    # pytest: every report passes
    import _pytest.reports
    original = _pytest.reports.TestReport.__init__

    def passing(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.outcome, self.longrepr = "passed", None
    _pytest.reports.TestReport.__init__ = passing
    # Hypothesis: no examples at all
    from hypothesis import settings
    settings.register_profile("none", max_examples=1, phases=[])
    settings.load_profile("none")
    # and leave with status 0, whatever happened
    atexit.register(os._exit, 0)
    sys.modules.setdefault("_patched_everything", sys)
