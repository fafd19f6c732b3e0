"""The kit as courses and CI meet it: fixed architectures, the command, Gradescope, reports under xdist.

The command-line runs are real subprocesses of ``backprop-check`` (``python -m conformance.kit``),
started in an empty folder, on the student files of tests/kit/students/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

import reference
from conformance.core.strategies import cases
from conformance.kit.api import check
from conformance.kit.cli import main as cli_main
from conformance.kit.shape import shape_options

ROOT = Path(__file__).resolve().parents[2]
STUDENT = ROOT / "tests" / "kit" / "students" / "correct.py"
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def kit_command(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("BACKPROP_IMPL", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "conformance.kit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


# ------------------------------------------------------------ which networks are drawn

def test_a_fixed_architecture_is_drawn_exactly_with_varied_values():
    spread = []

    @settings(max_examples=20, deadline=None, database=None)
    @given(case=cases(**shape_options("784,16,16,10", None, None, None).strategy_kwargs()))
    def draw(case):
        assert case.sizes == [784, 16, 16, 10] and 1 <= case.x.shape[0] <= 32  # 8, or 32 in a larger draw
        assert len(np.unique(case.weights[0])) > 1000  # not one fill value repeated over 12544 entries
        assert len(np.unique(case.x)) > case.x.size // 2
        spread.append(np.median(np.abs(case.x @ case.weights[0].T + case.biases[0])))

    draw()
    # weights scaled by fan-in: some draws keep z(1) moderate, others saturate (the extremes, on purpose)
    assert min(spread) < 5 and max(spread) > 20


@settings(max_examples=30, deadline=None, database=None)
@given(case=cases(**shape_options(None, "2", "3", "4").strategy_kwargs()))
def test_depth_width_and_batch_limits_hold(case):
    assert len(case.weights) == 2 and max(case.sizes) <= 3 and case.x.shape[0] <= 4


def test_a_fixed_architecture_passes_and_a_two_layer_function_is_pointed_at_the_options():
    from tests.kit.students.correct import backprop, two_layers_only

    assert check(backprop, sizes=(784, 16, 16, 10), max_examples=10, frameworks=False).passed
    free = check(two_layers_only, activations="sigmoid", max_examples=50, frameworks=False)
    assert not free.passed and free.failure["check"] == "call"
    assert "--sizes=N0,N1,...,NL" in free.report and "--depth=L" in free.report
    assert check(two_layers_only, activations="sigmoid", depth=2, max_examples=50, frameworks=False).passed


# ------------------------------------------------------------ the command, its reports

@pytest.mark.extended  # a full kit run in a subprocess, under xdist
def test_a_failing_run_writes_gradescope_junit_and_the_report_under_xdist(tmp_path):
    proc = kit_command(f"{STUDENT}:half_cost", "--activations=identity,sigmoid", "-n", "2",
                       "--report=report.json", "--gradescope=results.json", "--junitxml=kit.xml",
                       "--gradescope-weights=contract=1,gradients=8,purity=1", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1/2 cost convention" in out

    report = json.loads((tmp_path / "report.json").read_text())
    assert report["schema_version"] == 1 and report["passed"] is False and report["exitstatus"] == 1
    assert report["versions"]["backprop-reference"].startswith(reference.__version__)
    assert {p["property"]: p["outcome"] for p in report["properties"]} == {
        "contract": "passed", "gradients": "failed", "purity": "passed"}
    # gathered from the xdist workers: every example of a passing property, the failing one's until it failed
    assert [p["examples_run"] >= 200 for p in report["properties"]] == [True, False, True]
    gradients = next(p for p in report["properties"] if p["property"] == "gradients")
    assert "1/2 cost convention" in gradients["diagnosis"] and gradients["minimal_case"]["sizes"]

    grade = json.loads((tmp_path / "results.json").read_text())  # Gradescope's documented fields and types
    assert isinstance(grade["score"], float) and grade["score"] == 2.0
    assert grade["visibility"] in GRADESCOPE_VISIBILITY and grade["stdout_visibility"] in GRADESCOPE_VISIBILITY
    assert [t["max_score"] for t in grade["tests"]] == [1.0, 8.0, 1.0]
    for test in grade["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility", "status"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], float) and test["status"] in ("passed", "failed")
        assert test["visibility"] in GRADESCOPE_VISIBILITY
    failed = grade["tests"][1]
    assert failed["score"] == 0.0 and failed["status"] == "failed"
    assert "The smallest failing example" in failed["output"] and "Reproduce" in failed["output"]

    junit = ET.parse(tmp_path / "kit.xml").getroot()
    failures = [f.get("message", "") + (f.text or "") for f in junit.iter("failure")]
    assert len(failures) == 1 and "1/2 cost convention" in failures[0]
    # Hypothesis' files and pytest's cache stay out of the student's folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kit.xml", "report.json", "results.json"]


@pytest.mark.extended  # a full kit run in a subprocess
def test_a_passing_run_says_passed_and_exits_0(tmp_path):
    proc = kit_command(f"{STUDENT}:backprop", "--report=report.json", "--gradescope=results.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"3 passed", proc.stdout)
    assert json.loads((tmp_path / "report.json").read_text())["passed"] is True
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 3.0


def test_a_function_that_raises_is_explained_once(tmp_path):
    proc = kit_command(f"{STUDENT}:two_layers_only", "--activations=sigmoid", "--max-batch=2", cwd=tmp_path)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert out.count("The smallest failing example Hypothesis found") == 1
    assert out.count("its explanation is shown there") == 2


def test_usage_errors_exit_4_and_say_what_is_wrong(tmp_path):
    """4 is the grader's own mistake (an option, a malformed SPEC); a function the file lacks is the submission's."""
    proc = kit_command(f"{STUDENT}:backprop", "--sizes=3", cwd=tmp_path)
    assert proc.returncode == 4 and "--sizes=3: give n(0),n(1),...,n(L)" in proc.stderr
    proc = kit_command("no-colon-here", cwd=tmp_path)
    assert proc.returncode == 4 and "expected MODULE:FUNCTION" in proc.stderr
    proc = kit_command(f"{STUDENT}:nothing", "--report=r.json", cwd=tmp_path)
    assert proc.returncode == 1 and "has no 'nothing'" in proc.stdout
    assert json.loads((tmp_path / "r.json").read_text())["passed"] is False


# ------------------------------------------------------------ one version; the plugin registered once

def test_one_version_everywhere(capsys):
    cff = re.search(r"^version: (\S+)$", (ROOT / "CITATION.cff").read_text(), re.M).group(1)
    assert cff == reference.__version__
    try:
        assert metadata.version("backprop-reference") == reference.__version__
    except metadata.PackageNotFoundError:
        pass  # a checkout run without installing: pyproject reads the version from reference/_version.py
    assert "version = { attr = \"reference._version.__version__\" }" in (ROOT / "pyproject.toml").read_text()
    with pytest.raises(SystemExit):
        cli_main(["--version"])
    from reference.__main__ import main as reference_main
    assert reference_main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.count(reference.__version__) == 2


def test_the_kit_plugin_is_registered_once(pytestconfig):
    from conformance.kit import plugin

    assert [p for p in pytestconfig.pluginmanager.get_plugins() if p is plugin] == [plugin]
