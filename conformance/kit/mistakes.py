"""A catalog of classic backprop mistakes, each one place away from a correct backprop.

:func:`_backprop` is one correct, vectorised backprop in the reference's layout
(examples as rows, ``weights[l-1]`` = w(l) of shape (n_l, n_{l-1})).  Every
place where a hand-written backprop commonly goes wrong is an ``if mistake ==``
switch in it; each public function below turns on exactly one switch.  Plug any
of them into the kit to see it caught and diagnosed::

    pytest --impl=conformance/kit/mistakes.py:half_cost_convention

``CATALOG`` maps each name to a :class:`Mistake` (function, one-line title,
video timestamp, the hint the diagnosis prints).  Timestamps are
3Blue1Brown's "Backpropagation calculus" (see ../../reference/).

>>> import numpy as np
>>> from reference import backprop
>>> args = ([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
>>> float(backprop(*args)[0][0][0, 0]), float(half_cost_convention(*args)[0][0][0, 0])
(-1.0, -0.5)
>>> len(CATALOG) >= 12
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ETA = 0.5  # the step size of in_place_weight_update


def _sigma(name, z):
    """sigma(z), overflow-free (the sigmoid from e^-|z|)."""
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0, e) / (1.0 + e)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    return z + 0.0


def _sigma_prime(name, z):
    """sigma'(z), exact where sigmoid and tanh saturate; relu'(0) = 0."""
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return e / (1.0 + e) ** 2
    if name == "tanh":
        e = np.exp(-np.abs(z)) ** 2
        return 4.0 * e / (1.0 + e) ** 2
    if name == "relu":
        return (z > 0).astype(float)
    return np.ones_like(z)


def _backprop(weights, biases, activations, x, y, mistake=None):
    """A correct backprop when ``mistake`` is None; each other value breaks exactly one place."""
    ws = [np.array(w, dtype=float) for w in weights]  # copies: in_place_weight_update writes into them
    bs = [np.array(b, dtype=float) for b in biases]
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    m, L = x.shape[0], len(ws)
    # Forward: z(l) = w(l) a(l-1) + b(l), a(l) = sigma(z(l))  [02:01]; rows are examples
    z, a = [], [x]
    for l in range(1, L + 1):
        w, b, name = ws[l - 1], bs[l - 1], activations[l - 1]
        z.append(a[-1] @ w.T if mistake == "forgot_bias_in_forward" else a[-1] @ w.T + b)
        if mistake == "missing_last_activation" and l == L:
            a.append(z[-1] + 0.0)
        else:
            a.append(_sigma(name, z[-1]))
    # dC/da(L) = 2(a(L) - y) for one example [04:07]; C averages the m examples' C0, hence 1/m
    n_L = a[L].shape[1]
    if mistake == "half_cost_convention":
        dC_da = (a[L] - y) / m
    elif mistake == "sign_of_a_minus_y":
        dC_da = 2.0 * (y - a[L]) / m
    elif mistake == "sum_over_examples":
        dC_da = 2.0 * (a[L] - y)
    elif mistake == "mean_over_outputs_too":
        dC_da = 2.0 * (a[L] - y) / (m * n_L)
    else:
        dC_da = 2.0 * (a[L] - y) / m
    dC_dw, dC_db = [None] * L, [None] * L
    for l in range(L, 0, -1):
        i, name = l - 1, activations[l - 1]
        # da(l)/dz(l) = sigma'(z(l))  [04:27]
        if mistake == "sigma_prime_of_a":
            da_dz = _sigma_prime(name, a[l])
        elif mistake == "sigmoid_prime_formula_on_z" and name == "sigmoid":
            da_dz = z[i] * (1.0 - z[i])
        elif mistake == "relu_prime_at_zero_is_one" and name == "relu":
            da_dz = (z[i] >= 0).astype(float)
        elif (mistake == "sigma_prime_missing_in_last_layer" and l == L) or (
                mistake == "sigma_prime_missing_in_hidden_layers" and l < L):
            da_dz = np.ones_like(z[i])
        else:
            da_dz = _sigma_prime(name, z[i])
        dC_dz = dC_da * da_dz
        # dC/dw(l)_jk = dC/dz(l)_j a(l-1)_k, summed over the examples  [04:37, 08:15]
        if mistake == "transposed_weight_gradient":
            dC_dw[i] = a[l - 1].T @ dC_dz
        elif mistake == "activation_off_by_one_layer":
            dC_dw[i] = dC_dz.T @ a[l]
        else:
            dC_dw[i] = dC_dz.T @ a[l - 1]
        # dC/db(l) = dC/dz(l) * 1 [05:58], summed over the examples
        if mistake == "bias_gradient_from_one_example":
            dC_db[i] = dC_dz[0].copy()
        elif mistake == "bias_gradient_averaged_again":
            dC_db[i] = dC_dz.mean(axis=0)
        else:
            dC_db[i] = dC_dz.sum(axis=0)
        if mistake == "in_place_weight_update":
            ws[i] -= ETA * dC_dw[i]  # a step downhill [09:23], taken too early
        # dC/da(l-1)_k = sum_j w(l)_jk dC/dz(l)_j: the sum over paths  [06:15, 08:32]
        if mistake == "no_sum_over_paths":
            dC_da = dC_dz[:, :1] @ ws[i][:1, :]
        elif mistake == "sigma_prime_skipped_going_back":
            dC_da = dC_da @ ws[i]
        else:
            dC_da = dC_dz @ ws[i]
    return dC_dw, dC_db


def correct(weights, biases, activations, x, y):
    """No mistake: the base with every switch off (the kit passes it)."""
    return _backprop(weights, biases, activations, x, y)


@dataclass(frozen=True)
class Mistake:
    """A catalogued mistake: its function, a one-line title, the video's timestamp, the diagnosis hint."""

    name: str
    function: object
    title: str
    timestamp: str
    hint: str


