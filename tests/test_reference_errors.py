"""Bad input gets the project's own error, naming the argument or layer and the shapes."""

import numpy as np
import pytest

from reference import (
    ReferenceTypeError,
    ReferenceValueError,
    backprop,
    backprop_trace,
    chain_backprop,
    cost,
    forward,
    init_network,
    step,
    train,
)


def good():
    """A valid 3-2-1 network with 4 examples: (weights, biases, activations, x, y)."""
    return ([np.ones((2, 3)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], ["sigmoid", "identity"],
            np.ones((4, 3)), np.ones((4, 1)))


def with_(**changes):
    w, b, act, x, y = good()
    args = dict(weights=w, biases=b, activations=act, x=x, y=y)
    args.update(changes)
    return args


CASES = {
    # lists of different lengths, a broken shape chain, a bias of the wrong length
    "lengths differ": (with_(biases=[np.zeros(2)]), ReferenceValueError, r"have 2, 1 and 2 entries"),
    "broken chain": (with_(weights=[np.ones((2, 3)), np.ones((1, 5))]), ReferenceValueError,
                     r"weights\[1\] \(w\(2\)\) has shape \(1, 5\), expected \(1, 2\): layer 1 has 2 neurons"),
    "bias length": (with_(biases=[np.zeros(3), np.zeros(1)]), ReferenceValueError,
                    r"biases\[0\] \(b\(1\)\) has shape \(3,\), expected \(2,\)"),
    # an unknown activation name, or not a name at all
    "unknown activation": (with_(activations=["sigmoid", "softmax"]), ReferenceValueError,
                           r"activations\[1\] \(layer 2\) is 'softmax': expected one of identity, relu"),
    "activation not a name": (with_(activations=["sigmoid", np.tanh]), ReferenceTypeError,
                              r"activations\[1\] \(layer 2\) must be a name"),
    # x or y with the wrong feature count, different example counts
    "x features": (with_(x=np.ones((4, 2))), ReferenceValueError,
                   r"x has shape \(4, 2\), expected \(4, 3\): layer 1 takes 3 inputs"),
    "y features": (with_(y=np.ones((4, 2))), ReferenceValueError,
                   r"y has shape \(4, 2\), expected \(4, 1\): the last layer has 1 neurons"),
    "example counts": (with_(y=np.ones((3, 1))), ReferenceValueError, r"x has 4 examples but y has 3"),
    # NaN or inf anywhere
    "nan in w": (with_(weights=[np.array([[1, 1, 1], [1, np.nan, 1]]), np.ones((1, 2))]), ReferenceValueError,
                 r"weights\[0\] \(w\(1\)\) holds NaN at index \[1, 1\]"),
    "inf in b": (with_(biases=[np.zeros(2), np.array([np.inf])]), ReferenceValueError,
                 r"biases\[1\] \(b\(2\)\) holds inf at index \[0\]"),
    "nan in x": (with_(x=np.full((4, 3), np.nan)), ReferenceValueError, r"x holds NaN"),
    "inf in y": (with_(y=np.full((4, 1), -np.inf)), ReferenceValueError, r"y holds inf"),
    # no layers, zero examples, a layer without neurons
    "no layers": (with_(weights=[], biases=[], activations=[]), ReferenceValueError, r"no layers"),
    "zero examples": (with_(x=np.ones((0, 3)), y=np.ones((0, 1))), ReferenceValueError,
                      r"x has shape \(0, 3\): zero examples"),
    "zero neurons": (with_(weights=[np.ones((0, 3)), np.ones((1, 0))], biases=[np.zeros(0), np.zeros(1)]),
                     ReferenceValueError, r"weights\[0\] \(w\(1\)\) has shape \(0, 3\): every layer needs neurons"),
    # complex or non-numeric arrays, wrong dimensionality, wrong containers
    "complex w": (with_(weights=[np.ones((2, 3), complex), np.ones((1, 2))]), ReferenceTypeError,
                  r"weights\[0\] \(w\(1\)\) is complex \(complex128\)"),
    "strings in x": (with_(x=np.full((4, 3), "a")), ReferenceTypeError, r"x is not numeric \(dtype <U1\)"),
    "objects in b": (with_(biases=[np.array([None, None]), np.zeros(1)]), ReferenceTypeError,
                     r"biases\[0\] \(b\(1\)\) is not numeric"),
    "ragged w": (with_(weights=[[[1, 2, 3], [1, 2]], np.ones((1, 2))]), ReferenceValueError,
                 r"weights\[0\] \(w\(1\)\) is not a rectangular array"),
    "longdouble x": (with_(x=np.ones((4, 3), np.longdouble)), ReferenceTypeError, r"wider than float64"),
    "1-D x": (with_(x=np.ones(3)), ReferenceValueError,
              r"x must be 2-D \(m, 3\), got shape \(3,\) \(one example per row\); for a single example"),
    "3-D w": (with_(weights=[np.ones((2, 3, 1)), np.ones((1, 2))]), ReferenceValueError,
              r"weights\[0\] \(w\(1\)\) must be 2-D \(n_1, n_0\), got shape \(2, 3, 1\)"),
    "2-D bias": (with_(biases=[np.zeros((2, 1)), np.zeros(1)]), ReferenceValueError,
                 r"biases\[0\] \(b\(1\)\) must be 1-D \(n_1,\), got shape \(2, 1\)"),
    "weights not a list": (with_(weights=np.ones((2, 3))), ReferenceTypeError,
                           r"weights must be a list with one entry per layer, got ndarray"),
    "activations a string": (with_(activations="sigmoid"), ReferenceTypeError,
                             r"activations must be a list with one entry per layer, got str"),
}


@pytest.mark.parametrize("entry", [backprop, backprop_trace])
@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_named(entry, name):
    args, error, message = CASES[name]
    with pytest.raises(error, match=message):
        entry(**args)


@pytest.mark.parametrize("name", sorted(n for n in CASES if "y" not in n.split() and n != "example counts"))
def test_forward_checks_like_backprop(name):
    args, error, message = CASES[name]
    args = {k: v for k, v in args.items() if k != "y"}
    with pytest.raises(error, match=message):
        forward(**args)


def test_forward_returns_a_copy_of_x_as_a0():
    w, b, act, x, _ = good()
    z, a = forward(w, b, act, x)
    assert len(z) == 2 and len(a) == 3 and not np.shares_memory(a[0], x)
    np.testing.assert_array_equal(a[0], x)


def test_errors_are_builtin_value_and_type_errors():
    assert issubclass(ReferenceValueError, ValueError) and issubclass(ReferenceTypeError, TypeError)


def test_dtype_other_than_float64_or_float32_is_refused():
    with pytest.raises(ReferenceTypeError, match="dtype must be float64 or float32, got float16"):
        backprop(*good(), dtype=np.float16)


@pytest.mark.parametrize("eta", [0, -0.1, float("nan"), "0.1"])
def test_step_and_train_refuse_a_bad_learning_rate(eta):
    w, b, act, x, y = good()
    with pytest.raises(ReferenceValueError, match="eta"):
        step(w, b, w, b, eta)
    with pytest.raises(ReferenceValueError, match="eta"):
        train(w, b, act, x, y, eta=eta, epochs=1)


def test_step_refuses_gradients_shaped_unlike_the_parameters():
    w, b, *_ = good()
    with pytest.raises(ReferenceValueError, match=r"dC_dw\[1\] / dC_db\[1\] have shapes \(2, 1\)"):
        step(w, b, [np.ones((2, 3)), np.ones((2, 1))], [np.zeros(2), np.zeros(2)], 0.1)


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=-1), "epochs must be a whole number >= 0"),
    (dict(epochs=1.5), "epochs must be a whole number >= 0"),
    (dict(epochs=1, batch_size=0), r"batch_size must be a whole number from 1 to m = 4"),
    (dict(epochs=1, batch_size=5), r"batch_size must be a whole number from 1 to m = 4"),
])
def test_train_refuses_bad_schedules(kwargs, message):
    with pytest.raises(ReferenceValueError, match=message):
        train(*good(), eta=0.1, **kwargs)


