"""The one mutant engine: a correct backprop in the video's notation with one switch per known mistake.

:func:`trace` is a plain, vectorised backprop in the reference's layout (examples as
rows, ``weights[l-1]`` = w(l) of shape (n_l, n_(l-1))).  Every place where backprop
code found in textbooks, courses and libraries differs from the video is an
``mistake == "..."`` switch in it; with ``mistake=None`` it is the reference.  The
catalogue (:mod:`conformance.core.mistakes`), the kit's diagnosis and the suite's
meta-test (tests/test_conformance_meta.py) all run *this* engine, so a mistake
means the same thing everywhere.

``dtype=np.float32`` runs the same code in float32 and returns float32 arrays (what a
float32 implementation with that mistake returns).

>>> import numpy as np
>>> args = ([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
>>> [float(backprop(*args, mistake=k)[0][0][0, 0]) for k in (None, "half_cost_convention", "sum_over_examples")]
[-1.0, -0.5, -1.0]
>>> sorted(SWITCHES) == sorted(set(SWITCHES))
True
"""

from __future__ import annotations

import numpy as np

import reference

ETA = 0.5  # the step size of in_place_weight_update

# Every switch of trace(), by the place it breaks (the catalogue describes each one)
SWITCHES = (
    # the cost and its derivative dC/da(L)
    "half_cost_convention", "half_sum_cost", "sum_over_examples", "mean_over_outputs_too", "sign_of_a_minus_y",
    "divided_by_m_twice", "cross_entropy_delta", "cost_instead_of_its_derivative",
    # sigma and sigma'
    "sigma_prime_missing_in_last_layer", "sigma_prime_missing_in_hidden_layers", "sigma_prime_of_a",
    "sigma_prime_is_sigma", "sigmoid_prime_formula_on_z", "tanh_prime_formula_on_z", "tanh_prime_without_square",
    "relu_prime_at_zero_is_one", "relu_prime_at_zero_is_half", "relu_prime_from_a_with_ge", "identity_prime_zero",
    "sigma_prime_twice_in_last_layer", "sigma_prime_skipped_going_back", "every_layer_sigmoid",
    # the bias
    "bias_gradient_from_one_example", "bias_gradient_averaged_again", "bias_gradient_keepdims",
    "bias_gradient_over_wrong_axis", "bias_gradient_before_sigma_prime", "bias_gradient_left_at_zero",
    "bias_gradient_without_1_over_m", "forgot_bias_in_forward",
    # layer bookkeeping
    "transposed_weight_gradient", "activation_off_by_one_layer", "weight_gradient_uses_z", "no_sum_over_paths",
    "first_layer_skipped", "only_two_layers", "gradients_listed_last_layer_first", "missing_last_activation",
    "in_place_weight_update", "weight_gradient_averaged_again",
    # numerics
    "float32_leak", "sigmoid_prime_from_exponentials", "tanh_from_exponentials", "sigmoid_from_exp_over_one_plus_exp",
)


def sigma(name, z, mistake=None):
    """sigma(z), overflow-free (the sigmoid from e^-|z|), or the unstable form a switch asks for."""
    if name == "sigmoid":
        if mistake == "sigmoid_from_exp_over_one_plus_exp":
            return np.exp(z) / (1 + np.exp(z))  # inf / inf = NaN for z > 709 (float32: 88.7)
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1, e) / (1 + e)
    if name == "tanh":
        if mistake == "tanh_from_exponentials":
            return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))  # inf / inf for |z| > 710
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    return z + 0


def sigma_prime(name, z):
    """sigma'(z), exact where sigmoid and tanh saturate; relu'(0) = 0."""
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return e / (1 + e) ** 2
    if name == "tanh":
        e = np.exp(-np.abs(z)) ** 2
        return 4 * e / (1 + e) ** 2
    if name == "relu":
        return (z > 0).astype(z.dtype)
    return np.ones_like(z)


def _slope(name, z, a, l, L, mistake):
    """da(l)/dz(l) [04:27], or what the switch puts there instead."""
    if mistake == "sigma_prime_of_a":
        return sigma_prime(name, a)
    if mistake == "sigma_prime_is_sigma":
        return sigma(name, z)
    if mistake == "sigmoid_prime_formula_on_z" and name == "sigmoid":
        return z * (1 - z)
    if mistake == "tanh_prime_formula_on_z" and name == "tanh":
        return 1 - z ** 2
    if mistake == "tanh_prime_without_square" and name == "tanh":
        return 1 - np.tanh(z)
    if mistake == "relu_prime_at_zero_is_one" and name == "relu":
        return (z >= 0).astype(z.dtype)
    if mistake == "relu_prime_at_zero_is_half" and name == "relu":
        return np.heaviside(z, 0.5).astype(z.dtype)
    if mistake == "relu_prime_from_a_with_ge" and name == "relu":
        return (a >= 0).astype(z.dtype)  # a = relu(z) >= 0 always: every slope 1
    if mistake == "identity_prime_zero" and name == "identity":
        return np.zeros_like(z)
    if mistake == "sigmoid_prime_from_exponentials" and name == "sigmoid":
        return np.exp(-z) / (1 + np.exp(-z)) ** 2  # inf / inf = NaN for z < -709 (float32: -88.7)
    if (mistake == "sigma_prime_missing_in_last_layer" and l == L) or (
            mistake == "sigma_prime_missing_in_hidden_layers" and l < L):
        return np.ones_like(z)
    d = sigma_prime(name, z)
    if mistake == "sigma_prime_twice_in_last_layer" and l == L:
        return d * d
    return d


