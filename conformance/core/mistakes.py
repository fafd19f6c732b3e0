"""A catalogue of the ways real backprop code differs from the video, each one switch away from a correct backprop.

Every entry is one switch of the mutant engine (:mod:`conformance.core.mutants`): a
correct, vectorised backprop in the reference's layout, with exactly one place
changed the way some widely used textbook, course, library or common hand-written
code writes it.  Each entry says which step of the video it breaks (its timestamp
in 3Blue1Brown's "Backpropagation calculus"), how to fix it, where it comes from,
and under which rows of the tolerance table it is a mistake (a float32 leak is none
under the float32 row).  Plug any of them into the kit to see it caught and named::

    pytest --impl=conformance/core/mistakes.py:half_cost_convention

Each name below is a function ``backprop(weights, biases, activations, x, y)``;
``CATALOG[name].function32`` is the same mistake computed in float32.

The code bases studied, and what each taught the catalogue (every entry's ``source`` says
which it comes from; each was written anew here from how those sources write backprop,
nothing copied):

* Nielsen, *Neural Networks and Deep Learning*, ``network.py``: the 1/2 cost with the
  gradient summed over the mini-batch (``half_sum_cost``, m/2: the most common convention),
  sigmoid everywhere (``every_layer_sigmoid``), ``range(2, num_layers)`` loops counting the
  input layer (``first_layer_skipped``), negative layer indices (``activation_off_by_one_layer``),
  column vectors (the extra-axis shape message); ``network2.py``: the cross-entropy delta
  ``(a - y)`` (``cross_entropy_delta``), and its output error already holding sigma'
  (``sigma_prime_twice_in_last_layer``).
* CS231n (two-layer net assignment, "Putting it together"): ``dscores /= N`` and
  ``db = np.sum(dscores, axis=0, keepdims=True)`` (``bias_gradient_keepdims``), (in, out) weights with
  ``dW = X.T @ dscores`` (``transposed_weight_gradient``), a fixed two layers (``only_two_layers``).
* Andrew Ng's Deep Learning Specialization / ML course: J = 1/2m sum (``half_cost_convention``),
  ``dW = 1/m dZ A^T`` and ``db = 1/m sum(dZ, axis=1)`` in a column layout (``weight_gradient_averaged_again``,
  ``bias_gradient_averaged_again``, ``bias_gradient_without_1_over_m``, ``bias_gradient_over_wrong_axis``,
  ``divided_by_m_twice``), ``relu_backward`` written from the cache (``relu_prime_from_a_with_ge``),
  logistic regression's ``dZ = A - Y`` (``cross_entropy_delta``).
* d2l.ai and torch: ``nn.MSELoss`` averaging over every element (``mean_over_outputs_too``), float32 by
  default (``float32_leak``), relu'(0) = 0 (``relu_prime_at_zero_is_one``, ``..._is_half``).
* micrograd and autodiff: max(z, 0) has slope 1/2 at the tie (``relu_prime_at_zero_is_half``), gradients
  accumulated across calls (the kit's determinism check rather than a catalogue entry).
* scikit-learn's MLP (``_backprop``): squared loss / 2 (``half_cost_convention``) and ``deltas[last] =
  a - y`` for its logistic output (``cross_entropy_delta``).
* Goodfellow, Bengio and Courville, *Deep Learning* (6.5): sums of squares without the mean
  (``sum_over_examples``) and the chain rule through every path (``no_sum_over_paths``).
* Common tutorial, blog and Stack Overflow code: ``sigmoid_derivative(x) = x * (1 - x)`` called on z
  (``sigmoid_prime_formula_on_z``, ``tanh_prime_formula_on_z``, ``sigma_prime_of_a``), activations written
  from their definitions (``tanh_from_exponentials``, ``sigmoid_from_exp_over_one_plus_exp``,
  ``sigmoid_prime_from_exponentials``), ``error = y - output`` (``sign_of_a_minus_y``), the loss propagated
  as if it were its derivative (``cost_instead_of_its_derivative``), lists built backwards and not reversed
  (``gradients_listed_last_layer_first``), caches keeping z for a (``weight_gradient_uses_z``).

>>> import numpy as np
>>> from reference import backprop
>>> args = ([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
>>> float(backprop(*args)[0][0][0, 0]), float(half_cost_convention(*args)[0][0][0, 0])
(-1.0, -0.5)
>>> len(CATALOG) >= 30
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from conformance.core import mutants  # absolute: the kit may load this file by its path

ALL_ROWS = ("float64", "float32", "float32-tf32")


@dataclass(frozen=True)
class Mistake:
    """A catalogued mistake: one switch of the mutant engine, with what the diagnosis says about it."""

    name: str
    function: object  # backprop(weights, biases, activations, x, y) with the mistake, float64
    function32: object  # the same in float32
    title: str  # what it changes, one line
    timestamp: str  # the step of the video it breaks
    hint: str  # the fix
    category: str  # cost, derivative, bias, layers, numerics
    source: str  # the real code that writes it so
    rows: tuple = ALL_ROWS  # tolerance rows under which it is a mistake
    activations: tuple = ()  # the activations it needs to show ((): any)


CATALOG: dict = {}


def _function(name, dtype):
    def backprop(weights, biases, activations, x, y):
        return mutants.backprop(weights, biases, activations, x, y, mistake=name, dtype=dtype)
    suffix = "" if dtype == np.float64 else "_float32"
    backprop.__name__ = backprop.__qualname__ = name + suffix
    backprop.__module__ = __name__
    return backprop


def _entry(name, category, timestamp, title, hint, source, rows=ALL_ROWS, activations=()):
    fn = _function(name, np.float64)
    fn.__doc__ = f"{title}  [{timestamp}]\n\nFix: {hint}.\nSeen in: {source}."
    CATALOG[name] = Mistake(name, fn, _function(name, np.float32), title, timestamp, hint, category, source,
                            tuple(rows), tuple(activations))
    globals()[name] = fn


def correct(weights, biases, activations, x, y):
    """No mistake: the engine with every switch off (the kit passes it)."""
    return mutants.backprop(weights, biases, activations, x, y)


# ---------------------------------------------------------------- the cost and dC/da(L)
_entry("half_cost_convention", "cost", "01:32, 04:07",
       "The 1/2 cost convention: dC/da(L) = (a(L) - y)/m, half the video's 2(a(L) - y)/m",
       "the video's C0 = sum_j (a(L)_j - y_j)^2 has no 1/2, so dC0/da(L) = 2(a(L) - y)",
       "Nielsen's book (C = 1/2n sum ||y - a||^2), Andrew Ng's course (J = 1/2m sum), scikit-learn's MLPRegressor "
       "(squared loss / 2)")
_entry("half_sum_cost", "cost", "01:32, 04:07",
       "The 1/2 cost summed over the examples: dC/da(L) = a(L) - y, m/2 times the video's",
       "the video's C averages the examples' C0 and has no 1/2: dC/da(L) = 2(a(L) - y)/m",
       "Nielsen's network.py (cost_derivative = a - y, nabla summed over the mini-batch), Goodfellow et al.'s "
       "sum-of-squares examples, most blog code")
_entry("sum_over_examples", "cost", "01:32",
       "Summing over the examples instead of averaging: the 1/m is missing (m times the video's)",
       "C is the average of the examples' costs C0 (01:32), so divide by m once",
       "CS231n-style code that forgets its /N, per-example loops that accumulate and never divide")
_entry("mean_over_outputs_too", "cost", "07:15",
       "The MSELoss convention: averaging over the n_L outputs as well as the examples (1/n_L times the video's)",
       "C0 sums (a(L)_j - y_j)^2 over the outputs j (07:15); torch.nn.MSELoss() averages over them too",
       "torch.nn.MSELoss / tf.keras MeanSquaredError (reduction 'mean' over every element)")
_entry("sign_of_a_minus_y", "cost", "04:07",
       "The sign of (a - y) flipped: dC/da(L) = 2(y - a(L))/m, every gradient negated",
       "dC0/da(L) = 2(a(L) - y), not 2(y - a(L)): error = y - a is the negative gradient",
       "Mitchell-style and many blog networks that write error = y - output and then add the step")
_entry("divided_by_m_twice", "cost", "01:32",
       "Divided by m twice: dC/da(L) = 2(a(L) - y)/m^2 (1/m times the video's)",
       "dC/da(L) already carries the 1/m of the average; dC/dw and dC/db only sum over the examples",
       "CS231n-style dscores /= N combined with Andrew Ng's dW = 1/m dZ A^T")
_entry("cross_entropy_delta", "cost", "01:32, 04:27",
       "The cross-entropy cost's delta: dC/dz(L) = (a(L) - y)/m, without 2 sigma'(z(L))",
       "the video's cost is the squared error: dC/dz(L) = 2(a(L) - y) sigma'(z(L))/m; (a - y) is the delta of "
       "cross-entropy with a sigmoid output, a different cost",
       "Nielsen's network2.py (CrossEntropyCost.delta), scikit-learn's MLP (deltas[last] = a - y), Andrew Ng's "
       "logistic-regression dZ = A - Y")
_entry("cost_instead_of_its_derivative", "cost", "04:07",
       "The cost where its derivative belongs: dC/da(L) = (a(L) - y)^2/m",
       "propagate the derivative dC0/da(L) = 2(a(L) - y), not the error (a(L) - y)^2 itself",
       "Stack Overflow questions that back-propagate the loss value")
# ---------------------------------------------------------------- sigma' and the chain through it
_entry("sigma_prime_missing_in_last_layer", "derivative", "04:27",
       "sigma' missing in the last layer: dC/dz(L) = dC/da(L), the factor da(L)/dz(L) dropped",
       "da(L)/dz(L) = sigma'(z(L)) belongs in the last layer's dC/dz(L) (04:27)",
       "code written for a linear output (or cross-entropy) reused with a sigmoid output")
_entry("sigma_prime_missing_in_hidden_layers", "derivative", "04:27, 06:33",
       "sigma' missing in the hidden layers: dC/dz(l) = dC/da(l) for l < L",
       "every layer's dC/dz(l) = dC/da(l) * sigma'(z(l)), the hidden layers' too",
       "two-layer course code generalised by copying the output layer's step without its sigma'")
_entry("sigma_prime_of_a", "derivative", "04:27",
       "sigma' applied to a instead of z: da(l)/dz(l) = sigma'(a(l))",
       "da/dz = sigma'(z), evaluated at z(l), not at a(l) = sigma(z(l)); or write it from a: s(1 - s) with s = a",
       "code that stores only the activations and mixes the two forms of sigmoid' (of z, and s(1 - s) of a)")
_entry("sigma_prime_is_sigma", "derivative", "04:27",
       "sigma in place of sigma': da(l)/dz(l) = sigma(z(l))",
       "da/dz is the derivative sigma'(z), not sigma(z) again",
       "hand-written activation tables with the forward function in the derivative's slot")
_entry("sigmoid_prime_formula_on_z", "derivative", "04:27",
       "sigmoid' as s(1 - s) evaluated on z: da/dz = z(1 - z) instead of sigmoid(z)(1 - sigmoid(z))",
       "sigmoid'(z) = s(1 - s) with s = sigmoid(z), not z(1 - z)",
       "the many tutorials whose sigmoid_derivative(x) = x * (1 - x) expects a, called on z",
       activations=("sigmoid",))
_entry("tanh_prime_formula_on_z", "derivative", "04:27",
       "tanh' as 1 - t^2 evaluated on z: da/dz = 1 - z^2 instead of 1 - tanh(z)^2",
       "tanh'(z) = 1 - tanh(z)^2: square tanh(z), not z",
       "tutorials whose tanh_derivative(x) = 1 - x**2 expects a, called on z", activations=("tanh",))
_entry("tanh_prime_without_square", "derivative", "04:27",
       "tanh' without the square: da/dz = 1 - tanh(z)",
       "tanh'(z) = 1 - tanh(z)^2", "hand-written derivative tables", activations=("tanh",))
_entry("relu_prime_at_zero_is_one", "derivative", "02:01, 04:27",
       "relu'(0) = 1: the derivative written as (z >= 0); shows only where z is exactly 0",
       "relu'(0) = 0 in torch and jax.nn.relu (and the reference): use z > 0, not z >= 0",
       "blog and course code with (Z >= 0) or np.where(z >= 0, 1, 0)", activations=("relu",))
_entry("relu_prime_at_zero_is_half", "derivative", "02:01, 04:27",
       "relu'(0) = 1/2: np.heaviside(z, 0.5); shows only where z is exactly 0",
       "relu'(0) = 0 as in torch.relu and jax.nn.relu: np.heaviside(z, 0) or (z > 0)",
       "code using np.heaviside(z, 0.5), and the slope of max(z, 0) at the tie in autodiff", activations=("relu",))
_entry("relu_prime_from_a_with_ge", "derivative", "04:27",
       "relu' written as (a >= 0) on the activation: always 1, since a = relu(z) >= 0",
       "relu'(z) = 1 where z > 0 and 0 elsewhere: test a > 0 (or z > 0), not a >= 0",
       "code that keeps only the activations, like Andrew Ng's relu_backward rewritten from A", activations=("relu",))
_entry("identity_prime_zero", "derivative", "04:27",
       "The identity's derivative taken as 0 (np.zeros_like where np.ones_like belongs)",
       "a linear layer a = z has da/dz = 1", "hand-written activation tables", activations=("identity",))
_entry("sigma_prime_twice_in_last_layer", "derivative", "04:27",
       "sigma' applied twice in the last layer: dC/dz(L) = dC/da(L) sigma'(z(L))^2",
       "multiply by da(L)/dz(L) = sigma'(z(L)) once: a cost_derivative that already includes it must not be "
       "multiplied again",
       "Nielsen-style code whose output error already holds sigma'(z(L)), multiplied by sigmoid_prime again")
_entry("sigma_prime_skipped_going_back", "derivative", "06:15",
       "Propagating dC/da(l) instead of dC/dz(l): dC/da(l-1) = w(l)^T dC/da(l), sigma' skipped",
       "dC/da(l-1) = w(l)^T dC/dz(l), through sigma'(z(l)); not w(l)^T dC/da(l)",
       "hand-written loops that keep two error variables (delta and error) and propagate the wrong one")
_entry("every_layer_sigmoid", "derivative", "02:01, 04:27",
       "Every layer treated as sigmoid, whatever activations says",
       "use activations[l-1]'s sigma and sigma' in layer l; or, if your backprop supports only sigmoid, run the "
       "kit with --activations=sigmoid",
       "Nielsen's network.py and most course code (sigmoid everywhere) run on other activations")
# ---------------------------------------------------------------- the bias
_entry("bias_gradient_from_one_example", "bias", "05:46, 05:58",
       "The bias gradient taken from one example: dC/db(l) = dC/dz(l) of example 0 only",
       "dC/db(l) = dC/dz(l) summed over all m examples (with the 1/m of the average)",
       "per-example code vectorised halfway (delta[0] kept)")
_entry("bias_gradient_averaged_again", "bias", "05:58",
       "The bias gradient averaged twice: dC/db(l) = mean of dC/dz(l) over the examples, a second 1/m",
       "dC/dz(l) already carries the 1/m of the average: sum it over the examples, don't average again",
       "Andrew Ng's db = 1/m sum(dZ) on top of a dC/da(L) that has its 1/m already")
_entry("bias_gradient_keepdims", "bias", "05:58",
       "The bias gradient kept 2-d: dC/db(l) = sum(dC/dz(l), axis=0, keepdims=True), shape (1, n_l)",
       "return dC/db(l) shaped like b(l), (n_l,): drop keepdims, or .reshape(b.shape)",
       "CS231n's db = np.sum(dscores, axis=0, keepdims=True) with (1, n) biases")
_entry("bias_gradient_over_wrong_axis", "bias", "05:58",
       "The bias gradient summed over the neurons instead of the examples: sum(dC/dz(l), axis=1)",
       "sum over the examples (the rows here, axis=0), keep one entry per neuron j",
       "Andrew Ng's column layout (np.sum(dZ, axis=1)) ported to examples-as-rows")
_entry("bias_gradient_before_sigma_prime", "bias", "05:46, 05:58",
       "The bias gradient taken before sigma': dC/db(l) = sum of dC/da(l), dC/dw(l) right",
       "dC/db(l) = dC/dz(l) * dz/db = dC/da(l) sigma'(z(l)) * 1: the same dC/dz(l) as dC/dw(l)",
       "code that computes the bias gradient from the incoming error before multiplying by sigma'")
_entry("bias_gradient_left_at_zero", "bias", "05:58",
       "The bias gradient never computed: dC/db(l) stays 0",
       "dC/db(l) = dC/dz(l) summed over the examples (05:58)",
       "nabla_b = [np.zeros(b.shape) ...] initialised and never filled")
_entry("bias_gradient_without_1_over_m", "bias", "01:32, 05:58",
       "The bias gradient summed without the 1/m: m times the video's dC/db(l), dC/dw(l) right",
       "C averages the examples' costs: dC/db(l) has the same 1/m as dC/dw(l)",
       "Andrew Ng's db = np.sum(dZ, ...) with its 1/m forgotten while dW keeps it")
_entry("forgot_bias_in_forward", "bias", "02:01",
       "Forgetting the bias in the forward pass: z(l) = w(l) a(l-1)",
       "z(l) = w(l) a(l-1) + b(l): the forward pass needs the bias",
       "from-scratch tutorials that start without biases and add only their gradients")
# ---------------------------------------------------------------- layer bookkeeping
_entry("transposed_weight_gradient", "layers", "07:33",
       "Transposed weight gradient: dC/dw(l) = a(l-1)^T dC/dz(l), shape (n_(l-1), n_l)",
       "dC/dw(l) is shaped like w(l), (n_l, n_(l-1)), row j and column k: dC/dz(l)^T a(l-1)",
       "CS231n's dW = X.T @ dscores for (in, out) weights, as in flax/keras kernels")
_entry("activation_off_by_one_layer", "layers", "04:37",
       "Off by one layer: dC/dw(l) uses a(l) where a(l-1) belongs",
       "dz(l)/dw(l) = a(l-1), the activation of the layer before, not a(l)",
       "activations[-l] against activations[-l-1] in Nielsen-style negative indexing")
_entry("weight_gradient_uses_z", "layers", "04:37",
       "The weight gradient from the pre-activation: dC/dw(l) = dC/dz(l)^T z(l-1) instead of a(l-1)",
       "dz(l)/dw(l) = a(l-1) = sigma(z(l-1)), the activation, not z(l-1)",
       "code whose forward cache keeps z where a belongs")
_entry("no_sum_over_paths", "layers", "08:32",
       "No sum over paths into a(l-1): dC/da(l-1)_k keeps only the path through neuron j = 0",
       "a(l-1)_k reaches the cost through every neuron j of layer l: dC/da(l-1)_k = sum_j w_jk dC/dz(l)_j",
       "one-neuron-per-layer derivations (the video's first half, 00:43) coded for wider layers")
_entry("first_layer_skipped", "layers", "09:03",
       "The backward loop stops one layer early: dC/dw(1), dC/db(1) stay 0",
       "repeat the step backwards down to layer 1 (09:03): for l = L, ..., 1",
       "range(2, num_layers) loops ported from Nielsen's network.py, where num_layers counts the input layer")
_entry("only_two_layers", "layers", "09:03",
       "Written for one hidden layer: only the last two layers get gradients, earlier ones stay 0",
       "loop over every layer l = L, ..., 1 (09:03), not a fixed two",
       "two-layer networks of CS231n's assignment and Andrew Ng's planar-data notebook, run deeper")
_entry("gradients_listed_last_layer_first", "layers", "09:03",
       "The gradients returned last layer first: dC_dw[0] is dC/dw(L)",
       "return dC_dw[l-1] = dC/dw(l) in the order of weights: reverse the lists built while going backwards",
       "backward loops that append as they go and forget to reverse")
_entry("missing_last_activation", "layers", "02:01",
       "Missing the last layer's activation in the forward pass: a(L) = z(L) (sigma' still applied)",
       "a(L) = sigma(z(L)) in the last layer too",
       "code that returns z(L) as the network's output (logits) but keeps sigma'(z(L)) in the backward pass")
_entry("in_place_weight_update", "layers", "06:15, 09:23",
       "Updating weights during the backward pass: w(l) -= eta dC/dw(l) before dC/da(l-1) uses w(l)",
       "compute every gradient with the weights as given; step downhill only afterwards",
       "fused backward-and-update loops (online SGD code)")
_entry("weight_gradient_averaged_again", "layers", "01:32, 04:37",
       "The weight gradient averaged twice: dC/dw(l) = dC/dz(l)^T a(l-1) / m, dC/db(l) right",
       "dC/dz(l) already carries the 1/m of the average: dC/dw(l) only sums over the examples",
       "Andrew Ng's dW = 1/m dZ A^T on top of a dC/da(L) that has its 1/m already")
# ---------------------------------------------------------------- numerics
_entry("float32_leak", "numerics", "09:23",
       "Computed in float32, returned as float64: every gradient rounded to float32's precision",
       "compute in float64 throughout (np.float32, dtype='float32' and torch's default dtype leak in), or return "
       "float32 arrays so that the kit uses its float32 tolerance",
       "torch code with the default float32 dtype converted with .numpy().astype(float); JAX without jax_enable_x64",
       rows=("float64",))
_entry("sigmoid_prime_from_exponentials", "numerics", "04:27",
       "sigmoid' as e^-z / (1 + e^-z)^2: inf / inf = NaN for z below about -709 (float32: -88.7)",
       "sigmoid'(z) = s(1 - s) with a stable s = sigmoid(z) (scipy.special.expit, or exp(-logaddexp(0, -z)))",
       "derivative tables copied from the calculus: d/dz (1 + e^-z)^-1", activations=("sigmoid",))
_entry("tanh_from_exponentials", "numerics", "02:01",
       "tanh as (e^z - e^-z) / (e^z + e^-z): inf / inf = NaN for |z| above about 710 (float32: 89)",
       "use np.tanh (or 2 sigmoid(2z) - 1 with a stable sigmoid)",
       "from-scratch tutorials that write every activation from its definition", activations=("tanh",))
_entry("sigmoid_from_exp_over_one_plus_exp", "numerics", "02:01",
       "sigmoid as e^z / (1 + e^z): inf / inf = NaN for z above about 709 (float32: 88.7)",
       "a stable sigmoid: scipy.special.expit, or exp(-logaddexp(0, -z)), or 1 / (1 + exp(-z)) for z >= 0 and "
       "e^z / (1 + e^z) for z < 0",
       "the 'softmax-like' form of the logistic function in blog code", activations=("sigmoid",))

assert sorted(CATALOG) == sorted(mutants.SWITCHES), set(CATALOG) ^ set(mutants.SWITCHES)
