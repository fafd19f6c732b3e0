"""Meta-tests: every row of the tolerance table catches each of the kit's catalogued mistakes.

A tolerance that hides bugs is a bug: every entry of the kit's catalogue of mistakes is a
backprop with one mistake (conformance/core/mutants.py, the one mutant engine the kit's
diagnosis runs too), and the float64, float32 and TF32 rows must each catch it wherever the
entry says it is a mistake (a float32 leak is none under the float32 rows), on the kit's probe
networks and the suite's edges.  It stays in this project's tests (not shipped with the suite)
because the demonstration networks are the kit's probes (:func:`conformance.kit.diagnosis.probes`);
the rest of the meta-tests ship in :mod:`conformance.suite.meta`.
"""

from __future__ import annotations

import numpy as np
import pytest

from conformance.core import mutants
from conformance.core.mistakes import CATALOG
from conformance.core.strategies import Case
from conformance.core.tolerances import TOLERANCES
from conformance.kit.diagnosis import probes
from conformance.suite.assertions import ConformanceError, assert_trace_agrees
from conformance.suite.edges import KINK, SATURATED, sample_case
from reference import ACTIVATIONS


def mutant_trace(case, mistake=None, dtype="float64"):
    """The one mutant engine's trace (conformance/core/mutants.py): a numpy backprop with one catalogued mistake."""
    return mutants.trace(*case.args(), mistake=mistake, dtype=dtype)


def _demonstrations():
    """Small networks on which the catalogued mistakes show: the kit's probes for a case drawing every activation
    (a mixed 4-layer one, one per activation with relu's kink and |z| = 800), the relu kink and saturation."""
    every = Case([np.ones((1, 1))], [np.zeros(1)], list(ACTIVATIONS), np.ones((1, 1)), np.ones((1, 1)))
    return [Case(*map(list, args[:3]), *args[3:]) for _, _, args in probes(every)] + [KINK, SATURATED, sample_case()]


DEMOS = _demonstrations()


@pytest.mark.parametrize("mode", ["float64", "float32", "float32-tf32"])
@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_row_of_the_table_catches_each_catalogued_mistake(name, mode):
    """Every catalogue entry fails under every tolerance row where it is a mistake (it says which), on one of the
    demonstration networks; where it is none (a float32 leak under the float32 rows) it passes on all of them."""
    dtype = "float64" if mode == "float64" else "float32"
    caught = []
    for demo in DEMOS:
        case = demo.rounded(dtype)
        truth = mutant_trace(case, None, dtype)
        assert_trace_agrees(case, dtype, TOLERANCES[mode], mode, "truth", truth)  # the correct engine passes
        try:
            assert_trace_agrees(case, dtype, TOLERANCES[mode], mode, name, mutant_trace(case, name, dtype))
        except ConformanceError:
            caught.append(demo.describe())
    if mode in CATALOG[name].rows:
        assert caught, f"{name} passes every demonstration network under the {mode} row"
    else:
        assert not caught, f"{name} is declared no mistake under {mode} but fails on {caught}"
