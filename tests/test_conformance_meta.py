"""Meta-tests: the suite's helpers catch real bugs, do not cry wolf at known edges, and report well.

A tolerance that hides bugs is a bug: every entry of the kit's catalogue of mistakes is a
backprop with one mistake (conformance/core/mutants.py, the one mutant engine the kit's
diagnosis runs too), and the float64, float32 and TF32 rows must each catch it wherever the
entry says it is a mistake (a float32 leak is none under the float32 rows).  A tolerance that
cries wolf is a bug too: saturated sigmoids (torch and jax give slope 0, the reference
e^-|z|), relu's kink and cancellation in a(L) - y must pass.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

import reference
from conformance.core import mutants
from conformance.core.bounds import error_bounds
from conformance.core.mistakes import CATALOG
from conformance.core.strategies import Case
from conformance.core.tolerances import TOLERANCES, tolerance
from conformance.kit.diagnosis import probes
from conformance.suite import oracles, report
from conformance.suite.assertions import ConformanceError, assert_trace_agrees, reproducer, tensor_name
from reference import ACTIVATIONS

AVAILABLE = [n for n in oracles.IMPLEMENTATIONS if oracles.availability(n)[0]]
needs_framework = pytest.mark.skipif(not AVAILABLE, reason="neither torch nor jax is installed")


def _case(**kw):
    rng = np.random.default_rng(3)
    base = dict(weights=[rng.normal(size=(3, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 2))],
                biases=[rng.normal(size=3), rng.normal(size=2), rng.normal(size=2)],
                activations=["sigmoid", "tanh", "sigmoid"], x=rng.normal(size=(3, 2)), y=rng.normal(size=(3, 2)))
    base.update(kw)
    return Case(**base)


# relu's kink: z(1) = 0 from exact zeros in row 0 (every implementation must give relu'(0) = 0 there),
# and z(1) = 2 - 2 = 0 by cancellation in row 1 (rounding could move it: either slope passes)
KINK = Case([np.array([[1.0, -1.0], [0.5, 0.0]]), np.array([[1.0, 2.0]])], [np.zeros(2), np.array([0.3])],
            ["relu", "identity"], np.array([[0.0, 0.0], [2.0, 2.0], [3.0, 1.0], [-1.0, 0.0]]), np.ones((4, 1)))
# found by the thorough profile: z = 2^-126 - 60 + 60 is 0 in numpy's order and 2^-126 in torch's
# (which is right): relu' is 0 in one and 1 in the other; the kink rule allows both
CANCELLED_KINK = Case([np.array([[2.0**-126, 0.0, -60.0, 0.0, 60.0]])], [np.zeros(1)], ["relu"], np.ones((1, 5)),
                      np.ones((1, 1)))
# z(1) = 60, -45, 20: saturated sigmoids
SATURATED = Case([np.array([[60.0], [-45.0], [20.0]]), np.array([[1.5, -2.0, 0.7]])], [np.zeros(3), np.array([-0.2])],
                 ["sigmoid", "identity"], np.array([[1.0], [-0.9], [1.2]]), np.zeros((3, 1)))


def mutant_trace(case, mistake=None, dtype="float64"):
    """The one mutant engine's trace (conformance/core/mutants.py): a numpy backprop with one catalogued mistake."""
    return mutants.trace(*case.args(), mistake=mistake, dtype=dtype)


def _demonstrations():
    """Small networks on which the catalogued mistakes show: the kit's probes for a case drawing every activation
    (a mixed 4-layer one, one per activation with relu's kink and |z| = 800), the relu kink and saturation."""
    every = Case([np.ones((1, 1))], [np.zeros(1)], list(ACTIVATIONS), np.ones((1, 1)), np.ones((1, 1)))
    return [Case(*map(list, args[:3]), *args[3:]) for _, _, args in probes(every)] + [KINK, SATURATED, _case()]


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


def test_the_correct_mutant_is_the_reference():
    for case in [*DEMOS, CANCELLED_KINK]:
        assert_trace_agrees(case, "float64", tolerance("float64"), "float64", "numpy", mutant_trace(case))


@needs_framework
@pytest.mark.parametrize("impl", AVAILABLE)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", [SATURATED, KINK, CANCELLED_KINK],
                         ids=["saturated sigmoid", "relu kink", "relu kink by cancellation"])
def test_known_edges_pass(impl, dtype, case):
    c = case.rounded(dtype)
    assert_trace_agrees(c, dtype, tolerance(dtype), dtype, impl, oracles.trace(impl, c, dtype))


def test_saturation_is_an_absolute_error_of_about_u_in_sigma_prime():
    """The reference keeps sigma'(60) = e^-60; a framework's 0 is within the bound, and nothing more is."""
    case = SATURATED
    ref = reference.backprop_trace(*case.args())
    for mode in ("float64", "float32"):
        b = error_bounds(*case.args(), ref, TOLERANCES[mode])
        framework_like = np.where(np.abs(ref.z[0]) > 30, 0.0, ref.dC_dz[0])  # s(1 - s) = 0 there
        assert np.all(np.abs(framework_like - ref.dC_dz[0]) <= TOLERANCES[mode].safety * b["dC_dz"][0])
        assert np.all(b["dC_dz"][0] <= 1e-5 * np.abs(ref.dC_da[1]) + 1e-30)  # but not loose: ~u |dC/da|


