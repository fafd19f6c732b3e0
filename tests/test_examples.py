"""The examples a student starts from run as shipped: the notebook's cells, in order, in one namespace."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def run_notebook(path: Path) -> dict:
    """Execute every code cell of a .ipynb in order (what 'Run all' does), without Jupyter."""
    namespace: dict = {"__name__": "__notebook__"}
    for number, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{path.name}[cell {number}]", "exec"), namespace)  # noqa: S102
    return namespace


def test_student_notebook_checks_a_function_defined_in_it(capsys):
    ns = run_notebook(ROOT / "examples" / "student_notebook.ipynb")
    assert ns["result"].passed, ns["result"].report
    assert [e["examples_run"] >= 200 for e in ns["result"].properties.values()] == [True] * 3
    wrong = ns["wrong"]
    assert not wrong.passed and wrong.properties["gradients"]["outcome"] == "failed"
    assert "1/2 cost convention" in wrong.diagnosis
    assert "FAILED check 'values'" in wrong.report and "Reproduce" in wrong.report
    assert isinstance(np.asarray(wrong.minimal_case["w"][0]), np.ndarray)
    out = capsys.readouterr().out
    assert "passed: contract (200 networks)" in out and "False" in out
