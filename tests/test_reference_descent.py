"""Gradient descent [09:23] lowers the cost, and returns new parameters."""

import numpy as np

from reference import backprop, cost, forward, init_network, step, train


def xor_problem():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return x, y


def test_full_batch_descent_lowers_the_cost_on_xor():
    x, y = xor_problem()
    weights, biases = init_network([2, 4, 1], seed=0)
    _, _, costs = train(weights, biases, ["tanh", "sigmoid"], x, y, eta=0.5, epochs=2000)
    assert len(costs) == 2001
    assert costs[-1] < 0.05 * costs[0]
    assert all(later <= earlier + 1e-12 for earlier, later in zip(costs[:200], costs[1:201]))  # small eta: monotone


def test_one_step_moves_against_the_gradient():
    x, y = xor_problem()
    weights, biases = init_network([2, 3, 1], seed=1)
    acts = ["sigmoid", "sigmoid"]
    dC_dw, dC_db = backprop(weights, biases, acts, x, y)
    new_w, new_b = step(weights, biases, dC_dw, dC_db, 0.1)
    for w, g, nw in zip(weights, dC_dw, new_w):
        np.testing.assert_array_equal(nw, w - 0.1 * g)
    assert cost(forward(new_w, new_b, acts, x)[1][-1], y) < cost(forward(weights, biases, acts, x)[1][-1], y)


def test_mini_batches_are_seeded_and_visit_every_example():
    x, y = xor_problem()
    weights, biases = init_network([2, 3, 1], seed=2)
    seen, rows = [], []
    def on_step(w, b, xb, yb, dC_dw, dC_db):
        seen.append(xb.shape[0])
        rows.extend(map(tuple, np.hstack([xb, yb])))
    first = train(weights, biases, ["relu", "sigmoid"], x, y, eta=0.3, epochs=3, batch_size=3, seed=7, on_step=on_step)
    again = train(weights, biases, ["relu", "sigmoid"], x, y, eta=0.3, epochs=3, batch_size=3, seed=7)
    assert seen == [3, 1] * 3  # a last short batch is kept
    examples = sorted(map(tuple, np.hstack([x, y])))
    for epoch in range(3):  # each epoch sees every (x, y) row exactly once, x still beside its own y
        assert sorted(rows[4 * epoch:4 * epoch + 4]) == examples
    assert rows[:4] != rows[4:8] or rows[4:8] != rows[8:]  # and the order is shuffled between epochs
    for a, b in zip(first[0] + first[1], again[0] + again[1]):
        np.testing.assert_array_equal(a, b)
    other = train(weights, biases, ["relu", "sigmoid"], x, y, eta=0.3, epochs=3, batch_size=3, seed=8)
    assert not all(np.array_equal(a, b) for a, b in zip(first[0], other[0]))  # the seed matters


def test_zero_epochs_returns_equal_but_new_parameters():
    x, y = xor_problem()
    weights, biases = init_network([2, 2, 1], seed=3)
    new_w, new_b, costs = train(weights, biases, ["tanh", "tanh"], x, y, eta=0.1, epochs=0)
    assert len(costs) == 1
    for w, nw in zip(weights, new_w):
        np.testing.assert_array_equal(w, nw)
        assert nw is not w


def test_init_network_is_seeded():
    a, b = init_network([3, 4, 2], seed=5), init_network([3, 4, 2], seed=5)
    c = init_network([3, 4, 2], seed=6)
    assert all(np.array_equal(p, q) for p, q in zip(a[0], b[0]))
    assert not np.array_equal(a[0][0], c[0][0])
    assert all(w.dtype == np.float64 for w in a[0] + a[1])
