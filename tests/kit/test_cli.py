"""What users expect of the command: python -m conformance.kit, --init, --max-examples, and every outcome reaching
the grader (results.json, report and JUnit written, exit status 1) when the submission cannot even be imported."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.kit.cli import main as cli_main
from conformance.kit.starter import STARTER

from .test_course import STUDENT, kit_command

ROOT = Path(__file__).resolve().parents[2]


def test_init_writes_the_starter_and_never_overwrites(tmp_path, capsys):
    target = tmp_path / "hw" / "my_backprop.py"
    assert cli_main(["--init", str(target)]) == 0
    assert target.read_text() == STARTER.read_text()
    assert f"backprop-check {target}:backprop" in capsys.readouterr().out
    assert cli_main(["--init", str(target)]) == 4


def test_a_bad_command_line_is_a_usage_error():
    with pytest.raises(SystemExit) as info:
        cli_main(["--dtype=float16", f"{STUDENT}:backprop"])
    assert info.value.code == 4


BROKEN = {
    "syntax": ("def backprop(weights, biases, activations, x, y)\n    return 1\n", "SyntaxError"),
    "missing_module": ("import no_such_module_anywhere\n", "ModuleNotFoundError"),
    "exit_at_import": ("import sys\nsys.exit(3)\n", "SystemExit"),
    "wrong_name": ("def back_prop(weights, biases, activations, x, y):\n    return None\n", "has no 'backprop'"),
    "wrong_signature": ("def backprop(weights, biases):\n    return None\n",
                        "takes (weights, biases); the contract is backprop(weights, biases, activations, x, y)"),
}


def _broken_run(tmp_path, source, *extra):
    (tmp_path / "student.py").write_text(source)
    proc = kit_command("student.py:backprop", "--gradescope=results.json", "--report=report.json",
                       "--junitxml=kit.xml", *extra, cwd=tmp_path)
    return proc, json.loads((tmp_path / "results.json").read_text())


def test_a_submission_that_does_not_import_still_gets_its_results(tmp_path):
    proc, results = _broken_run(tmp_path, BROKEN["syntax"][0])
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert results["score"] == 0.0 and "SyntaxError" in results["tests"][0]["output"]
    assert json.loads((tmp_path / "report.json").read_text())["passed"] is False
    assert ET.parse(tmp_path / "kit.xml").getroot().find("testsuite").get("failures") == "3"
    assert proc.stdout.count("its explanation is shown there") == 2  # explained once, not three times


@pytest.mark.extended  # one subprocess each
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_every_kind_of_broken_submission_scores_0_with_the_reason(tmp_path, kind):
    source, reason = BROKEN[kind]
    proc, results = _broken_run(tmp_path, source)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert results["score"] == 0.0 and all(t["status"] == "failed" for t in results["tests"])
    assert reason in results["tests"][0]["output"], results["tests"][0]["output"]


@pytest.mark.extended  # subprocesses
def test_python_dash_m_and_max_examples(tmp_path):
    proc = kit_command(f"{STUDENT}:backprop", "--max-examples=12", "--report=r.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["max_examples"] == 12 and [p["examples_run"] for p in report["properties"]] == [12] * 3
    assert "passed (12 networks)" in proc.stdout
    proc = kit_command(f"{STUDENT}:half_cost", "--max-examples=30", "--activations=identity", cwd=tmp_path)
    assert proc.returncode == 1 and "gradients  failed on network " in proc.stdout


def test_importing_the_plugin_imports_no_numpy_hypothesis_or_reference():
    """pytest imports the kit's plugin in every project where the wheel is installed: it must cost nothing."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import conformance.kit.plugin"],
                          capture_output=True, text=True, cwd=ROOT)
    loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "conformance.kit.plugin" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("numpy", "hypothesis", "reference")}, sorted(loaded)
    assert not {m for m in loaded if m.startswith("conformance.suite")}


def test_one_option_table_builds_the_command_the_plugin_and_the_api(pytestconfig):
    import inspect

    from conformance.kit import api, options
    from conformance.kit.cli import parser

    cli_flags = {a for action in parser()._actions for a in action.option_strings}
    for o in options.OPTIONS:
        assert ("cli" in o.where) == (o.flag in cli_flags), o.name
        dest = "conformance_report" if o.name == "report" else o.name
        assert ("pytest" in o.where) == (pytestconfig.getoption(dest, default="absent") != "absent"), o.name
        assert ("api" in o.where) == (o.name in inspect.signature(api.check).parameters), o.name
    assert pytestconfig.getoption("impl", default="absent") != "absent"  # --impl keeps its dest


def test_an_api_option_is_named_as_the_caller_wrote_it():
    from conformance.kit.api import check
    from conformance.kit.options import UsageProblem

    with pytest.raises(UsageProblem, match="^max_width=0: expected at least 1"):
        check(lambda *a: None, max_width=0)


@pytest.mark.extended
def test_pictures_of_the_measurement_go_where_asked(tmp_path):
    """--pictures DIR (the option table's): the measured sigma' curves and the factor table as PNG files."""
    pytest.importorskip("matplotlib")
    (tmp_path / "half.py").write_text("import reference\n\n\ndef backprop(weights, biases, activations, x, y):\n"
                                      "    dw, db = reference.backprop(weights, biases, activations, x, y)\n"
                                      "    return [g / 2 for g in dw], [g / 2 for g in db]\n")
    proc = kit_command("half.py:backprop", "--max-examples=10", "--pictures=pics", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    written = sorted(p.name for p in (tmp_path / "pics").iterdir())
    assert "factors.png" in written and "sigma_prime_sigmoid.png" in written, written
    assert all((tmp_path / "pics" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in written)
    assert "Pictures written to pics" in proc.stdout