@pytest.mark.parametrize("sizes, message", [
    ([3], r"sizes needs at least two entries"), ([3, 0, 1], r"sizes\[1\] \(n_1\) must be a whole number >= 1"),
    ([3, 2.5], r"sizes\[1\] \(n_1\)"),
])
def test_init_network_refuses_bad_sizes(sizes, message):
    with pytest.raises(ReferenceValueError, match=message):
        init_network(sizes)


def test_chain_refuses_arrays_for_x_and_y():
    with pytest.raises(ReferenceValueError, match="x and y must be single numbers"):
        chain_backprop([1.0], [0.0], ["sigmoid"], [1.0, 2.0], 0.0)


def test_dtype_that_is_not_a_dtype_is_refused_with_our_error():
    with pytest.raises(ReferenceTypeError, match="dtype must be float64 or float32, got 'nope'"):
        backprop(*good(), dtype="nope")


def test_float32_request_refuses_values_beyond_float32_instead_of_reading_inf():
    w, b, act, x, y = good()
    w = [np.full((2, 3), 1e300), w[1]]
    with pytest.raises(ReferenceValueError, match=r"weights\[0\] \(w\(1\)\) holds 1e\+300 at index \[0, 0\], "
                                                  r"beyond the largest float32"):
        backprop(w, b, act, x, y, dtype=np.float32)


