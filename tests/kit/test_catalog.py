"""Meta-tests of the conformance kit: it catches every catalogued mistake, names it, and passes correct code.

Everything runs in-process through the same property builder ``pytest --impl``
uses (conformance/kit/properties.py), under the ci profile whatever profile is
loaded; one subprocess runs the real command line for the factor-of-2 mistake.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, given, settings

import reference
from conformance.core.mistakes import CATALOG, correct
from conformance.core.strategies import Case, cases
from conformance.kit import plugin
from conformance.kit.check import KitFailure, check
from conformance.kit.diagnosis import diagnose
from conformance.kit.loader import ImplLoadError, load, parse
from conformance.kit.properties import PROPERTIES, build

from .correct_styles import STYLES

ROOT = Path(__file__).resolve().parents[2]
CI = settings.get_profile("ci")
NO_SHRINK = settings(CI, phases=[Phase.explicit, Phase.reuse, Phase.generate])

# Mistakes and what their diagnosis must say on the *shrunk* example
NAMED = {
    "half_cost_convention": "exactly 1/2 times the video's",
    "half_sum_cost": "the 1/2 cost convention and a sum over the m examples instead of their mean",
    "sigma_prime_missing_in_last_layer": "sigma' missing in the last layer",
    "sigma_prime_of_a": "sigma' applied to a instead of z",
    "no_sum_over_paths": "No sum over paths into a(l-1)",
    "sum_over_examples": "a sum over the m examples instead of their mean",
    "sign_of_a_minus_y": "the sign of (a - y) flipped",
    "bias_gradient_from_one_example": "The bias gradient taken from one example",
    "cross_entropy_delta": "The cross-entropy cost's delta",
    "sigma_prime_twice_in_last_layer": "sigma' applied twice in the last layer",
}
KIT_ROWS = ("float64", "float32")  # the kit judges float64 and float32 answers (TF32 is the suite's alone)


def _failure(fn, prop="gradients", s=CI) -> KitFailure:
    with pytest.raises(KitFailure) as info:
        build(fn, prop, frameworks=False, settings=s)()
    return info.value


def test_the_catalog_is_complete():
    assert len(CATALOG) >= 30
    assert set(NAMED) <= set(CATALOG)
    for mk in CATALOG.values():
        assert mk.function.__doc__ and "[" in mk.function.__doc__.splitlines()[0], mk.name  # a timestamp
        assert mk.hint and mk.timestamp and mk.source and mk.rows and mk.category, mk.name
    assert {mk.category for mk in CATALOG.values()} == {"cost", "derivative", "bias", "layers", "numerics"}


@pytest.mark.parametrize("row", KIT_ROWS)
@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_mistake_is_caught_and_named(name, row):
    """Under the ci profile (first failing example, no shrinking: the fast half of the guarantee), in float64
    and in float32 (the same mistake computed and returned in float32), wherever the entry is a mistake."""
    mk = CATALOG[name]
    fn = mk.function if row == "float64" else mk.function32
    if row not in mk.rows:  # e.g. a float32 leak is no mistake for a float32 backprop: the kit passes it
        build(fn, "gradients", frameworks=False, settings=NO_SHRINK)()
        return
    failure = _failure(fn, s=NO_SHRINK)
    assert failure.record["check"] in ("values", "structure", "finite")
    assert repr(name) in failure.record["diagnosis"] or f"- {name}:" in failure.record["diagnosis"], \
        failure.record["diagnosis"]


@pytest.mark.extended  # every named mistake shrunk to its smallest network
@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_mistakes_are_diagnosed_on_the_smallest_network(name):
    """With shrinking, as a user sees it: the message names the mistake on the minimal example."""
    failure = _failure(CATALOG[name].function)
    message = str(failure)
    assert NAMED[name] in message and repr(name) in message, message
    assert "The smallest failing example" in message and "Reproduce" in message


def test_correct_styles_pass():
    """Five styles (per-example columns, einsum columns, rows with kernels, Python floats, float32) and the
    catalogue's base pass on the same draws, the larger networks of reach=True included."""
    impls = [*STYLES.values(), correct]

    @settings(CI)
    @given(case=cases(reach=True))
    def all_pass(case):
        for fn in impls:
            check(fn, case, aspects=PROPERTIES["gradients"], frameworks=False)
    all_pass()