CATALOG: dict = {}


def _mistake(timestamp: str, hint: str):
    """Register the decorated function in CATALOG; its docstring's first line is the title."""
    def register(fn):
        title = fn.__doc__.strip().splitlines()[0].rsplit("[", 1)[0].strip()  # the timestamp is kept apart
        CATALOG[fn.__name__] = Mistake(fn.__name__, fn, title, timestamp, hint)
        return fn
    return register


@_mistake("01:32, 04:07", "The video's cost C0 = sum_j (a(L)_j - y_j)^2 has no 1/2, so dC0/da(L) = 2(a(L) - y)")
def half_cost_convention(weights, biases, activations, x, y):
    """The 1/2 cost convention: dC/da(L) = (a(L) - y), as in Nielsen's book, not 2(a(L) - y).  [01:32, 04:07]

    Every gradient comes out exactly half the video's.
    """
    return _backprop(weights, biases, activations, x, y, "half_cost_convention")


@_mistake("04:07", "dC0/da(L) = 2(a(L) - y), not 2(y - a(L))")
def sign_of_a_minus_y(weights, biases, activations, x, y):
    """The sign of (a - y) flipped: dC/da(L) = 2(y - a(L)).  [04:07]

    Every gradient has the opposite sign: gradient descent would walk uphill.
    """
    return _backprop(weights, biases, activations, x, y, "sign_of_a_minus_y")


@_mistake("01:32", "C is the average of the examples' costs C0, so its gradient is the average of theirs: divide by m")
def sum_over_examples(weights, biases, activations, x, y):
    """Summing over the examples instead of averaging: the 1/m is missing.  [01:32]

    Every gradient comes out m times the reference's.
    """
    return _backprop(weights, biases, activations, x, y, "sum_over_examples")


@_mistake("07:15", "C0 sums (a(L)_j - y_j)^2 over the outputs j; torch.nn.MSELoss() averages over them too")
def mean_over_outputs_too(weights, biases, activations, x, y):
    """The MSELoss convention: averaging over the n_L outputs as well as the examples.  [07:15]

    Every gradient comes out 1/n_L times the reference's.
    """
    return _backprop(weights, biases, activations, x, y, "mean_over_outputs_too")


@_mistake("04:27", "da(L)/dz(L) = sigma'(z(L)) belongs in the last layer's dC/dz(L)")
def sigma_prime_missing_in_last_layer(weights, biases, activations, x, y):
    """sigma' missing in the last layer: dC/dz(L) = dC/da(L), the factor da(L)/dz(L) dropped.  [04:27]"""
    return _backprop(weights, biases, activations, x, y, "sigma_prime_missing_in_last_layer")


@_mistake("04:27, 06:33", "every layer's dC/dz(l) = dC/da(l) * sigma'(z(l)), the hidden layers' too")
def sigma_prime_missing_in_hidden_layers(weights, biases, activations, x, y):
    """sigma' missing in the hidden layers: dC/dz(l) = dC/da(l) for l < L.  [04:27, 06:33]"""
    return _backprop(weights, biases, activations, x, y, "sigma_prime_missing_in_hidden_layers")


@_mistake("04:27", "da/dz = sigma'(z), evaluated at z(l), not at a(l) = sigma(z(l))")
def sigma_prime_of_a(weights, biases, activations, x, y):
    """sigma' applied to a instead of z: da(l)/dz(l) = sigma'(a(l)).  [04:27]"""
    return _backprop(weights, biases, activations, x, y, "sigma_prime_of_a")


