"""Nothing the caller passes in is ever modified, and no result aliases an input."""

import copy

import numpy as np
from hypothesis import given

from conformance.core.strategies import cases
from reference import backprop, backprop_trace, step, train


def snapshot(obj):
    return copy.deepcopy(obj)


def assert_unchanged(before, after):
    assert type(before) is type(after)
    if isinstance(before, np.ndarray):
        assert before.dtype == after.dtype and before.shape == after.shape
        np.testing.assert_array_equal(before, after)
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after)
        for p, q in zip(before, after):
            assert_unchanged(p, q)
    else:
        assert before == after


def all_arrays(*trees):
    for tree in trees:
        if isinstance(tree, np.ndarray):
            yield tree
        elif isinstance(tree, (list, tuple)):
            yield from all_arrays(*tree)


@given(cases(max_depth=3, max_width=4))
def test_backprop_and_trace_leave_inputs_alone(case):
    args = case.args()
    before = snapshot(args)
    grads = backprop(*args)
    t = backprop_trace(*args)
    assert_unchanged(before, args)
    outputs = list(all_arrays(grads, t.z, t.a, t.dC_dz, t.dC_da, t.dC_dw, t.dC_db))
    for out in outputs:
        for given_array in all_arrays(args):
            assert not np.shares_memory(out, given_array)
    # writing into a result must not reach the caller's arrays either
    for out in outputs:
        out[...] = 123.0
    assert_unchanged(before, args)


def test_lists_and_python_numbers_are_left_alone():
    weights, biases = [[[1.0, 2.0]], [[3.0]]], [[0.5], [0.25]]
    acts, x, y = ["relu", "identity"], [[1.0, -1.0]], [[2.0]]
    before = snapshot((weights, biases, acts, x, y))
    backprop(weights, biases, acts, x, y)
    train(weights, biases, acts, x, y, eta=0.1, epochs=2)
    assert_unchanged(before, (weights, biases, acts, x, y))


def test_step_and_train_return_new_arrays():
    rng = np.random.default_rng(0)
    weights, biases = [rng.standard_normal((2, 2))], [rng.standard_normal(2)]
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    before = snapshot((weights, biases, x, y))
    dC_dw, dC_db = backprop(weights, biases, ["tanh"], x, y)
    grads_before = snapshot((dC_dw, dC_db))
    new_w, new_b = step(weights, biases, dC_dw, dC_db, 0.5)
    trained_w, trained_b, _ = train(weights, biases, ["tanh"], x, y, eta=0.5, epochs=3, batch_size=2)
    assert_unchanged(before, (weights, biases, x, y))
    assert_unchanged(grads_before, (dC_dw, dC_db))
    for out in all_arrays(new_w, new_b, trained_w, trained_b):
        assert not any(np.shares_memory(out, a) for a in all_arrays(weights, biases, dC_dw, dC_db))


def test_read_only_inputs_are_accepted():
    """Arrays the caller cannot write to (np.load(mmap_mode="r"), broadcast views) work everywhere."""
    rng = np.random.default_rng(1)
    weights, biases = [rng.standard_normal((3, 2)), rng.standard_normal((1, 3))], [np.zeros(3), np.zeros(1)]
    x, y = rng.standard_normal((5, 2)), np.broadcast_to(np.array([0.5]), (5, 1))  # y: a read-only view
    for arr in weights + biases + [x]:
        arr.flags.writeable = False
    acts = ["sigmoid", "identity"]
    dC_dw, dC_db = backprop(weights, biases, acts, x, y)
    t = backprop_trace(weights, biases, acts, x, y)
    for arr in dC_dw + dC_db:
        arr.flags.writeable = False
    step(weights, biases, dC_dw, dC_db, 0.1)
    new_w, _, _ = train(weights, biases, acts, x, y, eta=0.1, epochs=2, batch_size=2)
    np.testing.assert_array_equal(t.dC_dw[0], dC_dw[0])
    assert all(w.flags.writeable for w in new_w)  # what comes back is the caller's to change
