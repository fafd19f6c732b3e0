"""Meta-tests: the suite's helpers do not cry wolf at known edges, are tight, and report well.

A tolerance that cries wolf is a bug: saturated sigmoids (torch and jax give slope 0, the
reference e^-|z|), relu's kink and cancellation in a(L) - y must pass; a tolerance that hides
bugs is one too: the bounds are tight where the network is well conditioned (and this project's
tests/test_conformance_meta.py shows that every row catches every catalogued mistake).  The
failure message, the reproducer and the report are checked here too.  They need no framework.
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
from conformance.core.tolerances import TOLERANCES, tolerance
from conformance.suite import report
from conformance.suite.assertions import ConformanceError, assert_trace_agrees, reproducer, tensor_name
from conformance.suite.edges import CANCELLED_KINK, KINK, SATURATED, sample_case


def mutant_trace(case, mistake=None, dtype="float64"):
    """The one mutant engine's trace (conformance/core/mutants.py): a numpy backprop with one catalogued mistake."""
    return mutants.trace(*case.args(), mistake=mistake, dtype=dtype)


def test_the_correct_mutant_is_the_reference():
    for case in [KINK, SATURATED, CANCELLED_KINK, sample_case()]:
        assert_trace_agrees(case, "float64", tolerance("float64"), "float64", "numpy", mutant_trace(case))


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
    case = sample_case()
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
    case = sample_case()
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
    case = sample_case()
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
    report.record("p", "torch float64", status="failed")  # no error measured: the failing example raised
    report.record("kit/values", "mine", examples=200, status="passed")
    rows = {(r["property"], r["implementation"]): r for r in report.rows()}
    # a failed row shows the failing example's error (none here), never the passing examples' 0.1
    assert rows[("p", "torch float64")] == {"property": "p", "implementation": "torch float64", "examples": 5,
                                             "worst": None, "status": "failed", "details": {"note": 1}}
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