# ------------------------------------------------------------ each failure kind, on one case

CASE = Case([np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.5, -0.5]])], [np.array([0.1, -0.2]), np.array([0.3])],
            ["sigmoid", "tanh"], np.array([[1.0, 2.0], [-0.5, 0.0], [0.25, 1.0]]), np.array([[0.5], [-1.0], [1.0]]))


def _check_fails(fn, aspect=None):
    with pytest.raises(KitFailure) as info:
        check(fn, CASE, frameworks=False)
    if aspect:
        assert info.value.record["check"] == aspect, str(info.value)
    return info.value


def test_reference_passes_every_check():
    check(reference.backprop, CASE)


def test_raises():
    def broken(*args):
        raise ValueError("boom")
    f = _check_fails(broken, "call")
    assert "it raised ValueError: boom" in str(f) and "Traceback of your function" in str(f)


@pytest.mark.parametrize("result, text", [
    (None, "it returned None, not a pair"),
    (([], []), "dC_dw has 0 entries, expected 2"),
    ("ab", "it returned a str"),
])
def test_wrong_structure(result, text):
    assert text in str(_check_fails(lambda *args: result, "structure"))


def test_wrong_shape_and_dtype_kind():
    def flat(*args):
        dw, db = reference.backprop(*args)
        return [dw[0].ravel(), dw[1]], db
    assert "dC/dw(1) has shape (4,), expected (2, 2)" in str(_check_fails(flat, "structure"))

    def ints(*args):
        dw, db = reference.backprop(*args)
        return [np.round(g).astype(int) for g in dw], db
    assert "dtype int64 (kind 'i')" in str(_check_fails(ints, "structure"))


def test_nan_where_the_reference_is_finite():
    def nan(*args):
        dw, db = reference.backprop(*args)
        dw[1][0, 1] = np.nan
        return dw, db
    f = _check_fails(nan, "finite")
    assert "dC/dw(2)[j=0, k=1] is NaN where the reference is finite" in str(f)


def test_modifies_its_inputs():
    def mutating(weights, biases, activations, x, y):
        out = reference.backprop(weights, biases, activations, x, y)
        weights[0] -= 0.1 * out[0][0]  # a step downhill, into the caller's array
        return out
    assert "weights[0] (w(1)) was modified" in str(_check_fails(mutating, "no_mutation"))

    def reversing(weights, biases, activations, x, y):
        activations.reverse()
        return reference.backprop(weights, biases, activations[::-1], x, y)
    assert "activations was modified" in str(_check_fails(reversing, "no_mutation"))


def test_answers_differently_the_second_time():
    calls = []

    def accumulating(*args):  # micrograd's classic: gradients += across calls
        calls.append(1)
        dw, db = reference.backprop(*args)
        return [g * len(calls) for g in dw], [g * len(calls) for g in db]
    check_only = ("call", "structure", "deterministic")
    with pytest.raises(KitFailure) as info:
        check(accumulating, CASE, aspects=check_only, frameworks=False)
    assert "a second call with the same inputs gave a different answer" in str(info.value)


def test_the_message_and_reproduction():
    f = _check_fails(CATALOG["half_cost_convention"].function, "values")
    message = str(f)
    assert "dC/dw(2)[j=0, k=" in message and "reference " in message and ", yours " in message
    assert "w(1) = [[0.5, -1.0], [2.0, 0.25]]" in message and "x = a(0) = " in message
    namespace = {}
    with np.errstate(all="ignore"):  # the reproduction runs on its own and prints its verdicts
        exec(compile(f.record["reproduction"], "<reproduction>", "exec"), namespace)  # noqa: S102
    assert namespace["your_dw"][0].shape == (2, 2)


