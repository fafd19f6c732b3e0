"""A framework from outside the suite, plugged in with --framework, runs every property; broken ones fail.

:class:`Tiny` is a framework as an author would write it: its own reverse-mode autodiff in a few
lines of numpy (a tape of operations, each with its vector-Jacobian products; nothing from
``reference``), wrapped in a :class:`conformance.core.frameworks.Framework` subclass that
defines ``trace`` and ``round_trips`` and inherits the plain gradient-descent ``step``.  The test
runs the suite's properties on it through ``pytest --pyargs conformance.suite
--framework=tests.test_conformance_external:Tiny`` (no file of the suite edited), then on
deliberately broken variants, each of which must fail exactly the properties its bug touches:

=================  ==========================================  ==========================================
variant            bug                                         fails
=================  ==========================================  ==========================================
``TinyNoTwo``      d/da of (a - y)^2 taken as (a - y): no 2    forward_backward, sgd_one_step
``TinyMomentum``   its SGD carries a velocity (momentum 0.9)   sgd_trajectory_10 (step 1 equals plain SGD)
``TinyLossy``      its parameters are stored as float32        round_trip (float64 loses bits)
``TinyLr32``       keeps the learning rate in float32          sgd_one_step, in float64 only
``TinyRaises``     raises on a batch of 3 or more              forward_backward, sgd_one_step (the report
                                                               says failed, with the exception)
``TinyWarns``      overflows in a harmless exp (a warning)     nothing: the warning is reported
=================  ==========================================  ==========================================

In process: :func:`conformance.core.frameworks.as_trace` and the reproduction take every shape of
``trace`` result the docs allow (a dict, a :class:`reference.Trace`, an object with tuples), and a
framework's warnings are counted, or raised under ``--framework-warnings=error``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest

import reference
from conformance.core import frameworks
from conformance.core.frameworks import Framework
from conformance.core.tolerances import tolerance

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


class TinyLr32(Tiny):
    """Keeps eta in float32 whatever the parameters' dtype, as Keras and tinygrad do (w - float32(eta) dC/dw)."""

    name = "tiny-lr32"

    def step(self, case, eta, dtype, *, device="cpu", tf32=False):
        t, dt = self.trace(case, dtype), np.dtype(dtype)
        lr = np.float32(eta)
        return ([(np.asarray(w, dt) - (lr * np.asarray(g, dt)).astype(dt)) for w, g in zip(case.weights, t["dC_dw"])],
                [(np.asarray(b, dt) - (lr * np.asarray(g, dt)).astype(dt)) for b, g in zip(case.biases, t["dC_db"])])


class TinyRaises(Tiny):
    name = "tiny-raises"

    def trace(self, case, dtype, *, device="cpu", tf32=False):
        if case.x.shape[0] >= 3:
            raise ValueError(f"tiny-raises takes at most 2 examples, got {case.x.shape[0]}")
        return super().trace(case, dtype)


class TinyWarns(Tiny):
    """Right, but computes a throwaway exp that overflows: numpy warns (RuntimeWarning), nothing is wrong."""

    name = "tiny-warns"

    def trace(self, case, dtype, *, device="cpu", tf32=False):
        np.exp(np.float64(1000.0))  # overflow encountered in exp
        return super().trace(case, dtype)


class TinyNamespace(TinyNoTwo):
    """The trace as an object with attributes, per-layer fields as tuples (broken: no 2, to get a reproduction)."""

    name = "tiny-namespace"

    def trace(self, case, dtype, *, device="cpu", tf32=False):
        fields = super().trace(case, dtype)
        return types.SimpleNamespace(**{k: (v if k == "C" else tuple(v)) for k, v in fields.items()})


class TinyTrace(TinyNoTwo):
    """The trace as a reference.Trace (broken: no 2)."""

    name = "tiny-trace"

    def trace(self, case, dtype, *, device="cpu", tf32=False):
        return reference.Trace(**super().trace(case, dtype))


SPEC = "tests.test_conformance_external:"
EXPECTED_FAILURES = {
    "tiny": set(),
    "tiny-no-2": {"forward_backward", "sgd_one_step"},
    "tiny-momentum": {"sgd_trajectory_10"},
    "tiny-lossy": {"round_trip"},
    "tiny-lr32": {"sgd_one_step"},
    "tiny-raises": {"forward_backward", "sgd_one_step"},
    "tiny-warns": set(),
}
CLASSES = {"tiny": "Tiny", "tiny-no-2": "TinyNoTwo", "tiny-momentum": "TinyMomentum", "tiny-lossy": "TinyLossy",
           "tiny-lr32": "TinyLr32", "tiny-raises": "TinyRaises", "tiny-warns": "TinyWarns"}


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


