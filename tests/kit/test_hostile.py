"""The kit against hostile and odd student files (issue 13): each wrong one fails with a clear message, each
correct one passes, within the limits, and the run's exit status is right every time.

The student files are in tests/kit/hostile/ (never imported here: a conftest keeps pytest away from them).
Two layers:

* the engine: :class:`conformance.kit.isolation.IsolatedImpl` and :func:`conformance.kit.check.check`
  in this process, the function in its worker (seconds for all of them);
* the real command lines, ``python -m pytest --impl=tests/kit/hostile/FILE.py:FUNCTION`` and
  ``backprop-check tests/kit/hostile/FILE.py:FUNCTION``, in subprocesses started together (three at
  a time) at the first test that needs them (a failing run shrinks and diagnoses: seconds each).
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

import reference
from conformance.core.strategies import Case
from conformance.kit.check import KitFailure, KitStop, check
from conformance.kit.isolation import IsolatedImpl, isolation_available
from conformance.kit.loader import ImplLoadError
from conformance.kit.properties import PROPERTIES, build
from conformance.kit.protocol import PlainUnpickler

pytestmark = pytest.mark.skipif(not isolation_available(), reason="the kit isolates on POSIX only")

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "kit" / "hostile"
CASE = Case([np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.5, -0.5]])], [np.array([0.1, -0.2]), np.array([0.3])],
            ["sigmoid", "tanh"], np.array([[1.0, 2.0], [-0.5, 0.0], [0.25, 1.0]]), np.array([[0.5], [-1.0], [1.0]]))
FEW = settings(max_examples=20, derandomize=True, database=None, deadline=None)


def _impl(spec, **kwargs):
    return IsolatedImpl(f"{HOSTILE}/{spec}", **kwargs).start()


def _failure(spec, *, aspects=None, layout="plain", dtype=None, **kwargs):
    """(check, summary, message) of the function's failure on CASE, the worker closed after."""
    impl = _impl(spec, **kwargs)
    try:
        with pytest.raises((KitFailure, KitStop)) as info:
            check(impl, CASE, aspects=aspects or PROPERTIES["gradients"] + PROPERTIES["purity"][2:],
                  frameworks=False, layout=layout, dtype=dtype)
        failure = info.value.failure if isinstance(info.value, KitStop) else info.value
        return failure.record["check"], failure.record["summary"], str(failure)  # the diagnosis calls it too
    finally:
        impl.close()


def _passes(spec, *, layout="plain", dtype=None, **kwargs):
    impl = _impl(spec, **kwargs)
    try:
        check(impl, CASE, frameworks=False, layout=layout, dtype=dtype)
    finally:
        impl.close()


# ------------------------------------------------------------ patching the reference, the kit, numpy, pytest

def test_patches_made_at_the_first_call_change_nothing_here():
    """reference.backprop, SIGMA, a helper, numpy, the kit, the tolerances, the strategies, pytest's reports and
    Hypothesis' profile, all patched in the worker: the 1/2-cost mistake is still caught and named."""
    before = (reference.backprop, reference.SIGMA["sigmoid"], np.allclose, np.array_equal, check,
              settings.default.max_examples)
    name, summary, message = _failure("patch_call.py:backprop")
    assert name == "values" and "'half_cost_convention'" in message and "the 1/2 cost convention" in message
    assert before == (reference.backprop, reference.SIGMA["sigmoid"], np.allclose, np.array_equal, check,
                      settings.default.max_examples)


# ------------------------------------------------------------ ending, crashing, interrupting the process

@pytest.mark.parametrize("function, text", [
    ("exits_0", "no answer from your function: the process running it exited with status 0 (os._exit()"),
    ("grandchild_then_exit", "the process running it exited with status 3"),
    ("segfault", "the process running it was killed by SIGSEGV: a crash in native code"),
    ("sys_exit", "it raised SystemExit: 0"),
    ("keyboard_interrupt", "it raised KeyboardInterrupt"),
    ("base_exception", "it raised Custom: not an Exception"),
    ("exits_on_second_call", "it raised SystemExit on the second call (the same inputs again): 1"),
])
def test_exits_crashes_and_base_exceptions_fail_the_call_check(function, text):
    name, summary, message = _failure(f"process.py:{function}")
    assert name == "call" and text in summary, message
    assert "FAILED check 'call'" in message and "Reproduce" in message


def test_a_crashed_worker_is_restarted_so_shrinking_works():
    impl = _impl("process.py:segfault")
    try:
        with pytest.raises(KitFailure) as info:
            build(impl, "contract", frameworks=False, settings=FEW)()
        assert "killed by SIGSEGV" in info.value.record["summary"]  # (the record is built here, impl still open)
        assert info.value.record["case"]["sizes"] == [1, 1]  # shrunk to the smallest network: a new worker each time
    finally:
        impl.close()


def test_a_module_that_exits_at_import_cannot_be_loaded():
    with pytest.raises(ImplLoadError, match="exited with status 0"):
        _impl("exit_import.py:backprop")


# ------------------------------------------------------------ hanging