def test_the_reproduction_of_a_file_spec_runs_on_its_own(tmp_path):
    spec = parse("conformance/core/mistakes.py:sign_of_a_minus_y")
    with pytest.raises(KitFailure) as info:
        check(load(spec), CASE, spec=spec, frameworks=False)
    script = tmp_path / "repro.py"
    script.write_text(info.value.record["reproduction"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "dC/dw(1): differs" in proc.stdout and "reference [[" in proc.stdout


def test_a_framework_convention_is_not_held_against_you():
    pytest.importorskip("torch")
    from adapters import torch_adapter
    check(torch_adapter.backprop, CASE)


def test_the_unfilled_student_template_fails_clearly():
    fn = load(str(ROOT / "conformance" / "kit" / "starter_backprop.py") + ":backprop")
    f = _check_fails(fn, "call")
    assert "NotImplementedError" in str(f) and "fill in the TODOs" in str(f)


def test_an_unsupported_activation_points_at_the_option():
    def relu_only(weights, biases, activations, x, y):
        if set(activations) != {"relu"}:
            raise ValueError("only relu supported")
        return reference.backprop(weights, biases, activations, x, y)
    message = str(_check_fails(relu_only, "call"))
    assert "uses sigmoid, tanh), draw only those: --activations=LIST" in message


# ------------------------------------------------------------ loading and options

def test_loader():
    assert load("reference:backprop") is reference.backprop
    assert parse("conformance/core/mistakes.py:correct").kind == "file"
    for bad, text in [("nonsense", "expected MODULE:FUNCTION"), ("reference:nope", "has no 'nope'"),
                      ("no/such/file.py:f", "no file"), ("no_such_module_xyz:f", "ModuleNotFoundError")]:
        with pytest.raises(ImplLoadError, match=text.replace("(", r"\(")):
            load(bad)


def test_environment_variable():
    assert plugin.resolve_spec(None, {"BACKPROP_IMPL": "pkg.mod:bp"}) == "pkg.mod:bp"
    assert plugin.resolve_spec("", {}) is None


@pytest.mark.extended  # a full kit run in a subprocess
def test_the_real_command_line_for_the_factor_of_two(tmp_path):
    """One subprocess: pytest --impl=conformance/core/mistakes.py:half_cost_convention, as a user types it."""
    report = tmp_path / "kit-report.json"
    env = {k: v for k, v in os.environ.items() if k not in ("BACKPROP_IMPL", "PYTEST_ADDOPTS")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--hypothesis-profile=dev",
         "--impl=conformance/core/mistakes.py:half_cost_convention", "--activations=identity,sigmoid",
         f"--conformance-report={report}"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "FAILED conformance/kit/test_kit.py::test_gradients" in out
    assert "exactly 1/2 times the video's" in out and "the 1/2 cost convention. The video's C0" in out
    assert "collected 3 items" in out  # the kit's properties alone: nothing else of the checkout is collected
    data = json.loads(report.read_text())
    text = json.dumps(data)
    assert "half_cost_convention" in text and "1/2 cost convention" in text


# ------------------------------------------------------------ students' own mistakes, outside the catalog

def test_gradients_accumulated_into_the_arrays_returned_before():
    """The second call writes into the arrays the first returned: still a different answer."""
    kept = []

    def accumulating(*args):
        dw, db = reference.backprop(*args)
        if not kept:
            kept.extend([[np.zeros_like(g) for g in dw], [np.zeros_like(g) for g in db]])
        for total, g in zip(kept[0] + kept[1], dw + db):
            total += g  # no zero_grad()
        return kept[0], kept[1]
    f = _check_fails(accumulating, "deterministic")
    assert "a second call with the same inputs gave a different answer" in str(f)
    assert "it keeps state between calls" in diagnose(CASE, accumulating)


def test_a_modified_input_is_shown_and_reproduced(tmp_path):
    def centring(weights, biases, activations, x, y):
        out = reference.backprop(weights, biases, activations, x, y)
        x -= x.mean(axis=0)
        return out
    f = _check_fails(centring, "no_mutation")
    assert "x[0, 0] was 1.0 before the call and is 0.75 after it (6 of 6 entries changed)" in str(f)
    script = tmp_path / "repro.py"
    script.write_text(f.record["reproduction"].replace("yours = ...  # your backprop function", "yours = centring"))
    namespace = {"centring": centring, "__name__": "__main__"}
    exec(compile(script.read_text(), str(script), "exec"), namespace)  # noqa: S102
    assert not np.array_equal(namespace["x"], CASE.x)  # the script's own check prints it


def test_diagnosis_of_shapes_and_places_outside_the_catalog():
    def reshaped(*args):  # Nielsen's columns, a(l-1) @ dC/dz(l)^T "fixed" with reshape instead of .T
        dw, db = reference.backprop(*args)
        return [g.T.reshape(g.shape) for g in dw], db
    assert "dC/dw(1) holds the right numbers in the wrong places" in diagnose(CASE, reshaped)

    def column_bias(*args):
        dw, db = reference.backprop(*args)
        return dw, [g[:, None] for g in db]
    f = _check_fails(column_bias, "structure")
    assert "dC/db(1) has shape (2, 1): the right entries with an extra axis of length 1" in str(f)


def test_float32_inside_float64_outside_is_named():
    def float32_inside(*args):  # float64 arrays carrying float32-sized rounding errors
        dw, db = reference.backprop(*args)
        return [g * (1 + 3e-7) for g in dw], [g * (1 - 2e-7) for g in db]
    assert "up to rounding the size of float32's" in str(_check_fails(float32_inside, "values"))


def test_a_float32_backprop_is_judged_on_the_inputs_it_can_hold():
    """b(1) = 1e-200 is 0 in float32, so relu'(z) = 0 there: the reference on the rounded inputs agrees."""
    case = Case([np.array([[0.0]])], [np.array([1e-200])], ["relu"], np.array([[0.0]]), np.array([[1.0]]))

    def float32_backprop(*args):
        dw, db = reference.backprop(*Case(*args).rounded(np.float32).args())
        return [g.astype(np.float32) for g in dw], [g.astype(np.float32) for g in db]
    check(float32_backprop, case, frameworks=False)
    with pytest.raises(KitFailure):  # the allowance is the rounding of the inputs, not of the answer
        check(lambda *a: [[g + np.float32(1) for g in p] for p in float32_backprop(*a)], case, frameworks=False)


def test_a_stale_cache_is_told_apart_by_a_fresh_import(tmp_path):
    """A cache keyed on the shapes only: right on a fresh import, wrong after an earlier call."""
    (tmp_path / "cached.py").write_text(
        "from reference import backprop as _bp\n_cache = {}\n"
        "def backprop(w, b, a, x, y):\n"
        "    key = (len(w), x.shape)\n"
        "    if key not in _cache:\n"
        "        _cache[key] = _bp(w, b, a, x, y)\n"
        "    return _cache[key]\n")
    spec = parse(f"{tmp_path / 'cached.py'}:backprop")
    fn = load(spec)
    fn(*Case([np.ones((3, 1))], [np.zeros(3)], ["relu"], np.ones((1, 1)), np.zeros((1, 3))).args())
    with pytest.raises(KitFailure) as info:
        check(fn, Case([np.array([[0.5]])], [np.zeros(1)], ["relu"], np.ones((1, 1)), np.zeros((1, 1))),
              spec=spec, frameworks=False)
    assert "A fresh copy of your module, imported anew, answers this example correctly" in str(info.value)
