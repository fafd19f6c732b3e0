"""Batch grading (conformance/kit/batch.py): a made-up class graded in one command, one gradebook row each and the
class summary; the speed is a benchmark (benchmarks/batch_speed.py), not a test."""

from __future__ import annotations

import csv
import importlib.util
from argparse import Namespace

import pytest

from conformance.kit import batch
from conformance.kit.cli import parser

from .test_course import STUDENT, kit_command

CLASS = {
    "alice": STUDENT.read_text(),
    "bob": "from conformance.core.mistakes import half_cost_convention as backprop\n",
    "carol": "def backprop(weights, biases, activations, x, y)\n    return None\n",  # a syntax error
    "dave": "from conformance.core.mistakes import sign_of_a_minus_y as backprop\n",
    "erin": "from conformance.core.mistakes import half_cost_convention as backprop\n",
}


@pytest.mark.extended  # a class of five, each in its own backprop-check process
def test_a_class_is_graded_into_a_gradebook_and_a_summary(tmp_path):
    for name, source in CLASS.items():
        (tmp_path / "submissions" / name).mkdir(parents=True)
        (tmp_path / "submissions" / name / "backprop.py").write_text(source)
    proc = kit_command("--batch", "submissions/*/backprop.py:backprop", "--gradebook=out/grades.csv", "-n", "2",
                       "--activations=sigmoid,identity", "--dtype=float64", "--max-examples=60",
                       "--gradescope-weights=contract=1,gradients=8,purity=1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(tmp_path / "out" / "grades.csv") as fh:
        rows = {r["submission"].split("/")[-2]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(CLASS)
    assert (rows["alice"]["score"], rows["alice"]["passed"]) == ("10", "True")
    assert (rows["bob"]["score"], rows["bob"]["gradients"], rows["bob"]["diagnosis"]) == ("2", "failed",
                                                                                        "half_cost_convention")
    assert (rows["carol"]["score"], rows["carol"]["diagnosis"]) == ("0", "cannot be imported")
    assert rows["dave"]["diagnosis"] == "sign_of_a_minus_y" and rows["dave"]["max_score"] == "10"
    summary = (tmp_path / "out" / "grades-summary.txt").read_text().splitlines()
    assert summary[0].split() == ["half_cost_convention", "2"] and len(summary) == 4
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "out" / "grades-summary.png").stat().st_size > 1000
    assert "graded 5 submissions: 1 passed" in proc.stdout


def test_batch_usage_errors(tmp_path, capsys):
    def ns(**given):
        base = vars(parser().parse_args([]))
        return Namespace(**{**base, **given})
    assert batch.main(ns(batch="no_colon_here")) == 4
    assert batch.main(ns(batch=f"{tmp_path}/*/nothing.py:backprop")) == 4
    assert "no file matches" in capsys.readouterr().err


def test_batch_runs_skip_what_a_gradebook_does_not_use():
    args = batch.forwarded(parser().parse_args(["--batch", "x/*.py:f", "--dtype=float64", "--oracles=yes"]))
    assert "--dtype=float64" in args and "--oracles=yes" in args and "--shrink=no" in args
    assert not any(a.startswith(("--gradescope=", "--conformance-report=", "--artifacts=")) for a in args)


def test_batch_paths_keep_their_meaning_in_each_runs_own_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = batch.forwarded(parser().parse_args(["--batch", "x/*.py:f", "--hypothesis-dir=hyp", "--pictures=pics"]))
    assert f"--hypothesis-dir={tmp_path / 'hyp'}" in args  # absolute: each run starts in the batch's temp folder
    assert not any(a.startswith("--pictures=") for a in args)  # one folder per run would overwrite: none in a batch


def test_the_diagnosis_name_of_a_report():
    report = {"passed": False, "properties": [
        {"property": "gradients", "outcome": "failed",
         "failure": {"check": "values", "diagnosis": "It also equals the catalogued mistake 'sum_over_examples'"}}]}
    assert batch.diagnosis_name(report) == "sum_over_examples"
    report["properties"][0]["failure"]["diagnosis"] = "Where: dC/dw differs in layer 2."
    assert batch.diagnosis_name(report) == "other gradient mistake"


DECOY = ("import importlib.util, os, sys\n"  # the real reference, loaded from site-packages, then overridden
         "sys.path.remove(os.path.dirname(os.path.abspath(__file__))) if os.path.dirname(os.path.abspath(__file__))"
         " in sys.path else None\n"
         "sys.modules.pop('reference', None)\n"
         "import reference as _real\n"
         "from backprop import backprop as _zeros\n"
         "_real.backprop = _zeros\n"
         "sys.modules['reference'] = _real\n")
ZEROS = ("import numpy as np\n\n\ndef backprop(weights, biases, activations, x, y):\n"
         "    return [np.zeros(w.shape) for w in weights], [np.zeros(b.shape) for b in biases]\n")


@pytest.mark.extended  # two kit processes
def test_a_reference_py_beside_the_submission_cannot_replace_the_graders(tmp_path):
    """A student's folder with a reference.py that makes the reference agree with all-zero gradients: the grade
    stays a failure, graded in a batch and with python -m conformance.kit run from that very folder."""
    sub = tmp_path / "submissions" / "mallory"
    sub.mkdir(parents=True)
    (sub / "backprop.py").write_text(ZEROS)
    (sub / "reference.py").write_text(DECOY)
    proc = kit_command("--batch", "submissions/*/backprop.py:backprop", "--gradebook=grades.csv",
                       "--max-examples=5", cwd=tmp_path)
    with open(tmp_path / "grades.csv") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["passed"], row["gradients"]) == ("False", "failed"), proc.stdout[-2000:] + proc.stderr[-2000:]
    import subprocess
    import sys
    direct = subprocess.run([sys.executable, "-m", "conformance.kit", "backprop.py:backprop", "--max-examples=5"],
                            cwd=sub, capture_output=True, text=True)
    assert direct.returncode == 1 and "gradients  failed" in direct.stdout, direct.stdout[-2000:] + direct.stderr
