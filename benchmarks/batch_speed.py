"""Grading a class: seconds per submission, before (one ``backprop-check`` after the other, as a shell loop
would) and after (``backprop-check --batch ... -n 2``), side by side in one run.

    python benchmarks/batch_speed.py                 # 40 submissions
    python benchmarks/batch_speed.py --count 12 --workers 2

The class is made up: a quarter correct, the rest catalogued mistakes (conformance/core/mistakes.py), one
that does not import; every submission a file of its own folder, graded with ``--dtype=float64`` and the
default 200 networks per property.  The ways are run one after the other on the same files and must
agree on every grade (the script says so); each includes every process start-up.  The batch's runs skip
what a gradebook does not use (the oracles' opinions, shrinking: conformance/kit/batch.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "tests" / "kit" / "students" / "correct.py"
MISTAKES = ["half_cost_convention", "sign_of_a_minus_y", "sum_over_examples", "sigma_prime_of_a",
            "no_sum_over_paths", "bias_gradient_from_one_example", "cross_entropy_delta"]


def make_class(folder: Path, count: int) -> list[Path]:
    files = []
    for i in range(count):
        sub = folder / f"student{i:02d}"
        sub.mkdir(parents=True)
        if i % 4 == 0:
            source = STUDENT.read_text()
        elif i == count - 1:
            source = "def backprop(weights, biases, activations, x, y)\n    return None\n"  # a syntax error
        else:
            source = f"from conformance.core.mistakes import {MISTAKES[i % len(MISTAKES)]} as backprop\n"
        (sub / "backprop.py").write_text(source)
        files.append(sub / "backprop.py")
    return files


def env():
    return {**{k: v for k, v in os.environ.items() if k not in ("BACKPROP_IMPL", "PYTEST_ADDOPTS")},
            "PYTHONPATH": str(ROOT)}


def one_by_one(files, out: Path) -> tuple[float, dict]:
    grades = {}
    start = time.perf_counter()
    for n, f in enumerate(files):
        report = out / f"{n}.json"
        subprocess.run([sys.executable, "-m", "conformance.kit", f"{f}:backprop", "--dtype=float64", "-q",
                        f"--report={report}"], cwd=f.parent, env=env(), capture_output=True, text=True)
        grades[str(f)] = json.loads(report.read_text())["passed"]
    return time.perf_counter() - start, grades


def batch(folder: Path, workers: int, out: Path) -> tuple[float, dict]:
    gradebook = out / "grades.csv"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "conformance.kit", "--batch", f"{folder}/*/backprop.py:backprop",
                           f"--gradebook={gradebook}", "-n", str(workers), "--dtype=float64"], env=env(),
                          capture_output=True, text=True)
    took = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(gradebook) as fh:
        return took, {row["submission"]: row["passed"] == "True" for row in csv.DictReader(fh)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = make_class(tmp / "submissions", args.count)
        (tmp / "before").mkdir()
        (tmp / "after").mkdir()
        before, graded_before = one_by_one(files, tmp / "before")
        (tmp / "after1").mkdir()
        after1, graded_after1 = batch(tmp / "submissions", 1, tmp / "after1")
        after, graded_after = batch(tmp / "submissions", args.workers, tmp / "after")
    n = len(files)
    print(f"{n} submissions, {os.cpu_count()} CPUs")
    print(f"{'way':44} {'total s':>8} {'s / submission':>15}")
    print(f"{'before: backprop-check one after the other':44} {before:8.1f} {before / n:15.2f}")
    print(f"{'after:  --batch -n 1':44} {after1:8.1f} {after1 / n:15.2f}")
    print(f"{f'after:  --batch -n {args.workers}':44} {after:8.1f} {after / n:15.2f}")
    print(f"ratio before / after (-n {args.workers}): {before / after:.2f}")
    same = graded_before == {str(Path(k)): v for k, v in graded_after.items()} == {
        str(Path(k)): v for k, v in graded_after1.items()}
    print(f"the same grades both ways: {same} ({sum(graded_after.values())} of {n} passed)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
