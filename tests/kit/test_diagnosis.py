"""The diagnosis, point by point (issue 10): factors, the catalogue, localisation, activations, shapes, float32.

Each test runs :func:`conformance.kit.diagnosis.diagnose` on a small failing case, as the kit does after
shrinking, with a function from the catalogue or one written here the way real code goes wrong.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import reference
from conformance.core import mutants
from conformance.core.mistakes import CATALOG
from conformance.core.strategies import Case
from conformance.kit import diagnosis, factors
from conformance.kit.check import KitFailure
from conformance.kit.diagnosis import diagnose, probes

ONE = Case([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
TWO = Case([np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.5, -0.5]])], [np.array([0.1, -0.2]), np.array([0.3])],
           ["sigmoid", "tanh"], np.array([[1.0, 2.0], [-0.5, 0.0], [0.25, 1.0]]), np.array([[0.5], [-1.0], [1.0]]))
EVERY = Case([np.ones((1, 1))], [np.zeros(1)], list(reference.ACTIVATIONS), np.ones((1, 1)), np.ones((1, 1)))


def scaled(k_of):
    """The reference times k_of(m, n_L): a convention applied correctly everywhere else."""
    def backprop(weights, biases, activations, x, y):
        k = k_of(np.shape(x)[0], np.shape(y)[1])
        dw, db = reference.backprop(weights, biases, activations, x, y)
        return [k * g for g in dw], [k * g for g in db]
    return backprop


# ------------------------------------------------------------ 1. conventions as factors

def test_m_over_2_is_two_named_conventions_measured_on_probes():
    """The textbook convention C = 1/2 sum over examples: on a one-example case it looks like 'half'."""
    text = diagnose(ONE, CATALOG["half_sum_cost"].function)
    assert "exactly m/2 times the video's" in text
    assert "m = 3, n_L = 5 on the probe networks: 1.5" in text and "0.5 on your failing example, m = 1" in text
    assert "the 1/2 cost convention and a sum over the m examples instead of their mean" in text
    assert "has no 1/2" in text and "divide by m once" in text
    assert "generic networks" not in text
    assert "'half_sum_cost'" in text


@pytest.mark.parametrize("k_of, form, words", [
    (lambda m, n: 0.5 / n, "1/(2 n_L)", "the 1/2 cost convention and a mean over the n_L outputs as well"),
    (lambda m, n: -2.0 * m, "-2 m", "a factor 2 too many and a sum over the m examples instead of their mean and "
                                    "the sign of (a - y) flipped"),
    (lambda m, n: 1.0 / (m * n), "1/(m n_L)", "a second 1/m (divided by m twice) and a mean over the n_L outputs"),
])
def test_other_products_of_conventions(k_of, form, words):
    text = diagnose(TWO, scaled(k_of))
    assert f"exactly {form} times the video's" in text and words in text


def test_a_factor_is_not_claimed_for_networks_the_function_did_not_run_on():
    def only_this_shape(weights, biases, activations, x, y):
        if np.shape(y) != (1, 1):
            raise ValueError("one example, one output only")
        return CATALOG["half_sum_cost"].function(weights, biases, activations, x, y)
    text = diagnose(ONE, only_this_shape)
    assert "did not run on the probe networks" in text and "possibly 1/2 (the 1/2 cost convention)" in text
    assert "or m/2 (the 1/2 cost convention, a sum over the m examples instead of their mean)" in text
    assert "ran on no probe network to tell them apart" in text


def test_factor_readings_are_unique_only_when_the_measurements_separate_them():
    assert factors.explain([(1.5, 3, 5)])[0] == "m/2"
    assert factors.explain([(0.5, 1, 1)]) is None
    assert factors.explain([(-0.37, 3, 5)]) is None  # not a product of conventions
    assert factors.formula(-1, 1, 1, 0) == "-2 m"


# ------------------------------------------------------------ 2. the catalogue

def test_the_catalogue_has_30_entries_each_one_switch_with_its_step_fix_source_and_rows():
    assert len(CATALOG) >= 30 and sorted(CATALOG) == sorted(mutants.SWITCHES)
    for mk in CATALOG.values():
        assert mk.timestamp and mk.hint and mk.source and set(mk.rows) <= {"float64", "float32", "float32-tf32"}
    assert CATALOG["float32_leak"].rows == ("float64",)


def test_no_two_entries_give_the_same_output_on_the_probes():
    """So that a name is never a guess between twins (probes of a case drawing every activation)."""
    outputs = {name: [diagnosis._call(mk.function, args)[0] for _, _, args in probes(EVERY)]
               for name, mk in CATALOG.items()}
    outputs["(correct)"] = [diagnosis._call(reference.backprop, args)[0] for _, _, args in probes(EVERY)]
    twins = [(a, b) for a, b in itertools.combinations(outputs, 2)
             if all(diagnosis._same(p, q) if p is not None and q is not None else p is q
                    for p, q in zip(outputs[a], outputs[b]))]
    assert not twins


def test_cross_entropy_and_sigma_prime_twice_are_named():
    """Two conventions of real code that used to get 'No known signature'."""
    for name in ("cross_entropy_delta", "sigma_prime_twice_in_last_layer"):
        text = diagnose(TWO, CATALOG[name].function)
        assert f"'{name}'" in text and "No known signature" not in text


# ------------------------------------------------------------ 3. localisation before naming

def test_dw_right_db_wrong_is_located_and_named_by_the_entry_that_explains_both():
    text = diagnose(TWO, CATALOG["bias_gradient_before_sigma_prime"].function)
    assert "Where: dC/dw is right in every layer; dC/db differs in" in text
    assert "'bias_gradient_before_sigma_prime'" in text
    assert "'bias_gradient_from_one_example'" not in text  # it would change no dC/dw either, but other dC/db


def test_only_the_last_layer():
    def last_layer_doubled(*args):
        dw, db = reference.backprop(*args)
        return dw[:-1] + [2 * dw[-1]], db[:-1] + [2 * db[-1]]
    text = diagnose(TWO, last_layer_doubled)
    assert "only the last layer's gradients, dC/dw(2) and dC/db(2), differ" in text
    # measured, not guessed: the one layer of the 1-1 probes is a last layer, and the step back from it halves
    assert "2 for m = 1, n_L = 1; 2 for m = 3, n_L = 1" in text
    assert "gives [0.18, -0.54]: 0.5 times that, for every k" in text
    assert "No factor measured" not in text and "catalogued mistake for" not in text


def test_two_mistakes_at_once_are_each_named_for_the_factor_it_explains():
    """dC/dw from one catalogued mistake and dC/db from another: no entry gives the whole output (no 'Likely
    mistake'), and each is named for the factor it explains, measured on the probes."""
    def two_mistakes(*args):
        dw = mutants.backprop(*args, mistake="weight_gradient_averaged_again")[0]
        db = mutants.backprop(*args, mistake="bias_gradient_from_one_example")[1]
        return dw, db
    text = diagnose(TWO, two_mistakes)
    assert "Likely mistake" not in text and "It also equals" not in text
    assert "your dC/dw(1) is 0.3333 times the video's where your dC0/da(L) is 1 times it: averaged over the " \
           "examples a second time" in text
    assert "your dC/db(1) is taken from example 0 alone" in text
    assert "'bias_gradient_from_one_example' (dz/db = 1)" in text
    assert "'weight_gradient_averaged_again' (dz/dw = a(l-1))" in text


def test_nan_names_the_tensors_the_z_and_the_stable_formula():
    case = Case([np.array([[1.0]])], [np.zeros(1)], ["tanh"], np.array([[0.5]]), np.array([[0.0]]))
    text = diagnose(case, CATALOG["tanh_from_exponentials"].function)
    assert "your dC/dw(1), dC/db(1), dC/dw(2), dC/db(2) are NaN or inf where the reference is finite" in text
    assert "z(1) = -799.321" in text and "exp(|z|) overflows beyond |z| = 709" in text and "np.tanh(z)" in text
    assert "'tanh_from_exponentials'" in text


# ------------------------------------------------------------ 4. activations

def test_a_sigmoid_only_backprop_is_detected_and_pointed_at_the_option():
    case = Case([np.array([[1.0]]), np.array([[1.0]])], [np.zeros(1), np.zeros(1)], ["sigmoid", "relu"],
                np.array([[0.5]]), np.array([[0.0]]))
    text = diagnose(case, CATALOG["every_layer_sigmoid"].function)
    assert "'every_layer_sigmoid'" in text
    assert "only sigmoid right and relu wrong" in text and "--activations=sigmoid" in text


def test_a_failure_confined_to_one_activation_gives_the_option_without_it():
    def wrong_on_relu(weights, biases, activations, x, y):  # e.g. a leaky relu's slope where relu belongs
        dw, db = reference.backprop(weights, biases, activations, x, y)
        return ([g * 1.01 for g in dw], db) if "relu" in activations else (dw, db)
    text = diagnose(Case(TWO.weights, TWO.biases, ["relu", "sigmoid"], TWO.x, TWO.y), wrong_on_relu)
    assert "only sigmoid right and relu wrong" in text and "--activations=sigmoid" in text


# ------------------------------------------------------------ shapes and float32 messages

def test_an_extra_axis_is_called_right_only_when_the_entries_are():
    def keepdims(*args):
        dw, db = reference.backprop(*args)
        return dw, [g[None, :] for g in db]
    assert "dC/db(1) has shape (1, 2): the right entries with an extra axis" in diagnose(TWO, keepdims)
    text = diagnose(TWO, CATALOG["bias_gradient_keepdims"].function)
    assert "the right entries with an extra axis" in text and "'bias_gradient_keepdims'" in text

    def keepdims_and_wrong(*args):
        dw, db = reference.backprop(*args)
        return dw, [3 * g[None, :] for g in db]
    text = diagnose(TWO, keepdims_and_wrong)
    assert "an extra axis of length 1 where b(1) is (2,), and its entries differ" in text
    assert "the right entries" not in text


def test_the_float32_message_says_which_tensors_are_float64():
    def mostly_float32(*args):
        dw, db = mutants.backprop(*args, mistake=None, dtype=np.float32)
        return dw, db[:-1] + [db[-1].astype(np.float64)]
    text = diagnose(TWO, mostly_float32)
    assert "up to rounding the size of float32's" in text
    assert "dC/db(2) is float64 while the rest are float32" in text and "'float32_leak'" in text

    text = diagnose(TWO, CATALOG["float32_leak"].function)
    assert "but they are float64 arrays" in text


def test_kit_failure_is_an_assertion_error():  # the diagnosis is part of the kit's failure, not an exception of its own
    assert issubclass(KitFailure, AssertionError)


# ------------------------------------------------------------ one naming module

def test_the_naming_module_spells_what_the_suite_and_the_kit_spell():
    """conformance/core/naming.py is what the suite and the kit both spell names and literals with."""
    from conformance.core import naming
    from conformance.kit import checks, message, rule
    from conformance.suite import assertions
    assert assertions.tensor_name is naming.tensor_name  # one spelling, not copies that can drift apart
    assert message.case_in_video_notation is naming.case_in_video_notation and message.literal is naming.literal
    assert checks._index_text is naming.entry_name and rule.entry_name is naming.entry_name
    assert naming.tensor_name("dC_da", 0, (3, 0)) == "dC/da(0)[example=3, j=0]" and naming.tensor_name("C", None) == "C"
