"""Every framework passes the known edges: saturated sigmoids, relu's kink (exact and by cancellation), and a
subnormal weight that XLA flushes to zero, in float64 and float32 (:mod:`conformance.suite.edges`).

They pin what the drawn properties only reach by chance; a framework that fails one of them
disagrees with the reference where the tolerance table allows a documented convention.
"""

from __future__ import annotations

import pytest

from conformance.core.tolerances import tolerance
from conformance.suite import oracles
from conformance.suite.assertions import assert_step_agrees, assert_trace_agrees
from conformance.suite.edges import CANCELLED_KINK, KINK, SATURATED, SUBNORMAL, SUBNORMAL_ETA
from conformance.suite.parametrize import implementations


def _row(dtype):
    """The row the drawn properties use: float32 becomes float32-tf32 under --allow-tf32 (a GPU's fast path)."""
    return tolerance(dtype, tf32=oracles.SETTINGS.tf32)


@implementations()
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", [SATURATED, KINK, CANCELLED_KINK],
                         ids=["saturated sigmoid", "relu kink", "relu kink by cancellation"])
def test_known_edges_pass(impl, dtype, case):
    c = case.rounded(dtype)
    assert_trace_agrees(c, dtype, _row(dtype), dtype, impl, oracles.trace(impl, c, dtype))


@implementations()
def test_subnormal_weights_flushed_by_xla_are_within_the_bound(impl):
    """Found by the thorough profile (seed 2): jax reads w(1) = -1.1e-308 as 0, so z(2) = 0 and relu' = 0."""
    for dtype in ("float64", "float32"):
        c = SUBNORMAL.rounded(dtype)
        assert_trace_agrees(c, dtype, _row(dtype), dtype, impl, oracles.trace(impl, c, dtype))
        after = oracles.trajectory(impl, c, SUBNORMAL_ETA, 1, dtype)[1]
        assert_step_agrees(c, SUBNORMAL_ETA, dtype, _row(dtype), dtype, impl, after, 0)