def trace(weights, biases, activations, x, y, mistake=None, dtype=np.float64) -> reference.Trace:
    """Every tensor of backprop (``reference.Trace``) with the one mistake `mistake` (None: correct)."""
    if mistake is not None and mistake not in SWITCHES:
        raise KeyError(f"no switch {mistake!r} in the mutant engine")
    out_dtype = np.dtype(dtype)
    work = np.float32 if mistake == "float32_leak" else out_dtype
    ws = [np.array(w, dtype=work) for w in weights]  # copies: in_place_weight_update writes into them
    bs = [np.array(b, dtype=work) for b in biases]
    x, y = np.array(x, dtype=work), np.array(y, dtype=work)
    names = list(activations)
    m, L = x.shape[0], len(ws)
    if mistake == "every_layer_sigmoid":
        names = ["sigmoid"] * L
    with np.errstate(all="ignore"):
        # Forward: z(l) = w(l) a(l-1) + b(l), a(l) = sigma(z(l))  [02:01]
        z, a = [], [x]
        for l in range(1, L + 1):
            w, b = ws[l - 1], bs[l - 1]
            z.append(a[-1] @ w.T if mistake == "forgot_bias_in_forward" else a[-1] @ w.T + b)
            a.append(z[-1] + 0 if mistake == "missing_last_activation" and l == L else sigma(names[l - 1], z[-1],
                                                                                            mistake))
        cost = float(np.mean(np.sum((a[L] - y) ** 2, axis=1)))
        # dC/da(L): C0 = sum_j (a(L)_j - y_j)^2 [01:32, 07:15], so dC0/da(L) = 2(a(L) - y) [04:07]; C averages C0
        n_L, diff = a[L].shape[1], a[L] - y
        dC_da = {
            "half_cost_convention": lambda: diff / m,
            "half_sum_cost": lambda: diff + 0,
            "sum_over_examples": lambda: 2 * diff,
            "mean_over_outputs_too": lambda: 2 * diff / (m * n_L),
            "sign_of_a_minus_y": lambda: 2 * (y - a[L]) / m,
            "divided_by_m_twice": lambda: 2 * diff / (m * m),
            "cost_instead_of_its_derivative": lambda: diff ** 2 / m,
        }.get(mistake, lambda: 2 * diff / m)()
        das = [None] * (L + 1)
        das[L] = dC_da
        dzs, dws, dbs = [None] * L, [None] * L, [None] * L
        for l in range(L, 0, -1):
            i = l - 1
            dz = dC_da * _slope(names[i], z[i], a[l], l, L, mistake)
            if mistake == "cross_entropy_delta" and l == L:
                dz = diff / m  # the cross-entropy cost's delta: sigma'(z(L)) cancels against it
            dzs[i] = dz
            prev = z[i - 1] if mistake == "weight_gradient_uses_z" and i > 0 else a[i]
            # dC/dw(l)_jk = dC/dz(l)_j a(l-1)_k, summed over the examples [04:37, 08:15]
            if mistake == "transposed_weight_gradient":
                dw = prev.T @ dz
            elif mistake == "activation_off_by_one_layer":
                dw = dz.T @ a[l]
            else:
                dw = dz.T @ prev
            if mistake == "weight_gradient_averaged_again":
                dw = dw / m
            # dC/db(l) = dC/dz(l) * 1 [05:58], summed over the examples
            if mistake == "bias_gradient_from_one_example":
                db = dz[0].copy()
            elif mistake == "bias_gradient_averaged_again":
                db = dz.mean(axis=0)
            elif mistake == "bias_gradient_keepdims":
                db = dz.sum(axis=0, keepdims=True)
            elif mistake == "bias_gradient_over_wrong_axis":
                db = dz.sum(axis=1)
            elif mistake == "bias_gradient_before_sigma_prime":
                db = dC_da.sum(axis=0)
            elif mistake == "bias_gradient_left_at_zero":
                db = np.zeros(dz.shape[1], dtype=dz.dtype)
            elif mistake == "bias_gradient_without_1_over_m":
                db = dz.sum(axis=0) * m
            else:
                db = dz.sum(axis=0)
            if (mistake == "first_layer_skipped" and l == 1) or (mistake == "only_two_layers" and l < L - 1):
                dw, db = np.zeros_like(ws[i]), np.zeros_like(bs[i])  # the loop never reached this layer
            dws[i], dbs[i] = dw, db
            if mistake == "in_place_weight_update":
                ws[i] -= ETA * dw  # a step downhill [09:23], taken too early
            # dC/da(l-1)_k = sum_j w(l)_jk dC/dz(l)_j: the sum over paths [06:15, 08:32]
            if mistake == "no_sum_over_paths":
                dC_da = dz[:, :1] @ ws[i][:1, :]
            elif mistake == "sigma_prime_skipped_going_back":
                dC_da = dC_da @ ws[i]
            else:
                dC_da = dz @ ws[i]
            das[i] = dC_da
    if mistake == "gradients_listed_last_layer_first":
        dws, dbs = dws[::-1], dbs[::-1]

    def cast(ts):
        return [np.asarray(t).astype(out_dtype) for t in ts]
    return reference.Trace(z=cast(z), a=cast(a), dC_dz=cast(dzs), dC_da=cast(das), dC_dw=cast(dws),
                           dC_db=cast(dbs), C=cost)


def backprop(weights, biases, activations, x, y, mistake=None, dtype=np.float64):
    """(dC_dw, dC_db) of :func:`trace`: what a backprop with that one mistake returns."""
    t = trace(weights, biases, activations, x, y, mistake, dtype)
    return t.dC_dw, t.dC_db
