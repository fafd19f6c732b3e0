"""The reusable workflow (.github/workflows/conformance-kit.yml): linted, wired to every course rule, and its
shell steps run as GitHub would (tests/test_packaging.py::test_the_reusable_workflow_runs_in_a_simulated_runner,
with the built wheel)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conformance.kit import ci, options

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
REUSABLE = ROOT / ".github" / "workflows" / "conformance-kit.yml"


# actionlint over every workflow: tests/test_project.py::test_workflows_pass_actionlint.


def load_workflow(path=REUSABLE):
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the workflow")
    flow = yaml.safe_load(path.read_text())
    return flow, (flow[True] if True in flow else flow["on"])["workflow_call"]["inputs"]


def test_nothing_is_checked_out_but_the_callers_repository():
    flow, _ = load_workflow()
    for step in flow["jobs"]["kit"]["steps"]:
        if step.get("uses", "").startswith("actions/checkout"):
            assert not set(step.get("with", {})) & {"repository", "path", "ref"}, step


def test_every_course_rule_is_an_input_wired_to_the_kit():
    """Each option of the kit's table a course sets (not the outputs) is an input, passed as its variable."""
    flow, inputs = load_workflow()
    env = next(s["env"] for s in flow["jobs"]["kit"]["steps"] if "backprop-check ci" in s.get("run", ""))
    for o in options.OPTIONS:
        if "cli" not in o.where or o.name in ci.OUTPUTS or o.name in ("hypothesis_dir", "pictures"):  # not course rules
            continue
        name = o.name.replace("_", "-")
        assert name in inputs, name
        assert env[f"{ci.PREFIX}{o.name.upper()}"] == "${{ inputs." + name + " }}"
    assert env[f"{ci.PREFIX}SPEC"] == "${{ inputs.spec }}"
    used = set(re.findall(r"inputs\.([\w-]+)", REUSABLE.read_text()))
    assert used <= set(inputs), used - set(inputs)  # every expression names a declared input
    assert set(inputs) <= used, set(inputs) - used  # and every input is used


def test_the_ci_step_maps_variables_to_options(tmp_path):
    environ = {"BACKPROP_CHECK_SPEC": "student.py:backprop", "BACKPROP_CHECK_SIZES": "784,16,16,10",
               "BACKPROP_CHECK_FORBID_IMPORTS": "torch,jax", "BACKPROP_CHECK_DEPTH": "", "BACKPROP_CHECK_WORKERS": "2"}
    args = ci.command_line(environ, tmp_path)
    assert args[0] == "student.py:backprop" and "--sizes=784,16,16,10" in args and "--forbid-imports=torch,jax" in args
    assert not any(a.startswith("--depth") for a in args) and args[-2:] == ["-n", "2"]
    assert f"--gradescope={tmp_path.resolve() / 'results.json'}" in args
    with pytest.raises(SystemExit):
        ci.command_line({}, tmp_path)


def evaluate(text, values):
    """A workflow string with its ${{ inputs.X }} / ${{ runner.temp }} expressions replaced by `values`."""
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: values[m.group(1)], str(text))


def run_steps(workflow_inputs, workspace, runner_temp, python_dir, timeout=1200):
    """Run the reusable workflow's shell steps as a runner does: GITHUB_WORKSPACE, RUNNER_TEMP, GITHUB_PATH
    (prepended to PATH for later steps), GITHUB_STEP_SUMMARY; `bash --noprofile --norc -eo pipefail`.
    The `uses:` steps are the runner's (checkout: the workspace is laid out already; setup-python: `python_dir`
    holds `python`).  Returns the CompletedProcess of each run step, stopping at the first that fails."""
    flow, inputs = load_workflow()
    values = {f"inputs.{k}": str(workflow_inputs.get(k, v.get("default", ""))) for k, v in inputs.items()}
    values["runner.temp"] = str(runner_temp)
    github_path, summary = runner_temp / "github_path", runner_temp / "step_summary"
    github_path.touch()
    summary.touch()
    done = []
    for step in flow["jobs"]["kit"]["steps"]:
        if "run" not in step:
            continue
        extra = [line for line in github_path.read_text().splitlines() if line]
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "BACKPROP_IMPL",
                                                                  "PYTEST_ADDOPTS")}
        env.update({"GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(runner_temp),
                    "GITHUB_PATH": str(github_path), "GITHUB_STEP_SUMMARY": str(summary),
                    "PATH": os.pathsep.join([*reversed(extra), str(python_dir), env.get("PATH", "")])})
        env.update({k: evaluate(v, values) for k, v in step.get("env", {}).items()})
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", evaluate(step["run"], values)],
                              cwd=workspace, env=env, capture_output=True, text=True, timeout=timeout)
        done.append(proc)
        if proc.returncode != 0:
            break
    return done
