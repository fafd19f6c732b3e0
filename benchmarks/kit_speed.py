"""How long the kit takes, as a student or a grader meets it: ``backprop-check`` on a file, in a subprocess.

    python benchmarks/kit_speed.py            # 3 interleaved rounds
    python benchmarks/kit_speed.py --rounds 5

Runs a passing backprop (vectorised rows) and a failing one (the 1/2 cost convention, shrinking and the
diagnosis included), alternately, and prints the wall time of each run, their minimum and median, and the
verdict against the targets: a passing run within 15 s, a failing one within 30 s on this 2-core machine.
Each run includes the interpreter's start-up, the worker process and the larger networks the kit draws.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "tests" / "kit" / "students" / "correct.py"
RUNS = {"passing": (f"{STUDENT}:backprop", 0, 15.0), "failing": (f"{STUDENT}:half_cost", 1, 30.0)}


def one_run(spec: str, folder: str) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "conformance.kit.cli", spec, "-q"], cwd=folder, env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - start, proc.returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    times = {name: [] for name in RUNS}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for name, (spec, expected, _) in RUNS.items():
                seconds, status = one_run(spec, folder)
                if status != expected:
                    print(f"{name}: exit status {status}, expected {expected}", file=sys.stderr)
                    return 2
                times[name].append(seconds)
                print(f"{name:8} {seconds:6.1f} s")
    ok = True
    for name, (_, _, limit) in RUNS.items():
        low, mid = min(times[name]), statistics.median(times[name])
        verdict = "PASS" if mid <= limit else "FAIL"
        ok &= verdict == "PASS"
        print(f"{verdict}: {name} run median {mid:.1f} s (min {low:.1f} s) against {limit:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