@contextlib.contextmanager
def selected(*classes):
    """These classes (names in this module) as the session's frameworks, for one test; the selection restored."""
    names, active = list(frameworks.NAMES), dict(frameworks._ACTIVE)
    try:
        frameworks.select([SPEC + c for c in classes])
        yield
    finally:
        frameworks.NAMES[:] = names
        frameworks._ACTIVE.clear()
        frameworks._ACTIVE.update(active)


def _small_case():
    from conformance.core.strategies import Case

    rng = np.random.default_rng(1)
    return Case([rng.normal(size=(2, 2)), rng.normal(size=(1, 2))], [rng.normal(size=2), rng.normal(size=1)],
                ["tanh", "sigmoid"], rng.normal(size=(2, 2)), rng.normal(size=(2, 1)))


@pytest.mark.parametrize("cls", ["TinyNoTwo", "TinyNamespace", "TinyTrace"])
def test_every_trace_shape_converts_and_its_reproduction_runs(cls):
    """A dict, an object with tuples, a reference.Trace: the suite reads each, and the failure's snippet runs."""
    from conformance.suite import oracles
    from conformance.suite.assertions import ConformanceError, assert_trace_agrees

    case = _small_case()
    with selected(cls):
        name = frameworks.NAMES[0]
        theirs = oracles.trace(name, case, "float64")
        with pytest.raises(ConformanceError) as info:
            assert_trace_agrees(case, "float64", tolerance("float64"), "float64", name, theirs)
        snippet = str(info.value).split("Reproduce with:\n", 1)[1]
        code = "\n".join(line[4:] for line in snippet.splitlines())
        out = io.StringIO()
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the other frameworks' lines run too (jax may warn on import)
            exec(compile(code, "<reproducer>", "exec"), {})
    printed = {line.split()[0]: line.split()[1:] for line in out.getvalue().splitlines() if line.strip()}
    assert name in printed and "reference" in printed, out.getvalue()
    shown = float(printed[name][0].strip("[]"))
    worst = re.search(r"^(.*?) disagrees", str(info.value)).group(1)
    assert shown != float(printed["reference"][0].strip("[]")), (worst, out.getvalue())  # the bug, reproduced


def test_a_float32_learning_rate_fails_the_float64_step_only():
    """Keras and tinygrad keep eta in float32: invisible while the suite handed over float32-exact etas."""
    from conformance.suite import oracles
    from conformance.suite.assertions import ConformanceError, assert_step_agrees
    from conformance.suite.descent import effective_eta

    with selected("TinyLr32"):
        for dtype in ("float64", "float32"):
            c = _small_case().rounded(dtype)
            lr = effective_eta(c, 0.01, dtype)
            after = oracles.trajectory("tiny-lr32", c, lr, 1, dtype)[1]
            if dtype == "float32":  # eta is a float32 number there: the same step
                assert assert_step_agrees(c, lr, dtype, tolerance(dtype), dtype, "tiny-lr32", after, 0) <= 1
            else:
                with pytest.raises(ConformanceError) as info:
                    assert_step_agrees(c, lr, dtype, tolerance(dtype), dtype, "tiny-lr32", after, 0)
                assert info.value.excess > 10, info.value.excess  # 21.6x on this network (w dominates the step)


def test_as_trace_names_what_is_missing():
    with pytest.raises(TypeError, match="without dC_db, C"):
        frameworks.as_trace({"z": [], "a": [], "dC_dz": [], "dC_da": [], "dC_dw": []})


def test_framework_warnings_are_reported_or_raised_when_asked(monkeypatch):
    from conformance.suite import oracles, report

    monkeypatch.setattr(report, "WARNINGS", {})
    with selected("TinyWarns"):
        oracles.trace("tiny-warns", _small_case(), "float64")  # filterwarnings=error here: still no failure
        assert report.warning_rows() == [{"framework": "tiny-warns", "category": "RuntimeWarning",
                                          "message": "overflow encountered in exp", "count": 1}]
        monkeypatch.setattr(oracles.SETTINGS, "warnings", "error")
        with pytest.raises(RuntimeWarning, match="overflow"):
            oracles.trace("tiny-warns", _small_case(), "float64")


