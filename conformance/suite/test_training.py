"""Conformance of gradient descent: one step and a 10-step trajectory, by every framework's own optimizer.

The frameworks train on their own, as their registry entry says (``Framework.trajectory``;
torch: ``torch.optim.SGD`` on the network's ``nn.Sequential``; jax: a plain jitted
``w - eta * jax.grad(C)(w)`` scanned over the steps, ``jax_adapter.sgd_trajectory``;
autograd: ``autograd_adapter.sgd_step`` in a loop; a framework from ``--framework``: its
``step`` or ``trajectory``, by default ``w - eta * dC/dw`` from its trace).
Every step of their trajectory is then checked against ``reference.step``
taken *from the framework's own state*: rounding differences between two correct
implementations are amplified along a trajectory by the dynamics (unboundedly, where
they are chaotic), so comparing step 10 with step 10 would need a tolerance that says
nothing; checking each step from where the framework stands is exact mathematics, and
catches any departure of the update rule at any step (momentum, weight decay, a state
carried between steps, a wrong eta).

eta is handed over in the row's dtype (:mod:`conformance.suite.descent`): a float64 row gets a
float64 eta, so a framework that keeps its learning rate in float32 fails ``sgd_one_step`` float64.
A draw whose ten steps diverge (:func:`~conformance.suite.descent.stable`) is not discarded: its first step is
checked like any other (eta is scaled so that it moves no parameter by more than eta,
and its gradients are finite: the forward/backward property checks them on every draw);
only steps 2..10 are left out, and ``--hypothesis-show-statistics`` counts how often.
"""

from __future__ import annotations

import numpy as np
from hypothesis import event, example, given

from conformance.core.strategies import LIMITS, Case, cases, learning_rates
from conformance.core.tolerances import mode_name, tolerance
from conformance.suite import oracles, report
from conformance.suite.assertions import assert_step_agrees
from conformance.suite.descent import STEPS, effective_eta, stable
from conformance.suite.parametrize import implementations

# Tame in float32 (the 1e-199 weight rounds to 0, relu'(0) = 0 stops every gradient) and diverging in float64
DIVERGES_IN_FLOAT64_ONLY = Case(
    [np.array([[0.0, -60.0, 0.0, 0.0]]), np.array([[0.0], [0.0], [0.0], [4.34751322e-199]]),
     np.array([[0.0, 0.0, 0.0, 1.0]])],
    [np.zeros(1), np.zeros(4), np.zeros(1)], ["identity", "identity", "relu"],
    np.array([[0.0, -1.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]]), np.array([[1.0], [1.0]]))


@implementations("sgd_one_step", "sgd_trajectory_10")
@given(case=cases(**LIMITS), eta=learning_rates())
@example(case=DIVERGES_IN_FLOAT64_ONLY, eta=0.1)
def test_gradient_descent_agrees(impl, case, eta):
    for dtype in ("float64", "float32"):
        c = case.rounded(dtype)
        lr = effective_eta(c, eta, dtype)
        # tame or not per dtype: rounding to float32 can flush a tiny weight (1e-199 -> 0) that, in float64,
        # lets a relu pass a gradient and the descent diverge (found by a Hypothesis draw)
        tame = stable(c, lr)
        event(f"{dtype} trajectory: 10 steps checked" if tame else
              f"{dtype} trajectory diverges: step 1 checked, steps 2-10 left out")
        tol, mode = tolerance(dtype, tf32=oracles.SETTINGS.tf32), mode_name(dtype, tf32=oracles.SETTINGS.tf32)
        steps = STEPS if tame else 1  # a diverging draw: no framework is asked for the steps left out
        with report.checking("sgd_one_step", f"{impl} {mode}") as first:  # the framework raising fails step 1
            states = oracles.trajectory(impl, c, lr, steps, dtype)
            first["worst"] = assert_step_agrees(c, lr, dtype, tol, mode, impl, states[1], 0)
        if not tame:
            continue
        with report.checking("sgd_trajectory_10", f"{impl} {mode}") as rest:
            rest["worst"] = max(assert_step_agrees(c.with_params(*states[t]), lr, dtype, tol, mode, impl,
                                                   states[t + 1], t) for t in range(1, steps))