@_mistake("04:27", "sigmoid'(z) = s(1 - s) with s = sigmoid(z), not z(1 - z)")
def sigmoid_prime_formula_on_z(weights, biases, activations, x, y):
    """sigmoid' as s(1 - s) evaluated on z: da/dz = z(1 - z) instead of sigmoid(z)(1 - sigmoid(z)).  [04:27]"""
    return _backprop(weights, biases, activations, x, y, "sigmoid_prime_formula_on_z")


@_mistake("02:01, 04:27", "relu'(0) = 0 in torch and jax.nn.relu (and the reference): use z > 0, not z >= 0")
def relu_prime_at_zero_is_one(weights, biases, activations, x, y):
    """relu'(0) = 1: the derivative written as (z >= 0); shows only where z is exactly 0.  [02:01, 04:27]"""
    return _backprop(weights, biases, activations, x, y, "relu_prime_at_zero_is_one")


@_mistake("08:32", "a(l-1)_k reaches the cost through every neuron j of layer l: dC/da(l-1)_k = sum_j w_jk dC/dz(l)_j")
def no_sum_over_paths(weights, biases, activations, x, y):
    """No sum over paths into a(L-1): dC/da(l-1)_k keeps only the path through neuron j = 0.  [08:32]"""
    return _backprop(weights, biases, activations, x, y, "no_sum_over_paths")


@_mistake("06:15", "dC/da(l-1) = w(l)^T dC/dz(l), through sigma'(z(l)); not w(l)^T dC/da(l)")
def sigma_prime_skipped_going_back(weights, biases, activations, x, y):
    """Propagating dC/da(l) instead of dC/dz(l): dC/da(l-1) = w(l)^T dC/da(l), sigma' skipped.  [06:15]"""
    return _backprop(weights, biases, activations, x, y, "sigma_prime_skipped_going_back")


@_mistake("05:46, 05:58", "dC/db(l) = dC/dz(l) summed over all m examples (with the 1/m of the average)")
def bias_gradient_from_one_example(weights, biases, activations, x, y):
    """The bias gradient taken from one example: dC/db(l) = dC/dz(l) of example 0 only.  [05:46, 05:58]"""
    return _backprop(weights, biases, activations, x, y, "bias_gradient_from_one_example")


@_mistake("05:58", "dC/dz(l) already carries the 1/m of the average: sum it over the examples, don't average again")
def bias_gradient_averaged_again(weights, biases, activations, x, y):
    """The bias gradient averaged twice: dC/db(l) = mean of dC/dz(l) over examples, a second 1/m.  [05:58]"""
    return _backprop(weights, biases, activations, x, y, "bias_gradient_averaged_again")


@_mistake("07:33", "dC/dw(l) is shaped like w(l), (n_l, n_(l-1)), row j and column k: dC/dz(l)^T a(l-1)")
def transposed_weight_gradient(weights, biases, activations, x, y):
    """Transposed weight gradient: dC/dw(l) = a(l-1)^T dC/dz(l), shape (n_(l-1), n_l).  [07:33]"""
    return _backprop(weights, biases, activations, x, y, "transposed_weight_gradient")


@_mistake("04:37", "dz(l)/dw(l) = a(l-1), the activation of the layer before, not a(l)")
def activation_off_by_one_layer(weights, biases, activations, x, y):
    """Off by one layer: dC/dw(l) uses a(l) where a(l-1) belongs.  [04:37]"""
    return _backprop(weights, biases, activations, x, y, "activation_off_by_one_layer")


@_mistake("02:01", "z(l) = w(l) a(l-1) + b(l): the forward pass needs the bias")
def forgot_bias_in_forward(weights, biases, activations, x, y):
    """Forgetting the bias in the forward pass: z(l) = w(l) a(l-1).  [02:01]"""
    return _backprop(weights, biases, activations, x, y, "forgot_bias_in_forward")


@_mistake("02:01", "a(L) = sigma(z(L)) in the last layer too")
def missing_last_activation(weights, biases, activations, x, y):
    """Missing the last layer's activation in the forward pass: a(L) = z(L) (sigma' still applied).  [02:01]"""
    return _backprop(weights, biases, activations, x, y, "missing_last_activation")


@_mistake("06:15, 09:23", "compute every gradient with the weights as given; step downhill only afterwards")
def in_place_weight_update(weights, biases, activations, x, y):
    """Updating weights during the backward pass: w(l) -= eta dC/dw(l) before dC/da(l-1) uses w(l).  [06:15, 09:23]"""
    return _backprop(weights, biases, activations, x, y, "in_place_weight_update")