@pytest.mark.parametrize("function, during", [
    ("loops", "on the first call"),
    ("sleeps", "on the first call"),
    ("ignores_sigterm", "on the first call"),
    ("deadlocks_second_call", "on the second call (the same inputs again)"),
])
def test_a_hang_is_stopped_at_the_call_limit_and_ends_the_search(function, during):
    start = time.monotonic()
    impl = _impl(f"process.py:{function}", call_timeout=1)
    try:
        with pytest.raises(KitFailure) as info:  # KitStop turned back into the failure: no shrinking
            build(impl, "purity", frameworks=False, settings=FEW)()
        record, message = info.value.record, str(info.value)
    finally:
        impl.close()
    assert record["check"] == "call" and "gave no answer within 1 s (--call-timeout)" in record["summary"]
    assert during in record["summary"] and "w(1) = " in message  # the network it hung on
    assert time.monotonic() - start < 15


def test_a_hang_in_the_diagnosis_costs_one_limit_and_is_said():
    start = time.monotonic()
    name, summary, message = _failure("process.py:hangs_in_diagnosis", call_timeout=1)
    assert name == "values" and "on one of them it gave no answer within 1 s" in message
    assert "exactly 0.5 times the video's" in message and "'half_cost_convention'" in message
    assert time.monotonic() - start < 15


def test_the_memory_limit():
    name, summary, _ = _failure("process.py:hogs_memory", memory_limit_mb=200, call_timeout=60)
    assert name == "call" and "more than the limit of 200 MiB (--memory-limit)" in summary


# ------------------------------------------------------------ lying containers, NaN, seterr, dtypes

@pytest.mark.parametrize("function, text", [
    ("len_raises", "reading what it returned raised RuntimeError: len() of this result raises"),
    ("lying_list", "reading what it returned raised ZeroDivisionError: iterating over this list raises"),
    ("array_like_raises", "dC/dw(1) cannot be read as an array: no array here"),
    ("object_array", "dC/dw(1) has dtype object (kind 'O'): expected floating point"),
])
def test_lying_containers_are_structure_failures(function, text, capfd):
    name, summary, _ = _failure(f"results.py:{function}")
    assert name == "structure" and text in summary
    assert "must never run in the kit's process" not in capfd.readouterr().out


def test_only_plain_data_is_unpickled_from_the_worker():
    evil = pickle.dumps(reference.backprop)
    with pytest.raises(pickle.UnpicklingError, match="only plain data may cross"):
        PlainUnpickler(io.BytesIO(evil)).load()


def test_nan_on_both_calls_is_a_finite_failure_not_nondeterminism():
    name, summary, message = _failure("results.py:nan_twice")
    assert name == "finite" and "is NaN where the reference is finite" in summary
    impl = _impl("results.py:nan_twice")
    try:
        check(impl, CASE, aspects=PROPERTIES["purity"], frameworks=False)  # the same NaN twice: the same answer
    finally:
        impl.close()
    assert "equal_nan=True" in message  # the reproduction says the same


def test_a_correct_function_that_sets_seterr_raise_and_has_invalid_escapes_passes(tmp_path):
    (tmp_path / "_common.py").write_text((HOSTILE / "_common.py").read_text())
    (tmp_path / "textbook.py").write_text((HOSTILE / "textbook.py").read_text())  # never compiled before
    errors = np.geterr()
    impl = IsolatedImpl(f"{tmp_path}/textbook.py:backprop").start()
    tiny = Case([np.array([[0.0]])], [np.array([2.225073858507e-311])], ["identity"], np.array([[0.0]]),
                np.array([[5e-324]]))  # subnormals: 0.75 b underflows in the kit's in-place step
    try:
        for layout in ("plain", "readonly", "strided"):
            check(impl, CASE, frameworks=False, layout=layout)
            check(impl, tiny, frameworks=False, layout=layout)
    finally:
        impl.close()
    assert np.geterr() == errors


def test_the_returned_dtype_chooses_the_tolerance_unless_the_grader_fixes_it():
    _passes("state.py:float32_forward_difference")  # the student-friendly default: float32 row for float32
    name, _, message = _failure("state.py:float32_forward_difference", dtype="float64")
    assert name == "values" and "returned float32 arrays; the grader fixed the tolerance to float64's" in message


# ------------------------------------------------------------ randomness and state

def test_randomness_through_numpy_is_seen():
    impl = _impl("state.py:random_half")
    try:
        with pytest.raises(KitFailure) as info:
            build(impl, "purity", frameworks=False, settings=FEW)()
        record = info.value.record
    finally:
        impl.close()
    assert record["check"] == "deterministic" and "numpy's global random state" in record["summary"]


def test_an_id_cache_is_stale_after_an_in_place_update():
    name, summary, message = _failure("state.py:id_cache")
    assert name == "updated_inputs" and "a cache, or values that call wrote into the arrays" in summary
    assert "w *= 0.75; w -= 0.0625, in place" in message


def test_output_buffers_reused_across_calls():
    name, summary, _ = _failure("state.py:reused_buffers")
    assert name == "independent_results" and "reuses its output arrays across calls" in summary


