"""The suite as a framework's CI meets it: the built wheel in a fresh venv, an empty folder, a class written there.

``pytest --pyargs conformance.suite --framework=my_engine_check:MyEngine`` (the ``pytest`` command, which does not
put the folder on sys.path) runs every property and meta-test shipped in the wheel against the class of
docs/frameworks.md, written into that folder from the doc's text; a second class there, which keeps its learning
rate in float32, fails ``sgd_one_step`` float64.  No torch, no jax: the wheel's ``kit`` extra only.  Slow (build,
venv, install): marker ``packaging``, run by ``.ci/run`` and the workflow's ``installed`` job.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_docs import doc_example

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
PROPERTIES = {"forward_backward", "sgd_one_step", "sgd_trajectory_10", "round_trip"}
LR32 = '''
import numpy as np

from my_engine_check import MyEngine


class Lr32(MyEngine):
    """Right gradients, but the learning rate kept in float32 whatever the parameters' dtype (Keras, tinygrad)."""

    name = "lr32"

    def step(self, case, eta, dtype, *, device="cpu", tf32=False):
        t, dt, lr = self.trace(case, dtype), np.dtype(dtype), np.float32(eta)
        return ([np.asarray(w, dt) - (lr * g).astype(dt) for w, g in zip(case.weights, t["dC_dw"])],
                [np.asarray(b, dt) - (lr * g).astype(dt) for b, g in zip(case.biases, t["dC_db"])])
'''


def run(cmd, cwd, timeout=900):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BACKPROP_IMPL", "PYTEST_ADDOPTS",
                                                           "VIRTUAL_ENV", "CONFORMANCE_FRAMEWORK")}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh venv with the built wheel and its kit extra (pytest, Hypothesis), nothing of this checkout."""
    out = tmp_path_factory.mktemp("suite-wheel")
    # the sdist, then the wheel from it (as tests/test_packaging.py): `build --wheel` writes build/ into the checkout
    proc = run([sys.executable, "-m", "build", "--outdir", out / "dist", ROOT], cwd=out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheel, = (out / "dist").glob("*.whl")
    env = out / "venv"
    assert run([sys.executable, "-m", "venv", env], cwd=out).returncode == 0
    proc = run([env / "bin" / "python", "-m", "pip", "install", "--quiet", f"{wheel}[kit]"], cwd=out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return env


def test_the_installed_suite_runs_every_property_on_a_class_in_an_empty_folder(venv, tmp_path):
    folder = tmp_path / "my-framework"
    folder.mkdir()
    (folder / "my_engine_check.py").write_text(doc_example())
    (folder / "lr32_check.py").write_text(LR32)
    pytest_cmd = [venv / "bin" / "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance.suite",
                  "--hypothesis-profile=dev"]

    good = run([*pytest_cmd, "--framework=my_engine_check:MyEngine", "--conformance-report=report.json"], cwd=folder)
    out = good.stdout + good.stderr
    assert good.returncode == 0, out[-6000:]
    assert "conformance frameworks checked: my-engine" in out, out[-3000:]
    _collected(venv, folder)  # every property file and the meta-tests, from the wheel
    data = json.loads((folder / "report.json").read_text())
    rows = {(r["property"], r["implementation"]): r for r in data["results"]}
    for prop in PROPERTIES:
        for mode in ("float64", "float32"):
            row = rows[(prop, f"my-engine {mode}")]
            assert row["status"] == "passed" and row["examples"] > 0, row
    assert data["hypothesis_profile"] == "dev" and data["frameworks"] == ["my-engine"], data

    bad = run([*pytest_cmd, "--framework=lr32_check:Lr32", "--conformance-report=lr32.json",
               "-k", "gradient_descent"], cwd=folder)
    assert bad.returncode == 1, (bad.stdout + bad.stderr)[-6000:]
    rows = {(r["property"], r["implementation"]): r for r in json.loads((folder / "lr32.json").read_text())["results"]}
    assert rows[("sgd_one_step", "lr32 float64")]["status"] == "failed", rows
    assert rows[("sgd_one_step", "lr32 float64")]["worst"] > 1, rows
    assert "lr32 vs reference (float64)" in bad.stdout, bad.stdout[-4000:]
    # nothing else written there (the dev profile keeps its example database in .hypothesis, as Hypothesis does)
    assert sorted(p.name for p in folder.iterdir() if p.name not in ("__pycache__", ".hypothesis")) == [
        "lr32.json", "lr32_check.py", "my_engine_check.py", "report.json"]


def _collected(venv, folder) -> str:
    """The test ids `--pyargs conformance.suite` collects there (every property file and the meta-tests)."""
    proc = run([venv / "bin" / "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance.suite", "--co", "-q",
                "--framework=my_engine_check:MyEngine"], cwd=folder)
    for name in ("test_trace.py", "test_training.py", "test_roundtrip.py", "test_edges.py", "meta/test_meta.py"):
        assert name in proc.stdout, (name, proc.stdout[-3000:])
    return proc.stdout
