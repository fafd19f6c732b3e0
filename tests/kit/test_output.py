"""Bounded output at any size: a failing run on the README's 784-16-16-10 prints a few KB, no line over
~2,000 characters; the arrays go to an .npz that the reproduction loads (conformance/kit/message.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import reference
from conformance.core.strategies import Case
from conformance.kit.check import KitFailure, check

from .test_course import STUDENT, kit_command

ROOT = Path(__file__).resolve().parents[2]
MAX_TEXT, MAX_LINE = 20_000, 2_000


def _half_cost(*args):
    dw, db = reference.backprop(*args)
    return [g / 2 for g in dw], [g / 2 for g in db]


def _mnist_case():
    rng = np.random.default_rng(0)
    sizes = (784, 16, 16, 10)
    return Case([rng.normal(0, 0.1, (n, k)) for k, n in zip(sizes, sizes[1:])],
                [rng.normal(0, 1, n) for n in sizes[1:]], ["sigmoid"] * 3, rng.uniform(0, 1, (8, 784)),
                rng.uniform(0, 1, (8, 10)))


def _longest(text):
    return max(len(line) for line in text.splitlines())


def test_a_large_failing_network_is_summarised_and_saved(tmp_path):
    with pytest.raises(KitFailure) as info:
        check(_half_cost, _mnist_case(), frameworks=False, artifacts=str(tmp_path))
    message, record = str(info.value), info.value.record
    assert len(message) < MAX_TEXT and _longest(message) < MAX_LINE, (len(message), _longest(message))
    assert "w(1): shape (16, 784), 12544 entries in [" in message and "every array in full:" in message
    saved = Path(record["artifact"])
    assert saved.parent == tmp_path and np.load(saved)["w1"].shape == (16, 784)
    assert record["case"]["arrays"] == str(saved) and "w" not in record["case"]  # the report stays small too
    # the reproduction loads the arrays and runs on its own
    script = tmp_path / "repro.py"
    script.write_text(record["reproduction"].replace("yours = ...  # your backprop function",
                                                     "from tests.kit.test_output import _half_cost as yours"))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "dC/dw(1): differs" in proc.stdout and _longest(proc.stdout) < MAX_LINE


def test_a_small_network_is_printed_in_full():
    small = Case([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
    with pytest.raises(KitFailure) as info:
        check(_half_cost, small, frameworks=False)
    assert "w(1) = [[2.0]]" in str(info.value) and info.value.record["artifact"] is None
    assert info.value.record["case"]["w"] == [[[2.0]]]


@pytest.mark.extended  # backprop-check in a subprocess on the README's architecture
def test_the_784_16_16_10_failing_run_is_bounded(tmp_path):
    proc = kit_command(f"{STUDENT}:half_cost", "--sizes=784,16,16,10", "--activations=sigmoid",
                       "--gradescope=results.json", "--artifacts=art", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert len(out) < MAX_TEXT and _longest(out) < MAX_LINE, (len(out), _longest(out))
    results = json.loads((tmp_path / "results.json").read_text())
    assert max(len(t["output"]) for t in results["tests"]) < MAX_TEXT
    assert all(_longest(t["output"]) < MAX_LINE for t in results["tests"])
    assert list((tmp_path / "art").glob("failing-case-784-16-16-10-*.npz"))
    assert json.loads((tmp_path / "art" / "report.json").read_text())["passed"] is False