@pytest.mark.parametrize("entry", [backprop, backprop_trace])
@pytest.mark.parametrize("activation", ["sigmoid", "identity"])
def test_overflow_inside_the_computation_is_named_not_carried_on(entry, activation):
    args = dict(weights=[np.array([[1e200]]), np.array([[1e200]])], biases=[np.zeros(1)] * 2,
                activations=["relu", activation], x=[[1.0]], y=[[0.0]])
    with pytest.raises(ReferenceValueError, match=f"{entry.__name__} overflowed .*too large"):
        entry(**args)


def test_step_overflow_is_named():
    with pytest.raises(ReferenceValueError, match="step overflowed"):
        step([np.array([[1e308]])], [np.zeros(1)], [np.array([[-1e308]])], [np.zeros(1)], 10.0)


@pytest.mark.parametrize("a_L, y, error, message", [
    (np.ones(3), np.zeros(3), ReferenceValueError, r"a_L must be 2-D \(m, n_L\), got shape \(3,\)"),
    (np.ones((2, 2)), np.ones((2, 3)), ReferenceValueError, r"a_L has shape \(2, 2\) and y \(2, 3\)"),
    (np.ones((2, 2)), np.ones((1, 2)), ReferenceValueError, r"a_L has shape \(2, 2\) and y \(1, 2\)"),
    (np.ones((0, 2)), np.ones((0, 2)), ReferenceValueError, r"m >= 1"),
    ([[np.nan]], [[0.0]], ReferenceValueError, r"a_L holds NaN"),
    ([[1j]], [[0.0]], ReferenceTypeError, r"a_L is complex"),
])
def test_cost_checks_its_arguments(a_L, y, error, message):
    with pytest.raises(error, match=message):
        cost(a_L, y)


def test_cost_accepts_lists_and_keeps_float32():
    assert cost([[1.0, 2.0]], [[0.0, 0.0]]) == 5.0
    assert cost(np.float32([[0.1]]), np.zeros((1, 1))) == float(np.float32(0.1) ** 2)


@pytest.mark.parametrize("w, b, x, y, error, message", [
    ([1.0], [0.0], float("nan"), 0.0, ReferenceValueError, r"x \(a\(0\)\) holds NaN: every value must be finite"),
    ([1.0], [0.0], 1.0, float("inf"), ReferenceValueError, r"y \(the target\) holds inf"),
    ([1.0], [0.0], "1", 0.0, ReferenceTypeError, r"x \(a\(0\)\) is not numeric"),
    ([1.0], [0.0], 1j, 0.0, ReferenceTypeError, r"x \(a\(0\)\) is complex"),
    ([[1.0]], [0.0], 1.0, 0.0, ReferenceValueError, r"w must be a list of numbers, one per layer, got shape \(1, 1\)"),
    ([1.0], 0.0, 1.0, 0.0, ReferenceValueError, r"b must be a list of numbers, one per layer, got shape \(\)"),
    ([1e300, 1e300], [0.0, 0.0], 1e300, 0.0, ReferenceValueError, r"chain_steps overflowed"),
])
def test_chain_refuses_bad_numbers(w, b, x, y, error, message):
    with pytest.raises(error, match=message):
        chain_backprop(w, b, ["identity"] * len(w), x, y)


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=True), "epochs must be a whole number >= 0, got True"),
    (dict(epochs=1, batch_size=True), "batch_size must be a whole number from 1 to m = 4, got True"),
    (dict(epochs=1, eta=True), r"eta \(the learning rate\) must be a finite number > 0, got True"),
])
def test_train_refuses_bools_for_numbers(kwargs, message):
    with pytest.raises(ReferenceValueError, match=message):
        train(*good(), **{"eta": 0.1, **kwargs})


def test_init_network_refuses_a_bool_size():
    with pytest.raises(ReferenceValueError, match=r"sizes\[1\] \(n_1\) must be a whole number >= 1, got True"):
        init_network([3, True])


def test_step_refuses_gradients_that_are_not_per_layer_lists():
    w, b, *_ = good()
    with pytest.raises(ReferenceTypeError, match="dC_dw must be a list with one entry per layer, got NoneType"):
        step(w, b, None, b, 0.1)
