"""A framework from outside the suite, plugged in with --framework, runs every property; broken ones fail.

:class:`Tiny` is a framework as an author would write it: its own reverse-mode autodiff in a few
lines of numpy (a tape of operations, each with its vector-Jacobian products; nothing from
``reference``), wrapped in a :class:`conformance.core.frameworks.Framework` subclass that
defines ``trace`` and ``round_trips`` and inherits the plain gradient-descent ``step``.  The test
runs the suite's three property files on it through ``--framework=tests.test_conformance_external:Tiny``
(no file of the suite edited), then on deliberately broken variants, each of which must fail
exactly the properties its bug touches:

=================  ==========================================  ==========================================
variant            bug                                         fails
=================  ==========================================  ==========================================
``TinyNoTwo``      d/da of (a - y)^2 taken as (a - y): no 2    forward_backward, sgd_one_step
``TinyMomentum``   its SGD carries a velocity (momentum 0.9)   sgd_trajectory_10 (step 1 equals plain SGD)
``TinyLossy``      its parameters are stored as float32        round_trip (float64 loses bits)
=================  ==========================================  ==========================================
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conformance.core import frameworks
from conformance.core.frameworks import Framework

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- a tiny reverse-mode autodiff: values on a tape, each with its parents' vector-Jacobian products ----
class Var:
    def __init__(self, value, tape=None, parents=()):
        self.value, self.grad = value, np.zeros_like(value)
        if tape is not None:
            tape.append((self, parents))


def backward(tape, out):
    out.grad = np.ones_like(out.value)
    for v, parents in reversed(tape):  # reverse order of creation: every consumer is done before its input
        for p, vjp in parents:
            p.grad = p.grad + vjp(v.grad)


def linear(t, a, w, b):  # z = a w^T + b, one example per row
    return Var(a.value @ w.value.T + b.value, t,
               [(a, lambda g: g @ w.value), (w, lambda g: g.T @ a.value), (b, lambda g: g.sum(axis=0))])


def activation(t, z, name):
    if name == "sigmoid":
        s = np.exp(-np.logaddexp(0, -z.value))  # no overflow for any z
        return Var(s, t, [(z, lambda g: g * s * (1 - s))])
    if name == "tanh":
        h = np.tanh(z.value)
        return Var(h, t, [(z, lambda g: g * (1 - h * h))])
    if name == "relu":
        on = (z.value > 0).astype(z.value.dtype)
        return Var(z.value * on, t, [(z, lambda g: g * on)])
    return Var(z.value, t, [(z, lambda g: g)])


def cost(t, a, y, two=2):  # C = (1/m) sum_i sum_j (a_ij - y_ij)^2
    m, d = a.value.shape[0], a.value - y
    return Var(np.sum(d * d) / m, t, [(a, lambda g: g * two * d / m)])


class Tiny(Framework):
    name = "tiny"
    two = 2

    def trace(self, case, dtype, *, device="cpu", tf32=False):
        dt, tape = np.dtype(dtype), []
        ws = [Var(np.asarray(w, dt)) for w in case.weights]
        bs = [Var(np.asarray(b, dt)) for b in case.biases]
        zs, as_ = [], [Var(np.asarray(case.x, dt))]
        for w, b, name in zip(ws, bs, case.activations):
            zs.append(linear(tape, as_[-1], w, b))
            as_.append(activation(tape, zs[-1], name))
        C = cost(tape, as_[-1], np.asarray(case.y, dt), self.two)
        backward(tape, C)
        return dict(z=[v.value for v in zs], a=[v.value for v in as_], dC_dz=[v.grad for v in zs],
                    dC_da=[v.grad for v in as_], dC_dw=[v.grad for v in ws], dC_db=[v.grad for v in bs], C=C.value)

    def round_trips(self, weights, biases, activations, dtype, *, device="cpu"):
        params = [Var(np.array(p, dtype=self.store(dtype))) for p in list(weights) + list(biases)]
        back = [np.array(v.value, dtype=dtype) for v in params]
        return {"to_vars/from_vars": (back[:len(weights)], back[len(weights):])}

    def store(self, dtype):
        return dtype


class TinyNoTwo(Tiny):
    name, two = "tiny-no-2", 1


class TinyMomentum(Tiny):
    name = "tiny-momentum"

    def trajectory(self, case, eta, steps, dtype, *, device="cpu", tf32=False):
        dt = np.dtype(dtype)
        params = [np.asarray(p, dt) for p in case.weights + case.biases]
        velocity = [np.zeros_like(p) for p in params]
        L, states = len(case.weights), [(params[:len(case.weights)], params[len(case.weights):])]
        for _ in range(steps):
            t = self.trace(case.with_params(params[:L], params[L:]), dtype)
            velocity = [np.asarray(0.9, dt) * v + g for v, g in zip(velocity, t["dC_dw"] + t["dC_db"])]
            params = [p - np.asarray(eta, dt) * v for p, v in zip(params, velocity)]
            states.append((params[:L], params[L:]))
        return states


class TinyLossy(Tiny):
    name = "tiny-lossy"

    def store(self, dtype):
        return np.float32


SPEC = "tests.test_conformance_external:"
PROPERTY_FILES = ["tests/test_conformance_trace.py", "tests/test_conformance_training.py",
                  "tests/test_conformance_roundtrip.py"]
EXPECTED_FAILURES = {
    "tiny": set(),
    "tiny-no-2": {"forward_backward", "sgd_one_step"},
    "tiny-momentum": {"sgd_trajectory_10"},
    "tiny-lossy": {"round_trip"},
}


def test_tiny_engine_agrees_with_itself_in_process():
    """The class works as the registry uses it (quick, before the subprocess)."""
    from conformance.core.strategies import Case
    from conformance.core.tolerances import tolerance
    from conformance.suite import oracles
    from conformance.suite.assertions import assert_trace_agrees

    rng = np.random.default_rng(0)
    case = Case([rng.normal(size=(3, 2)), rng.normal(size=(1, 3))], [rng.normal(size=3), rng.normal(size=1)],
                ["relu", "sigmoid"], rng.normal(size=(4, 2)), rng.normal(size=(4, 1)))
    fw = frameworks.load(SPEC + "Tiny")
    assert fw.name == "tiny" and fw.spec == SPEC + "Tiny" and fw.availability()[0]
    frameworks._ACTIVE["tiny"] = fw  # what --framework does, for this one lookup
    try:
        theirs = oracles.trace("tiny", case, "float64")
        assert_trace_agrees(case, "float64", tolerance("float64"), "float64", "tiny", theirs)
    finally:
        del frameworks._ACTIVE["tiny"]


def test_specs_from_the_option_and_the_environment(monkeypatch):
    monkeypatch.setenv(frameworks.ENV, "torch, " + SPEC + "Tiny")
    assert frameworks.parse([]) == ["torch", SPEC + "Tiny"]
    assert frameworks.parse(["jax,autograd", "torch"]) == ["jax", "autograd", "torch"]  # the option wins
    for bad, says in (("nosuch", "expected one of torch, jax, autograd or MODULE:CLASS"),
                      ("tests.nosuch:X", "cannot import it"), ("numpy:ndarray", "not a conformance.core.frameworks")):
        with pytest.raises(frameworks.FrameworkSpecError, match=says):
            frameworks.load(bad)


def test_external_framework_runs_every_property_and_broken_ones_fail(tmp_path):
    """The acceptance: --framework plugs each class into the three property files; the report names them."""
    path = tmp_path / "report.json"
    specs = ",".join(SPEC + c for c in ("Tiny", "TinyNoTwo", "TinyMomentum", "TinyLossy"))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--hypothesis-profile=smoke", f"--framework={specs}", f"--conformance-report={path}", *PROPERTY_FILES],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out  # the broken ones fail
    assert "conformance frameworks checked: tiny, tiny-no-2, tiny-momentum, tiny-lossy" in out, out
    data = json.loads(path.read_text())
    status = {}
    for row in data["results"]:
        name, _, mode = row["implementation"].partition(" ")
        status.setdefault(name, {}).setdefault(row["property"], set()).add(row["status"])
    assert set(status) == set(EXPECTED_FAILURES), status
    for name, should_fail in EXPECTED_FAILURES.items():
        props = status[name]
        assert set(props) >= {"forward_backward", "sgd_one_step", "round_trip"}, (name, props)
        failed = {p for p, s in props.items() if "failed" in s}
        assert failed == should_fail, (name, props)
        assert all(s == {"passed"} for p, s in props.items() if p not in should_fail), (name, props)
    assert "sgd_trajectory_10" in status["tiny"] and "sgd_trajectory_10" in status["tiny-momentum"], status
    # the failure messages and their reproductions name the framework like torch and jax
    assert "vs reference (float64)" in out and "tiny-no-2" in out, out
    assert f"frameworks.load('{SPEC}TinyNoTwo')" in out, out
    assert "test_forward_and_backward_agree[tiny-no-2]" in out and "test_round_trips_are_exact[tiny-lossy]" in out