def test_report_records_a_raising_framework_as_failed_with_the_failing_error(monkeypatch):
    from conformance.suite import report
    from conformance.suite.assertions import ConformanceError

    monkeypatch.setattr(report, "RESULTS", {})
    with report.checking("p", "fw float64") as ok:
        ok["worst"] = 0.5
    with pytest.raises(ValueError), report.checking("p", "fw float64"):
        raise ValueError("at most 2 examples")
    row = report.rows()[0]
    assert row["status"] == "failed" and row["details"]["error"] == "ValueError: at most 2 examples", row
    assert row["worst"] is None, row  # it raised: no error to show, and never the passing example's 0.5
    with pytest.raises(ConformanceError), report.checking("q", "fw float64") as ex:
        ex["worst"] = 0.25  # an earlier example's, then the failing one
        raise ConformanceError("dC/dw(1) disagrees", excess=7.5)
    with report.checking("q", "fw float64") as later:  # a passing example after the failure changes nothing
        later["worst"] = 0.9
    assert {r["property"]: (r["status"], r["worst"]) for r in report.rows()}["q"] == ("failed", 7.5)


@pytest.mark.extended  # a whole suite run in a subprocess (about 10 s): .ci/run's extended step
def test_external_framework_runs_every_property_and_broken_ones_fail(tmp_path):
    """The acceptance: --framework plugs each class into the suite's properties; the report names them."""
    path = tmp_path / "report.json"
    specs = ",".join(SPEC + c for c in CLASSES.values())
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--pyargs", "conformance.suite",
         "--hypothesis-profile=smoke", f"--framework={specs}", f"--conformance-report={path}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out  # the broken ones fail
    assert "conformance frameworks checked: " + ", ".join(CLASSES) in out, out
    data = json.loads(path.read_text())
    status, rows = {}, {}
    for row in data["results"]:
        name, _, mode = row["implementation"].partition(" ")
        status.setdefault(name, {}).setdefault(row["property"], set()).add(row["status"])
        rows[(row["property"], row["implementation"])] = row
    assert set(status) == set(EXPECTED_FAILURES), status
    for name, should_fail in EXPECTED_FAILURES.items():
        props = status[name]
        assert set(props) >= {"forward_backward", "sgd_one_step", "round_trip"}, (name, props)
        failed = {p for p, s in props.items() if "failed" in s}
        assert failed == should_fail, (name, props)
        assert all(s == {"passed"} for p, s in props.items() if p not in should_fail), (name, props)
    assert "sgd_trajectory_10" in status["tiny"] and "sgd_trajectory_10" in status["tiny-momentum"], status
    assert rows[("sgd_one_step", "tiny-lr32 float64")]["status"] == "failed"  # float32 eta: the float64 row
    # a failed row shows the failing error (> 1), not the passing examples' worst
    for key in (("forward_backward", "tiny-no-2 float64"), ("sgd_one_step", "tiny-lr32 float64")):
        assert rows[key]["worst"] > 1, rows[key]
    raised = rows[("forward_backward", "tiny-raises float64")]
    assert raised["status"] == "failed" and "ValueError: tiny-raises takes at most 2" in raised["details"]["error"]
    # the harmless overflow warning: reported, not a failure (this project's filterwarnings = error)
    # (and tiny-lossy's float32 storage overflows a float64 parameter: numpy warns, the round trip fails on its bits)
    warned = {(w["framework"], w["message"]) for w in data["framework_warnings"]}
    assert warned == {("tiny-warns", "overflow encountered in exp"), ("tiny-lossy", "overflow encountered in cast")}
    assert "warnings from the frameworks under test" in out and "overflow encountered in exp" in out, out
    # the failure messages and their reproductions name the framework like torch and jax
    assert "vs reference (float64)" in out and "tiny-no-2" in out, out
    assert f"frameworks.load('{SPEC}TinyNoTwo')" in out, out
    assert "test_forward_and_backward_agree[tiny-no-2]" in out and "test_round_trips_are_exact[tiny-lossy]" in out


def test_version_falls_back_to_the_distribution_then_unknown(tmp_path, monkeypatch):
    """A module without __version__ (as autograd's) shows its distribution's version; from none, 'unknown'."""
    from importlib import metadata

    class Plugin(Framework):
        module = "_hypothesis_pytestplugin"  # no __version__; installed by the hypothesis distribution

    assert not hasattr(__import__("_hypothesis_pytestplugin"), "__version__")
    assert Plugin().version() == metadata.version("hypothesis")
    (tmp_path / "loose_module.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    class Loose(Framework):
        module = "loose_module"

    assert Loose().version() == "unknown"
