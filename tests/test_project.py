"""The project's own house rules, checked like any other behaviour."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STDLIB = set(sys.stdlib_module_names)


def test_reference_imports_only_numpy_and_the_standard_library():
    for path in sorted((ROOT / "reference").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top == "numpy" or top in STDLIB, f"{path.name} imports {name}"


def test_reference_files_read_in_one_sitting():
    for path in sorted((ROOT / "reference").glob("*.py")):
        assert len(path.read_text().splitlines()) <= 300, f"{path.name} is over 300 lines"


def test_citation_has_the_cff_1_2_0_required_keys():
    yaml = pytest.importorskip("yaml", reason="PyYAML reads CITATION.cff")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert {"cff-version", "message", "title", "authors"} <= set(cff)
    assert all("name" in a or "family-names" in a for a in cff["authors"])


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_the_workflows_are_where_github_runs_them():
    assert [p.name for p in WORKFLOWS] == ["conformance-kit.yml", "tests.yml"]
    assert not list((ROOT / "ci").glob("*.yml")), "ci/ holds the scripts the workflows call, not workflows"


@pytest.mark.parametrize("workflow", [p.name for p in WORKFLOWS])
def test_workflows_are_valid_against_githubs_schema(workflow):
    pytest.importorskip("check_jsonschema", reason="check-jsonschema carries GitHub's workflow schema")
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(ROOT / ".github" / "workflows" / workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_reusable_workflow_only_wires_inputs_to_the_ci_script():
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the workflow")
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "conformance-kit.yml").read_text())
    on = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as True
    assert set(on) == {"workflow_call"} and "spec" in on["workflow_call"]["inputs"]
    runs = [s.get("run", "") for s in flow["jobs"]["kit"]["steps"]]
    assert sum("ci/kit_check.sh" in r for r in runs) == 1
    assert "backprop-reference[kit]==$KIT_VERSION" in "".join(runs)  # a pinned version, outside the workspace
    assert flow["jobs"]["kit"]["timeout-minutes"] <= 60


def test_readme_names_the_test_command_that_ci_runs():
    text = (ROOT / "README.md").read_text()
    assert "<!-- test command -->" in text and "Quick start" in text
