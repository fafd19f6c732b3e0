"""What users install, tried as they meet it: the built wheel and sdist, fresh venvs, folders that are not
this checkout.  Slow (builds, venvs, installs): under the ``packaging`` marker, which the default run
deselects; ``.ci/run`` and the workflow's ``installed`` job run ``python -m pytest -m packaging``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import reference

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "tests" / "kit" / "students" / "correct.py"
UNRELATED_TEST = '''
import jax
from hypothesis import given, settings, strategies as st


def test_profile_and_jax_are_untouched():
    # Hypothesis picks its own profile ("default", or its built-in "ci" where the CI variable is set):
    # the test below compares this line with and without the kit's plugin
    print(f"PROFILE={settings._current_profile} EXAMPLES={settings().max_examples} X64={jax.config.jax_enable_x64}")
    assert not jax.config.jax_enable_x64


@given(st.integers())
def test_a_property(n):
    assert n == n
'''


def run(cmd, cwd, timeout=1200, env=None):
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BACKPROP_IMPL", "PYTEST_ADDOPTS",
                                                             "VIRTUAL_ENV")}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**clean, **(env or {})})


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # no --sdist/--wheel: build makes the sdist, then the wheel from the unpacked sdist (so the wheel proves
    # the sdist complete, and nothing is written into the checkout)
    proc = run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheel, = out.glob("*.whl")
    sdist, = out.glob("*.tar.gz")
    return wheel, sdist


def test_the_wheel_ships_the_kit_and_no_tests_package(dist):
    wheel, _ = dist
    assert f"-{reference.__version__}-" in wheel.name
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        entry_points = next(z.read(n).decode() for n in names if n.endswith("entry_points.txt"))
        meta = next(z.read(n).decode() for n in names if n.endswith("METADATA"))
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"reference", "adapters", "teaching", "conformance"}
    assert "conformance/kit/plugin.py" in names and "conformance/kit/test_kit.py" in names
    assert "conformance/kit/starter_backprop.py" in names  # backprop-check --init writes it
    assert "[pytest11]\nconformance.kit.plugin = conformance.kit.plugin" in entry_points
    assert "backprop-check = conformance.kit.cli:main" in entry_points
    assert "Framework :: Pytest" in meta and "License-Expression: MIT" in meta
    assert 'Provides-Extra: kit' in meta and "Project-URL: Issues" in meta


def test_the_kit_from_the_installed_wheel_in_an_empty_folder(dist, tmp_path):
    """ci/kit_check.sh (the reusable workflow's step) installs the wheel in a fresh venv, without torch."""
    wheel, _ = dist
    folder, venv = tmp_path / "course", tmp_path / "venv"
    folder.mkdir()
    shutil.copy(STUDENT, folder / "student.py")
    script = [ROOT / "ci" / "kit_check.sh", "--install", f"{wheel}[kit]", "--venv", venv]

    good = run(["bash", *script, "--spec", "student.py:backprop", "--report", "report.json"], cwd=folder)
    assert good.returncode == 0, good.stdout[-4000:] + good.stderr[-4000:]
    assert "3 passed" in good.stdout and f"backprop-check (backprop-reference) {reference.__version__}" in good.stdout
    assert "Warning" not in good.stdout, good.stdout  # e.g. pytest's "already imported, cannot be rewritten"
    half = run(["bash", *script, "--spec", "student.py:half_cost", "--activations", "identity,sigmoid"], cwd=folder)
    assert half.returncode == 1, half.stdout[-4000:]
    assert "1/2 cost convention" in half.stdout

    # the same verdicts through pytest's own command line, from the same folder
    python = venv / "bin" / "python"
    assert run([python, "-m", "pytest", "--impl=student.py:backprop"], cwd=folder).returncode == 0
    half = run([python, "-m", "pytest", "--impl=student.py:half_cost", "--activations=identity,sigmoid"], cwd=folder)
    assert half.returncode == 1 and "1/2 cost convention" in half.stdout
    assert sorted(p.name for p in folder.iterdir() if p.name != ".pytest_cache") == ["report.json", "student.py"]

    # an unrelated Hypothesis suite in that venv, jax installed: default profile, x64 off, no kit output
    assert run([python, "-m", "pip", "install", "--quiet", "jax"], cwd=folder).returncode == 0
    other = tmp_path / "other_project"
    other.mkdir()
    (other / "test_other.py").write_text(UNRELATED_TEST)
    proc = run([python, "-m", "pytest", "-p", "no:cacheprovider", "-s"], cwd=other)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "2 passed" in proc.stdout
    assert "conformance" not in proc.stdout.replace("backprop-reference", "")
    without = run([python, "-m", "pytest", "-p", "no:cacheprovider", "-s", "-p", "no:conformance.kit.plugin"],
                  cwd=other)  # the same project, the kit's plugin blocked: what Hypothesis chooses by itself
    assert without.returncode == 0, without.stdout[-4000:]
    seen = [line for line in proc.stdout.splitlines() if "PROFILE=" in line]
    assert seen and seen == [line for line in without.stdout.splitlines() if "PROFILE=" in line]


def test_the_sdist_runs_its_own_tests(dist, tmp_path):
    """Unpacked in a fresh venv with torch, jax and the extras installed from the sdist: its tests pass there."""
    _, sdist = dist
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    unpacked, = [p for p in tmp_path.iterdir() if p.is_dir()]
    for needed in ("tests/support/fixed_networks.py", "tests/kit/test_catalog.py", "tests/kit/students/correct.py",
                   "examples/student_notebook.ipynb", "ci/kit_check.sh", ".github/workflows/tests.yml", "docs"):
        assert (unpacked / needed).exists(), needed
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", venv], cwd=tmp_path).returncode == 0
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    assert run([*pip, "torch==2.13.0"], cwd=tmp_path).returncode == 0
    proc = run([*pip, f"{sdist}[all]"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    proc = run([venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=unpacked, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-6000:]


# ------------------------------------------------------------ one verdict for one submission, wherever it runs

SUBMISSIONS = {"correct": f"{STUDENT}:backprop", "half_cost": f"{STUDENT}:half_cost",
               "near_tolerance": f"{ROOT / 'tests' / 'kit' / 'students' / 'tanh_sigmoid.py'}:backprop"}


def _verdicts(command, folder, extra=()):
    """{submission: (passed, per property (outcome, failed check, draws fingerprint))} from backprop-check runs."""
    found = {}
    for name, spec in SUBMISSIONS.items():
        report = folder / f"{name}.json"
        proc = run([*command, spec, "--dtype=float64", f"--report={report}", *extra], cwd=folder)
        assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
        data = __import__("json").loads(report.read_text())
        found[name] = (data["passed"], [(p["outcome"], (p["failure"] or {}).get("check"), p["draws"])
                                        for p in data["properties"]])
    return found


def _venv(path, *installs):
    assert run([sys.executable, "-m", "venv", path], cwd=path.parent).returncode == 0
    for what in installs:
        proc = run([path / "bin" / "python", "-m", "pip", "install", "--quiet", *what], cwd=path.parent)
        assert proc.returncode == 0, proc.stderr[-3000:]
    return [path / "bin" / "python", "-m", "conformance.kit"]


def test_one_verdict_in_four_environments(dist, tmp_path):
    """Editable checkout (torch, jax, autograd installed), wheel with [kit] alone, wheel with [kit] and torch, wheel
    with [all] and autograd: the same networks drawn (fingerprints) and the same verdicts, from different folders,
    with and without -n 2."""
    wheel, _ = dist
    places = {name: tmp_path / name for name in ("editable", "kit", "kit_torch", "all_autograd")}
    for folder in places.values():
        folder.mkdir()
    commands = {
        "editable": ([sys.executable, "-m", "conformance.kit"], ()),
        "kit": (_venv(tmp_path / "v1", [f"{wheel}[kit]"]), ("-n", "2")),
        "kit_torch": (_venv(tmp_path / "v2", ["torch==2.13.0"], [f"{wheel}[kit]"]), ()),
        "all_autograd": (_venv(tmp_path / "v3", ["torch==2.13.0"], [f"{wheel}[all]", "autograd"]), ()),
    }
    seen = {name: _verdicts(cmd, places[name], extra) for name, (cmd, extra) in commands.items()}
    first = seen["editable"]
    assert first["correct"][0] and first["near_tolerance"][0] and not first["half_cost"][0]
    assert [p[1] for p in first["half_cost"][1]] == [None, "values", None]
    for name, verdicts in seen.items():
        assert verdicts == first, (name, verdicts, first)


# ------------------------------------------------------------ the reusable workflow, run as a runner would

STUDENT_WITH_REQUIREMENT = '''"""A correct backprop that needs a package of the course's requirements.txt (PyYAML)."""
import yaml

from backprop_impl import backprop as _backprop

SCALE = yaml.safe_load("scale: 1.0")["scale"]


def backprop(weights, biases, activations, x, y):
    dw, db = _backprop(weights, biases, activations, x, y)
    return [SCALE * g for g in dw], [SCALE * g for g in db]


def half_cost(weights, biases, activations, x, y):
    dw, db = _backprop(weights, biases, activations, x, y)
    return [g / 2 for g in dw], [g / 2 for g in db]
'''


def test_the_reusable_workflow_runs_in_a_simulated_runner(dist, tmp_path):
    """GITHUB_WORKSPACE holds a caller's repository (a student file that imports yaml, requirements.txt naming it),
    RUNNER_TEMP an empty folder, `python` the interpreter setup-python would give: the install step builds one
    venv with the kit (the built wheel, as `kit-install`) and the requirements; the run step passes on the correct
    function and fails the job on the wrong one, every output written."""
    import json
    import xml.etree.ElementTree as ET

    from tests.kit.test_workflow import run_steps

    wheel, _ = dist
    workspace, python_dir = tmp_path / "caller", tmp_path / "setup-python"
    (workspace / "student").mkdir(parents=True)
    python_dir.mkdir()
    (python_dir / "python").symlink_to(sys.executable)
    shutil.copy(STUDENT, workspace / "student" / "backprop_impl.py")
    (workspace / "student" / "backprop.py").write_text(STUDENT_WITH_REQUIREMENT)
    (workspace / "requirements.txt").write_text("pyyaml>=6\n")
    rules = {"kit-install": f"{wheel}[kit]", "requirements": "requirements.txt", "activations": "sigmoid,identity",
             "forbid-imports": "torch,jax", "max-examples": "60", "gradescope-weights": "gradients=8",
             "call-timeout": "30", "max-batch": "4"}

    runner = tmp_path / "runner-good"
    runner.mkdir()
    steps = run_steps({**rules, "spec": "student/backprop.py:backprop"}, workspace, runner, python_dir)
    assert [p.returncode for p in steps] == [0, 0], "\n".join(p.stdout[-3000:] + p.stderr[-3000:] for p in steps)
    out = runner / "conformance-kit"
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] and report["max_examples"] == 60 and report["isolation"]["forbidden_imports"] == [
        "torch", "jax"]
    assert json.loads((out / "results.json").read_text())["score"] == 10.0
    assert ET.parse(out / "junit.xml").getroot().find("testsuite").get("failures") == "0"
    assert "passed" in (runner / "step_summary").read_text()

    runner = tmp_path / "runner-bad"
    runner.mkdir()
    steps = run_steps({**rules, "spec": "student/backprop.py:half_cost"}, workspace, runner, python_dir)
    assert [p.returncode for p in steps] == [0, 1], steps[-1].stdout[-3000:]
    out = runner / "conformance-kit"
    assert json.loads((out / "results.json").read_text())["score"] == 2.0  # contract and purity: 1 each
    assert "1/2 cost convention" in steps[-1].stdout and "FAILED" in (runner / "step_summary").read_text()


# ------------------------------------------------------------ the Gradescope autograder, in a simulated /autograder

def test_the_gradescope_autograder_in_a_simulated_layout(dist, tmp_path):
    """examples/gradescope/ (setup.sh, run_autograder, kit.env) in an /autograder layout under tmp_path: setup builds
    the kit's venv from the wheel; a correct, a wrong and a broken submission each get results.json (10, 2 and 0
    points, the broken one with the kit's reason); a misconfigured autograder says so in results.json."""
    import json

    wheel, _ = dist
    root = tmp_path / "autograder"
    shutil.copytree(ROOT / "examples" / "gradescope", root / "source")
    env = {"AUTOGRADER": str(root), "KIT_REQUIREMENT": f"{wheel}[kit]", "BACKPROP_CHECK_MAX_EXAMPLES": "40"}
    setup = run(["bash", root / "source" / "setup.sh"], cwd=root, env=env)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]

    def grade(source, extra_env=()):
        shutil.rmtree(root / "submission", ignore_errors=True)
        shutil.rmtree(root / "results", ignore_errors=True)
        (root / "submission").mkdir()
        (root / "submission" / "backprop.py").write_text(source)
        proc = run(["bash", root / "source" / "run_autograder"], cwd=root, env={**env, **dict(extra_env)})
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return json.loads((root / "results" / "results.json").read_text()), proc.stdout

    correct = STUDENT.read_text()
    result, _ = grade(correct)
    assert result["score"] == 10.0 and [t["status"] for t in result["tests"]] == ["passed"] * 3
    result, out = grade(correct.replace("def half_cost", "def _unused").replace("def backprop(", "def _right(")
                        + "\n\ndef backprop(*a):\n    dw, db = _right(*a)\n    return [g / 2 for g in dw], db\n")
    assert result["score"] == 2.0 and "FAILED check 'values'" in result["tests"][1]["output"]
    result, _ = grade("def backprop(weights, biases, activations, x, y)\n    return None\n")  # a syntax error
    assert result["score"] == 0.0 and all(t["score"] == 0 for t in result["tests"])
    assert "could not be loaded" in result["tests"][0]["output"] and "SyntaxError" in result["tests"][0]["output"]
    result, _ = grade(correct, {"BACKPROP_CHECK_SIZES": "3"})  # the course's own mistake, not the student's
    assert result["score"] == 0.0 and "misconfigured" in result["output"] and "--sizes=3" in result["output"]
