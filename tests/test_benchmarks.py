"""Smoke test: ``benchmarks/speed.py --quick`` runs and prints its ratio columns, its verdict and its report."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEED = os.path.join(ROOT, "benchmarks", "speed.py")


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("jax") is None,
    reason="the benchmark compares against torch and jax",
)
def test_speed_quick_runs_and_prints_ratios():
    proc = subprocess.run(
        [sys.executable, SPEED, "--quick", "--repeat", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for column in ("ref/torch", "ref/jax", "ref/floor"):
        assert column in out, out
    assert "1-1-1-1@1" in out and "float32" in out and "float64" in out, out
    assert "reference no slower than torch eager at every grid point" in out, out
    assert "of the GEMM floor" in out, out
    floor_lines = [line for line in out.splitlines() if "GEMM floor" in line]
    assert floor_lines and all(line.startswith("report:") for line in floor_lines), out  # reported, not judged
