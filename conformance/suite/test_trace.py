"""Conformance: the reference and every framework of the registry agree on every number the video names.

For every drawn case (conformance/core/strategies.py) and each framework (torch autograd,
jax.grad, HIPS autograd, or those given by ``--framework``), in float64 and
float32: the cost C, every z(l) and a(l), every dC/dz(l), dC/dw(l), dC/db(l) and
dC/da(l), l = 0..L, within the tolerance table's bound (conformance/core/tolerances.py).
``pytest --hypothesis-show-statistics`` shows how often the deliberate extremes are drawn
(batch 1, width 1, relu at z = 0 exactly, saturated sigmoid/tanh).
"""

from __future__ import annotations

from hypothesis import event, given

from conformance.core import frameworks
from conformance.core.strategies import LIMITS, cases, features
from conformance.core.tolerances import mode_name, tolerance
from conformance.suite import oracles, report
from conformance.suite.assertions import assert_trace_agrees
from conformance.suite.parametrize import implementations

DTYPES = ("float64", "float32")


def _other(name, case, dtype):
    if oracles.availability(name)[0]:
        return lambda: oracles.trace(name, case, dtype)
    return None


def others(impl, case, dtype) -> dict:
    """The other frameworks' traces (callables, run only if a failure message needs them)."""
    return {fw.name: _other(fw.name, case, dtype) for fw in frameworks.known() if fw.name != impl}


@implementations("forward_backward")
@given(case=cases(**LIMITS))
def test_forward_and_backward_agree(impl, case):
    for what in features(case):  # the drawn extremes, counted by --hypothesis-show-statistics
        event(what)
    for dtype in DTYPES:
        c = case.rounded(dtype)  # the framework and the reference get the very same numbers
        tol, mode = tolerance(dtype, tf32=oracles.SETTINGS.tf32), mode_name(dtype, tf32=oracles.SETTINGS.tf32)
        with report.checking("forward_backward", f"{impl} {mode}") as example:  # a raise is recorded as failed
            theirs = oracles.trace(impl, c, dtype)
            example["worst"] = assert_trace_agrees(c, dtype, tol, mode, impl, theirs, others(impl, c, dtype))
