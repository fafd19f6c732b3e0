"""Diagnosis by measurement (issue 17): the factor readings are right where the code is right, each catalogued
mistake is measured as the factor it breaks, and every misleading sentence quoted in the issue is gone."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import reference
from conformance.core import mutants
from conformance.core.mistakes import CATALOG
from conformance.core.strategies import Case
from conformance.kit import explain, measure, pictures, probes
from conformance.kit.diagnosis import diagnose
from conformance.kit.exceptions import fresh_names

from .blind import classes, columns, dicts
from .correct_styles import STYLES

ONE_RELU = Case([np.array([[1.5, -2.0]])], [np.array([0.1])], ["relu"], np.array([[1.0, 2.0], [-1.0, 0.5]]),
                np.array([[0.5], [1.0]]))
THREE = Case([np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.5, -0.5], [0.3, 0.8]]), np.array([[0.7, -0.4]])],
             [np.array([0.1, -0.2]), np.array([0.3, 0.1]), np.array([0.2])], ["sigmoid", "sigmoid", "tanh"],
             np.array([[1.0, 2.0], [-0.5, 0.0]]), np.array([[0.5], [-1.0]]))
FOUR = Case([np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.5, -0.5], [0.3, 0.8]]), np.array([[0.7, -0.4],
                                                                                                 [0.2, 0.9]]),
             np.array([[0.6, -0.8]])], [np.array([0.1, -0.2]), np.array([0.3, 0.1]), np.array([0.2, -0.3]),
                                        np.array([0.1])], ["sigmoid", "sigmoid", "tanh", "sigmoid"],
            np.array([[1.0, 2.0], [-0.5, 0.0]]), np.array([[0.5], [-1.0]]))


# ------------------------------------------------------------ right where the code is right

@pytest.mark.parametrize("fn", [reference.backprop, *STYLES.values()], ids=lambda f: f.__name__)
def test_correct_backprops_in_every_style_measure_as_the_video(fn):
    """No reading deviates for a correct backprop (float32 answers judged at float32's precision)."""
    m = measure.measure(fn)
    assert m.accepted == list(reference.ACTIVATIONS) and not m.raised
    assert not m.deviating(), [r.text for r in m.deviating()]
    assert {r.factor for r in m.readings} >= {"dC0/da(L)", "sigma'", "dz/dw", "dz/da", "extra terms", "overflow"}


def test_the_probes_are_what_they_say():
    """The slope probes put z exactly on the grid (0 included: relu's kink), the layer probe has |x| > 1 and no
    symmetric weight, and the exact probe has every gradient of the video 0."""
    for pos in probes.POSITIONS:
        args = probes.slope_nets("relu", pos)
        z = reference.forward(*args[:4])[0][probes.layer_of(pos) - 1][0]
        assert np.array_equal(z, probes.Z)
    assert np.abs(probes.X_LAYERS).max() > 1 and all(not np.allclose(w, w.T) for w in probes.W_LAYERS)
    dw, db = reference.backprop(*probes.layer_net("sigmoid", exact=True))
    assert all(not np.any(g) for g in dw + db)


# ------------------------------------------------------------ each catalogued mistake as the factor it breaks

FACTOR_OF = {  # entry -> (factor, label) of a reading it must give
    "half_cost_convention": ("dC0/da(L)", "1/2"), "half_sum_cost": ("dC0/da(L)", "m/2"),
    "mean_over_outputs_too": ("dC0/da(L)", "1/n_L"), "sign_of_a_minus_y": ("dC0/da(L)", "-1"),
    "cost_instead_of_its_derivative": ("dC0/da(L)", "(a - y)^2"),
    "sigma_prime_of_a": ("sigma'", "sigmoid'(a): the derivative evaluated at a = sigmoid(z) instead of at z"),
    "tanh_prime_without_square": ("sigma'", "1 - tanh(z), without the square"),
    "relu_prime_at_zero_is_half": ("sigma'", "relu'(0) = 0.5 where the video's relu'(0) = 0 (torch and jax.nn.relu "
                                             "agree)"),
    "sigma_prime_skipped_going_back": ("dz/da", "dC/da(2) carried back where dC/dz(2) = dC/da(2) sigma'(z(2)) "
                                                "belongs"),
    "bias_gradient_from_one_example": ("dz/db", "taken from example 0 alone, not summed over the examples"),
    "weight_gradient_uses_z": ("dz/dw", "z(1) where a(1) = sigma(z(1)) belongs"),
    "transposed_weight_gradient": ("dz/dw", "transposed: dC/dw(1)_jk = a(0)_j dC/dz(1)_k"),
    "no_sum_over_paths": ("dz/da", "only the path through neuron j = 0: no sum over the paths j (08:32)"),
    "in_place_weight_update": ("dz/da", "w(3) already moved by -0.5 dC/dw(3) (an update inside the backward pass)"),
    "sigmoid_prime_from_exponentials": ("overflow", "overflow"),
}


@pytest.mark.parametrize("name", sorted(FACTOR_OF))
def test_catalogued_mistakes_measure_as_the_factor_they_break(name):
    m = measure.measure(CATALOG[name].function)
    factor, label = FACTOR_OF[name]
    assert any(r.factor == factor and r.label == label for r in m.deviating()), [(r.key, r.label) for r in
                                                                                   m.deviating()]
    assert any(mk.name == name for mk, _ in explain.explained(m))


# ------------------------------------------------------------ the misleading sentences of the issue, one test each

def test_tanh_prime_without_square_is_not_called_an_error_in_going_backwards():
    """'the error is in going backwards' for tanh' = 1 - tanh: the error is sigma' in layer 3 (of 4, the last one
    right), measured as tanh'(z) in every position."""
    text = diagnose(FOUR, columns.tanh_prime_no_square)
    assert "the last layer's gradients are right, layers 1, 2, 3 differ" in text  # where, as before
    assert "going backwards" not in text
    assert "tanh'(z) in the last position" in text and "1 - tanh(z), without the square" in text
    assert "The same in the first, hidden positions" in text
    assert "'tanh_prime_without_square'" in text


def test_a_single_layer_leaky_relu_gets_no_step_back():
    """'the error is in going backwards' for a one-layer leaky relu, where there is no step back."""
    text = diagnose(ONE_RELU, columns.leaky_relu_as_relu)
    assert "going backwards" not in text
    assert "relu'(z) in the last position" in text and "a leaky relu's: 0.01 for z < 0 where relu'(z) = 0" in text
    assert "No factor measured" not in text and "No known signature" not in text


def test_a_function_that_writes_into_its_inputs_is_not_called_a_cache():
    """'a cache keyed on id()' for a function that writes into its inputs."""
    def steps_in_place(weights, biases, activations, x, y):
        dw, db = reference.backprop(weights, biases, activations, x, y)
        for w, g in zip(weights, dw):
            w -= 0.1 * g  # a training step, into the caller's arrays
        return dw, db
    text = diagnose(THREE, steps_in_place, failure={"check": "updated_inputs", "summary": "", "raised": None,
                                                    "problem": None, "layout": "plain"})
    assert "writes into the arrays it is given (weights[0], weights[1], weights[2] changed" in text
    assert "id()" not in text and "cache keyed" not in text


def test_uncatalogued_mistakes_get_a_measured_factor_not_no_known_signature():
    for fn, case, phrase in [(classes.clipped_gradients, THREE, None), (classes.weight_decay, THREE,
                                                                          "an extra term 0.0001 w(l)"),
                             (dicts.epsilon_in_z, THREE, "as if your a(L) were off by 0.001")]:
        text = diagnose(case, fn)
        assert "No known signature" not in text and "No factor measured" not in text, text
        assert phrase is None or phrase in text, text


def test_a_relu_bug_found_on_a_sigmoid_network_is_still_named():
    """The probes measure every activation the function accepts, not only those of the shrunk example."""
    def sigmoid_and_relu_bugs(weights, biases, activations, x, y):
        dw, db = mutants.backprop(weights, biases, activations, x, y, mistake="sigma_prime_of_a")
        if "relu" in activations:
            return columns.leaky_relu_as_relu(weights, biases, activations, x, y)
        return dw, db
    sigmoid_only = Case(THREE.weights, THREE.biases, ["sigmoid"] * 3, THREE.x, THREE.y)
    text = diagnose(sigmoid_only, sigmoid_and_relu_bugs)
    assert "a leaky relu's: 0.01 for z < 0" in text and "sigmoid'(a): the derivative evaluated at a" in text


def test_two_defects_name_the_entry_that_explains_one_and_describe_the_other():
    """1/2 cost plus a relu bug, in-place update plus m/2, clipping plus sigma'(a): each entry for its factor."""
    text = diagnose(ONE_RELU, columns.half_cost_and_relu_ge)
    assert "'half_cost_convention' (dC0/da(L)" in text and "'relu_prime_at_zero_is_one' (relu'(z))" in text
    text = diagnose(THREE, classes.in_place_update_and_half_sum)
    assert "'half_sum_cost' (dC0/da(L)" in text and "already moved by -0.1 dC/dw(3)" in text
    assert "Not explained by any catalogued mistake, described above in numbers: dz/da(l-1) = w(l)" in text
    text = diagnose(THREE, dicts.clipped_and_slope_of_a)
    assert "'sigma_prime_of_a' (sigmoid'(z), tanh'(z))" in text and "cut at +-1 (clipping)" in text


# ------------------------------------------------------------ shapes and exceptions

def test_bias_summed_over_the_wrong_axis_is_explained_and_named():
    case = Case(THREE.weights, THREE.biases, THREE.activations, np.vstack([THREE.x, [[0.3, 0.1]]]),
                np.vstack([THREE.y, [[0.2]]]))
    text = diagnose(case, classes.bias_summed_over_neurons,
                    failure={"check": "structure", "summary": "", "raised": None, "layout": "plain",
                             "problem": "dC/db(1) has shape (3,), expected (2,)"})
    assert "dC/db(1) has shape (3,), one entry per example, where b(1) is (2,): it equals the reference's dC/dz(1) " \
           "summed over the neurons (axis=1)" in text
    assert "'bias_gradient_over_wrong_axis'" in text


def test_a_weight_gradient_built_from_its_own_layer_is_explained():
    case = Case([np.array([[0.5, -1.0, 0.2]]), np.array([[1.5], [0.4]])], [np.array([0.1]), np.array([0.3, -0.1])],
                ["sigmoid", "tanh"], np.array([[1.0, 2.0, 0.5]]), np.array([[0.5, 0.1]]))
    text = diagnose(case, dicts.weight_gradient_from_own_layer)
    assert "dC/dw(1) has shape (1, 1), (n_1, n_1), where w(1) is (1, 3), (n_1, n_0): it equals dC/dz(1)^T a(1), " \
           "built from this layer's own activation" in text


def test_the_kits_read_only_trap_is_translated():
    def centres_x(weights, biases, activations, x, y):
        x -= x.mean(axis=0)
        return reference.backprop(weights, biases, activations, x, y)
    args = THREE.args()
    frozen = np.array(args[3])
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only") as info:
        centres_x(*args[:3], frozen, args[4])
    failure = {"check": "call", "summary": "", "problem": None, "layout": "readonly",
               "raised": {"kind": "exception", "type": "ValueError", "text": str(info.value), "traceback": ""}}
    text = diagnose(THREE, centres_x, failure=failure)
    assert "the kit handed this example's inputs read-only" in text and "writes into one of its inputs" in text
    assert "Called with writable copies of the same inputs it runs" in text


def test_a_type_error_gets_the_expected_signature():
    def four(weights, biases, x, y):
        return reference.backprop(weights, biases, ["sigmoid"] * len(weights), x, y)
    try:
        four(*THREE.args())
    except TypeError as exc:
        record = {"kind": "exception", "type": "TypeError", "text": str(exc), "traceback": ""}
    text = diagnose(THREE, four, failure={"check": "call", "summary": "", "raised": record, "problem": None,
                                          "layout": "plain"})
    assert "the kit calls backprop(weights, biases, activations, x, y) with 5 positional arguments" in text


def test_names_compared_by_identity_are_detected_with_equal_strings_that_are_other_objects():
    case = Case(THREE.weights, THREE.biases, fresh_names(["relu", "relu", "tanh"]), THREE.x, THREE.y)
    assert case.activations[0] == "relu" and case.activations[0] is not sys.intern("relu")
    text = diagnose(case, dicts.names_compared_with_is)
    assert "compares activation names by identity" in text and "Compare names with ==" in text
    assert "compares activation names by identity" not in diagnose(case, columns.half_sum)


# ------------------------------------------------------------ pictures

def test_pictures_are_written_when_asked(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv(pictures.ENV, str(tmp_path))
    text = diagnose(ONE_RELU, columns.leaky_relu_as_relu)
    assert f"Pictures written to {tmp_path}" in text
    assert (tmp_path / "sigma_prime_relu.png").stat().st_size > 1000 and (tmp_path / "factors.png").exists()


def test_without_matplotlib_the_diagnosis_says_so(tmp_path, monkeypatch):
    import builtins
    real = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    monkeypatch.setattr(pictures, "FOLDER", str(tmp_path))
    text = diagnose(ONE_RELU, columns.leaky_relu_as_relu)
    assert "matplotlib is not installed" in text and "a leaky relu's: 0.01" in text


def test_a_wrong_shape_reported_by_the_worker_is_explained_from_the_problem_text():
    """In a worker process the kit gets back only well-formed answers: the structure check's text is all there is."""
    from conformance.kit import shapes
    case = Case(THREE.weights, THREE.biases, THREE.activations, np.vstack([THREE.x, [[0.3, 0.1]]]),
                np.vstack([THREE.y, [[0.2]]]))
    notes = shapes.from_problem(case, "dC/db(1) has shape (3,), expected (2,) like b(1)")
    assert notes[0].startswith("dC/db(1) has shape (3,), one entry per example, where b(1) is (2,): a sum over the "
                               "wrong axis gives that shape")
    assert "equals" not in notes[0]  # the values are not at hand: no claim about them
    assert notes[-1] == ("On this example, dC/db(1) of that shape is what the catalogued mistake "
                         "'bias_gradient_over_wrong_axis' gives.")


@pytest.mark.extended  # two worker processes
def test_through_the_worker_names_compared_with_is_and_a_wrong_axis_are_explained():
    from pathlib import Path

    from conformance.kit.check import KitFailure, check
    from conformance.kit.isolation import IsolatedImpl
    from conformance.kit.loader import parse
    blind = Path(__file__).with_name("blind")
    impl = IsolatedImpl(parse(f"{blind / 'dicts.py'}:names_compared_with_is")).start()
    try:
        with pytest.raises(KitFailure) as info:  # in the worker every name is a new str: `is` fails everywhere
            check(impl, THREE, frameworks=False)
        assert "never with `is`" in info.value.record["diagnosis"]
    finally:
        impl.close()
    case = Case(THREE.weights, THREE.biases, THREE.activations, np.vstack([THREE.x, [[0.3, 0.1]]]),
                np.vstack([THREE.y, [[0.2]]]))
    impl = IsolatedImpl(parse(f"{blind / 'classes.py'}:bias_summed_over_neurons")).start()
    try:
        with pytest.raises(KitFailure) as info:
            check(impl, case, frameworks=False)
        assert "'bias_gradient_over_wrong_axis'" in info.value.record["diagnosis"]
    finally:
        impl.close()


def test_a_slow_function_is_measured_within_the_time_budget():
    """The probes stop when the budget is spent, and the report says so (the whole diagnosis stays within 10 s)."""
    import time

    def slow(*args):
        time.sleep(0.02)
        return columns.leaky_relu_as_relu(*args)
    m = measure.measure(slow, budget_s=0.3)
    assert m.calls < 25
    assert any("not run: the diagnosis spends at most" in v for v in m.raised.values())
    assert "probe networks not run: the diagnosis spends at most 0.3 s" in "\n".join(explain.report(m))


ONLY = {  # single-factor entries: the factors whose readings may deviate (localisation claims only what it measured)
    "dC0/da(L)": ("half_cost_convention", "half_sum_cost", "sum_over_examples", "mean_over_outputs_too",
                  "sign_of_a_minus_y", "divided_by_m_twice", "cost_instead_of_its_derivative"),
    "sigma'": ("tanh_prime_without_square", "tanh_prime_formula_on_z", "sigma_prime_of_a", "relu_prime_at_zero_is_one",
               "relu_prime_at_zero_is_half", "relu_prime_from_a_with_ge", "sigma_prime_twice_in_last_layer",
               "sigma_prime_missing_in_last_layer", "sigma_prime_missing_in_hidden_layers",
               "sigmoid_prime_formula_on_z"),
    "dz/dw": ("weight_gradient_uses_z", "transposed_weight_gradient", "weight_gradient_averaged_again"),
    "dz/db": ("bias_gradient_from_one_example", "bias_gradient_averaged_again", "bias_gradient_without_1_over_m",
              "bias_gradient_before_sigma_prime", "bias_gradient_left_at_zero"),
    "dz/da": ("no_sum_over_paths", "in_place_weight_update", "sigma_prime_skipped_going_back"),
    "overflow": ("sigmoid_prime_from_exponentials", "tanh_from_exponentials", "sigmoid_from_exp_over_one_plus_exp"),
}


@pytest.mark.parametrize("factor, name", [(f, n) for f, names in ONLY.items() for n in names])
@pytest.mark.parametrize("row", ["float64", "float32"])
def test_a_mistake_in_one_factor_deviates_in_that_factor_alone(factor, name, row):
    mk = CATALOG[name]
    m = measure.measure(mk.function if row == "float64" else mk.function32)
    assert m.deviating() and {r.factor for r in m.deviating()} == {factor}, [(r.key, r.label) for r in m.deviating()]


def test_the_activations_note_does_not_blame_a_sigma_that_measures_right():
    """Clipped gradients fail the relu probe (larger gradients there), but relu' itself measures right."""
    case = Case(THREE.weights, THREE.biases, ["relu", "sigmoid", "sigmoid"], THREE.x, 10 * THREE.y)
    text = diagnose(case, classes.clipped_gradients)
    assert "check sigma and sigma' of relu" not in text
    assert "relu's sigma' measured on one-neuron chains agrees with the video's" in text
