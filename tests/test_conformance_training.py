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

A draw whose ten steps diverge (:func:`stable`) is not discarded: its first step is
checked like any other (eta is scaled so that it moves no parameter by more than eta,
and its gradients are finite: the forward/backward property checks them on every draw);
only steps 2..10 are left out, and ``--hypothesis-show-statistics`` counts how often.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import event, example, given

import reference
from conformance.core.strategies import LIMITS, Case, cases, learning_rates
from conformance.core.tolerances import mode_name, tolerance
from conformance.suite import oracles, report
from conformance.suite.assertions import ConformanceError, assert_step_agrees

IMPLS = [pytest.param(n, marks=pytest.mark.conformance(n), id=n) for n in oracles.IMPLEMENTATIONS]
STEPS = 10


def effective_eta(case, eta) -> float:
    """eta / max(1, largest |gradient| at the start), rounded to float32 so both dtypes use it exactly."""
    dC_dw, dC_db = reference.backprop(*case.args())
    g = max(float(np.max(np.abs(a))) for a in dC_dw + dC_db)
    return float(np.float32(eta / max(1.0, g)))


def stable(case, lr) -> bool:
    """Whether plain gradient descent stays tame for 10 steps: C never above twice its start.

    eta is scaled by the first gradient, but the curvature can still make 10 steps
    diverge (an identity network with x = -60 reaches 1e38 and overflows float32):
    that is the dynamics, not the frameworks, so on such draws only the first step is checked.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging draw may overflow: that is the answer
        try:
            costs = reference.train(*case.args(), eta=lr, epochs=STEPS)[2]
        except reference.ReferenceValueError:  # an inf or NaN reached the next step
            return False
    return bool(np.all(np.isfinite(costs)) and max(costs) <= 2 * costs[0] + 1e-12)


# Tame in float32 (the 1e-199 weight rounds to 0, relu'(0) = 0 stops every gradient) and diverging in float64
DIVERGES_IN_FLOAT64_ONLY = Case(
    [np.array([[0.0, -60.0, 0.0, 0.0]]), np.array([[0.0], [0.0], [0.0], [4.34751322e-199]]),
     np.array([[0.0, 0.0, 0.0, 1.0]])],
    [np.zeros(1), np.zeros(4), np.zeros(1)], ["identity", "identity", "relu"],
    np.array([[0.0, -1.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]]), np.array([[1.0], [1.0]]))


@pytest.mark.parametrize("impl", IMPLS)
@given(case=cases(**LIMITS), eta=learning_rates())
@example(case=DIVERGES_IN_FLOAT64_ONLY, eta=0.1)
def test_gradient_descent_agrees(impl, case, eta):
    for dtype in ("float64", "float32"):
        c = case.rounded(dtype)
        lr = effective_eta(c, eta)
        # tame or not per dtype: rounding to float32 can flush a tiny weight (1e-199 -> 0) that, in float64,
        # lets a relu pass a gradient and the descent diverge (found by a Hypothesis draw)
        tame = stable(c, lr)
        event(f"{dtype} trajectory: 10 steps checked" if tame else
              f"{dtype} trajectory diverges: step 1 checked, steps 2-10 left out")
        tol, mode = tolerance(dtype, tf32=oracles.SETTINGS.tf32), mode_name(dtype, tf32=oracles.SETTINGS.tf32)
        steps = STEPS if tame else 1  # a diverging draw: no framework is asked for the steps left out
        states = oracles.trajectory(impl, c, lr, steps, dtype)
        worst = []
        for t in range(steps):
            here = c.with_params(*states[t])
            prop = "sgd_one_step" if t == 0 else "sgd_trajectory_10"
            try:
                worst.append(assert_step_agrees(here, lr, dtype, tol, mode, impl, states[t + 1], t))
            except ConformanceError:
                report.record(prop, f"{impl} {mode}", examples=1, status="failed")
                raise
            if t == 0:
                report.record("sgd_one_step", f"{impl} {mode}", examples=1, worst=worst[0])
        if tame:
            report.record("sgd_trajectory_10", f"{impl} {mode}", examples=1, worst=max(worst))