def test_inputs_written_into_and_restored_fail_on_read_only_inputs():
    _passes("state.py:writes_and_restores")  # invisible with writable inputs: the kit draws the layout
    name, summary, message = _failure("state.py:writes_and_restores", layout="readonly")
    assert name == "call" and "read-only" in summary
    assert "The kit handed you read-only arrays this time: your function writes into its inputs" in message


# ------------------------------------------------------------ course rules

def test_forbidden_imports():
    _passes("rules.py:backprop")
    name, summary, _ = _failure("rules.py:backprop", forbid=("reference", "torch"))
    assert name == "call" and summary.startswith("your code imported reference when it was imported, which this "
                                                 "course forbids (--forbid-imports=reference,torch)")


# ------------------------------------------------------------ the real command line

def _command(how, spec, *options, report):
    """``python -m pytest --impl=SPEC`` or ``backprop-check SPEC`` (python -m conformance.kit.cli), with a report."""
    if how == "pytest":
        return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--impl=tests/kit/hostile/{spec}",
                *options, f"--conformance-report={report}"]
    return [sys.executable, "-m", "conformance.kit.cli", f"tests/kit/hostile/{spec}", *options, "--report", str(report)]


SMALL = ("--max-width=2", "--max-batch=2")  # fewer steps to shrink, less to draw: the same checks
RUNS = {
    # name: (how, spec and options, expected exit status, texts of its output); backprop-check loads no
    # plugin of this checkout but the kit's, so it starts in a fraction of pytest's time here
    "patches_at_import_xdist": ("pytest", ("patch_import.py:backprop", "-n", "2", *SMALL), 1,
                                ["FAILED check 'values'", "the 1/2 cost convention", "'half_cost_convention'"]),
    "atexit_exit_0": ("cli", ("process.py:atexit_exit_0", *SMALL), 1, ["FAILED check 'values'"]),  # the longest first
    "exits_0": ("cli", ("process.py:exits_0", *SMALL), 1, ["FAILED check 'call'", "exited with status 0"]),
    "ignores_sigterm": ("cli", ("process.py:ignores_sigterm", "--call-timeout=1"), 1,
                        ["gave no answer within 1 s (--call-timeout) on the first call"]),
    "keyboard_interrupt": ("cli", ("process.py:keyboard_interrupt",), 1, ["3 failed", "it raised KeyboardInterrupt"]),
    "segfault": ("cli", ("process.py:segfault", *SMALL), 1, ["killed by SIGSEGV"]),
    "forbidden": ("cli", ("rules.py:backprop", "--forbid-imports=reference"), 1, ["your code imported reference"]),
    "exit_import": ("cli", ("exit_import.py:backprop",), 1, ["exited with status 0", "could not be loaded"]),
    "textbook_passes": ("pytest", ("textbook.py:backprop", "--dtype=float64", *SMALL), 0,
                        ["3 passed", "tolerance row float64 (--dtype)", "runs in its own process"]),
    "one_property_is_not_a_pass": ("pytest", ("textbook.py:backprop", "-k", "contract", "--sizes=1,1"), 1,
                                   ["1 passed", "NOT PASSED: property gradients did not run"]),
}


def _run(name, folder, env):
    """(exit status, output, seconds, report or None) of the command line RUNS[name]."""
    how, (spec, *options), _, _ = RUNS[name]
    report = folder / f"{name}.json"
    start = time.monotonic()
    proc = subprocess.run(_command(how, spec, *options, report=report), cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=400)
    data = json.loads(report.read_text()) if report.exists() else None
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start, data


def _problems(name, status, output, report):
    expected, texts = RUNS[name][2], RUNS[name][3]
    found = [] if status == expected else [f"exit status {status}, expected {expected}"]
    found += [f"no {text!r} in the output" for text in texts if text not in output]
    if report is not None and (report["passed"] is not (expected == 0) or report["exitstatus"] != expected):
        found.append(f"the report says passed={report['passed']}, exitstatus={report['exitstatus']}")
    # the kit's messages, never a traceback through the kit or an internal error
    if "INTERNALERROR" in output or f'File "{ROOT / "conformance"}' in output:
        found.append("a traceback of the kit")
    return [f"{name}: {p}" for p in found] + ([f"--- {name}:\n{output[-3000:]}"] if found else [])


@pytest.mark.extended  # ten command lines in subprocesses (about a minute)
def test_the_command_line_exit_status_is_right_every_time(tmp_path):
    """Every command line of RUNS, three at a time (one test, so that pytest-xdist runs them once)."""
    env = {k: v for k, v in os.environ.items() if k not in ("BACKPROP_IMPL", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    with ThreadPoolExecutor(max_workers=3) as pool:
        done = dict(zip(RUNS, pool.map(lambda name: _run(name, tmp_path, env), RUNS)))
    problems = []
    for name, (status, output, seconds, report) in done.items():
        print(f"{name}: exit status {status} in {seconds:.1f} s")
        problems += _problems(name, status, output, report)
    assert not problems, "\n".join(problems)
