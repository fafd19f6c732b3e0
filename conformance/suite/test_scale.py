"""The scale tier: a few large networks per run, where frameworks take their blocked, threaded or GPU paths.

The properties of test_trace.py (every z, a and derivative) and the first step of
test_training.py, on networks of depth 1..6, every width 16..256 and batch 1..128
(:data:`SCALE`), against every framework of the registry and both precision rows, with the
tolerances of the same bound table.  A few networks per run: ``max(3, max_examples // 40)``
(5 under the ci profile, 50 under thorough).  Under ``--device=cuda`` this is where TF32 and
blocked GPU kernels show (``--allow-tf32`` switches the float32 row).

Marked ``scale``: deselected from a plain ``pytest`` run; run it with ``pytest -m scale`` or
``pytest --scale`` (the suite's plugin), e.g. ``pytest -m scale --device=cuda``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.strategies import cases, learning_rates
from conformance.core.tolerances import mode_name, tolerance
from conformance.suite import oracles, report
from conformance.suite.assertions import assert_step_agrees, assert_trace_agrees
from conformance.suite.descent import effective_eta
from conformance.suite.parametrize import implementations

pytestmark = pytest.mark.scale
SCALE = {"max_depth": 6, "min_width": 16, "max_width": 256, "max_batch": 128}
EXAMPLES = max(3, settings.default.max_examples // 40)


def large_cases():
    """Depth 1..6, each width 16..256, batch 1..128: every value from seeded_arrays (strategies.SMALL)."""
    sizes = st.integers(1, SCALE["max_depth"]).flatmap(
        lambda L: st.lists(st.integers(SCALE["min_width"], SCALE["max_width"]), min_size=L + 1, max_size=L + 1))
    return sizes.flatmap(lambda s: cases(sizes=s, max_batch=SCALE["max_batch"]))


def _mode(dtype):
    return tolerance(dtype, tf32=oracles.SETTINGS.tf32), mode_name(dtype, tf32=oracles.SETTINGS.tf32)


@implementations("scale/forward_backward")
@settings(max_examples=EXAMPLES)
@given(case=large_cases())
def test_scale_forward_backward(impl, case):
    for dtype in ("float64", "float32"):
        c = case.rounded(dtype)
        tol, mode = _mode(dtype)
        key = ("scale/forward_backward", f"{impl} {mode}")
        with report.checking(*key) as example:
            example["worst"] = assert_trace_agrees(c, dtype, tol, mode, impl, oracles.trace(impl, c, dtype))
        report.record(*key, details={"largest network": _largest(key, c)})


@implementations("scale/sgd_one_step")
@settings(max_examples=EXAMPLES)
@given(case=large_cases(), eta=learning_rates())
def test_scale_sgd_step(impl, case, eta):
    for dtype in ("float64", "float32"):
        c = case.rounded(dtype)
        lr = effective_eta(c, eta, dtype)
        tol, mode = _mode(dtype)
        key = ("scale/sgd_one_step", f"{impl} {mode}")
        with report.checking(*key) as example:
            after = oracles.trajectory(impl, c, lr, 1, dtype)[1]
            example["worst"] = assert_step_agrees(c, lr, dtype, tol, mode, impl, after, 0)
        report.record(*key, details={"largest network": _largest(key, c)})


def _largest(key, case) -> str:
    """The network of the report row `key` with the most weights x examples so far, as Case.describe() says it."""
    def size(describe):
        if not describe:
            return 0
        sizes = [int(n) for n in describe.split(" ")[0].split("-")]
        return sum(a * b for a, b in zip(sizes, sizes[1:])) * int(describe.rsplit("m=", 1)[1])

    seen = report.RESULTS.get(key, {}).get("details", {}).get("largest network", "")
    return max(seen, case.describe(), key=size)