def test_bounds_are_tight_where_the_network_is_well_conditioned():
    case = _case()
    ref = reference.backprop_trace(*case.args())
    for mode, most in (("float64", 1e-12), ("float32", 1e-4)):  # u x ~10^4 even where a(l) ~ 0.01
        b = error_bounds(*case.args(), ref, TOLERANCES[mode])
        for field in ("a", "dC_dw", "dC_db"):
            bounds = b[field][1:] if field == "a" else b[field]
            for value, bound in zip(getattr(ref, field)[1:] if field == "a" else getattr(ref, field), bounds):
                assert np.all(bound <= most * np.maximum(np.abs(value), 1e-3)), (mode, field)


def test_tensor_names_follow_the_video():
    assert tensor_name("dC_dw", 1, (1, 0)) == "dC/dw(2)[j=1, k=0]"
    assert tensor_name("dC_db", 0, (2,)) == "dC/db(1)[j=2]"
    assert tensor_name("a", 2, (0, 1)) == "a(2)[example=0, j=1]"
    assert tensor_name("dC_da", 0, (3, 0)) == "dC/da(0)[example=3, j=0]"
    assert tensor_name("z", 0) == "z(1)"
    assert tensor_name("C", None) == "C"


def test_failure_message_has_every_part():
    case = _case()
    with pytest.raises(ConformanceError) as info:
        assert_trace_agrees(case, "float64", tolerance("float64"), "float64", "mutant",
                            mutant_trace(case, "half_cost_convention"),
                            others={"torch": None, "jax": lambda: mutant_trace(case, "half_cost_convention")})
    msg = str(info.value)
    for part in ("a(3)", "disagrees: mutant vs reference (float64)", "reference =", "mutant", "torch     = n/a",
                 "jax", "allowed", "x the tolerance", "network: 2-3-2-2 (sigmoid, tanh, sigmoid), m=3",
                 "tolerance row 'float64'", "Reproduce with:", "np.array(", "reference.backprop_trace"):
        assert part in msg, (part, msg)


def test_reproducer_runs_on_its_own():
    case = _case()
    code = reproducer(case, "float64")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<reproducer>", "exec"), {})
    assert "reference" in out.getvalue()
    ns = {}
    exec(compile(code.split("ref =")[0], "<arrays>", "exec"), ns)
    for ours, theirs in zip(case.weights + case.biases, ns["weights"] + ns["biases"]):
        assert np.array_equal(ours, theirs)  # full precision: the same bits


def test_report_api_accumulates_and_writes_json(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", {})
    report.record("p", "torch float64", examples=2, worst=0.1)
    report.record("p", "torch float64", examples=3, worst=0.05, details={"note": 1})
    report.record("p", "torch float64", status="failed")
    report.record("kit/values", "mine", examples=200, status="passed")
    rows = {(r["property"], r["implementation"]): r for r in report.rows()}
    assert rows[("p", "torch float64")] == {"property": "p", "implementation": "torch float64", "examples": 5,
                                             "worst": 0.1, "status": "failed", "details": {"note": 1}}
    assert rows[("kit/values", "mine")]["worst"] is None
    path = tmp_path / "r.json"
    report.write(str(path), {"exitstatus": 0})
    data = json.loads(path.read_text())
    assert data["exitstatus"] == 0 and len(data["results"]) == 2 and "environment" in data
    table = report.table()
    assert table[0].split() == ["property", "implementation", "examples", "worst/tol", "status"]
    with pytest.raises(ValueError):
        report.record("p", "x", status="maybe")


def test_tf32_row_is_derived_from_a_10_bit_mantissa():
    t, f = tolerance("float32", tf32=True), tolerance("float32")
    assert t is TOLERANCES["float32-tf32"] and f is TOLERANCES["float32"]
    assert tolerance("float64", tf32=True) is TOLERANCES["float64"]  # float64 never goes through TF32
    assert t.u_matmul == pytest.approx(2 * 2.0**-11 + 2.0**-24) and f.u_matmul == pytest.approx(2.0**-24, rel=1e-8)


@needs_framework
@pytest.mark.parametrize("impl", AVAILABLE)
def test_subnormal_weights_flushed_by_xla_are_within_the_bound(impl):
    """Found by the thorough profile (seed 2): jax reads w(1) = -1.1e-308 as 0, so z(2) = 0 and relu' = 0."""
    case = Case([np.array([[-1.1125369292536007e-308]]), np.array([[1.0]])], [np.zeros(1), np.zeros(1)],
                ["identity", "relu"], np.array([[-60.0]]), np.array([[1.0]]))
    for dtype in ("float64", "float32"):
        c = case.rounded(dtype)
        assert_trace_agrees(c, dtype, tolerance(dtype), dtype, impl, oracles.trace(impl, c, dtype))
        after = oracles.trajectory(impl, c, 0.0008333333535119891, 1, dtype)[1]
        from conformance.suite.assertions import assert_step_agrees
        assert_step_agrees(c, 0.0008333333535119891, dtype, tolerance(dtype), dtype, impl, after, 0)
