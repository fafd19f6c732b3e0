"""The docs cannot drift: the worked examples run, and quoted code is still in the code."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import numpy as np
import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROOT = DOCS.parent


@pytest.mark.parametrize("name", ["teaching.md"])
def test_doc_examples_run(name):
    result = doctest.testfile(str(DOCS / name), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{result.failed} of {result.attempted} examples in {name}"


def test_notation_quotes_the_code_it_names():
    """Every ```python block in notation.md starts with '# <path>'; each of its lines must be in that file."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "notation.md").read_text(), flags=re.S)
    assert len(blocks) >= 8
    for block in blocks:
        first, *lines = block.splitlines()
        path = ROOT / first.removeprefix("# ")
        source = {line.strip() for line in path.read_text().splitlines()}
        for line in lines:
            assert not line.strip() or line.strip() in source, f"{path.name} no longer has: {line.strip()}"


FRAMEWORKS_DOC = DOCS / "frameworks.md"


def doc_example(name: str = "my_engine_check.py") -> str:
    """The ```python block that follows ``<!-- example: NAME -->`` in docs/frameworks.md."""
    text = FRAMEWORKS_DOC.read_text()
    return re.search(rf"<!-- example: {re.escape(name)} -->\n```python\n(.*?)```", text, flags=re.S).group(1)


def test_the_framework_doc_example_is_a_framework_that_passes(tmp_path, monkeypatch):
    """The class written only from the doc's text: every z, a, derivative, one step and the round trip agree on
    the suite's named edges in both dtypes (the whole suite runs on it from the installed wheel, in
    tests/test_packaging_suite.py)."""
    from conformance.core import frameworks
    from conformance.core.tolerances import tolerance
    from conformance.suite import edges, oracles
    from conformance.suite.assertions import assert_step_agrees, assert_trace_agrees

    (tmp_path / "my_engine_check.py").write_text(doc_example())
    monkeypatch.syspath_prepend(str(tmp_path))
    fw = frameworks.load("my_engine_check:MyEngine")
    assert fw.name == "my-engine" and fw.availability()[0]
    monkeypatch.setitem(frameworks._ACTIVE, fw.name, fw)
    for case in (edges.sample_case(), edges.KINK, edges.SATURATED, edges.CANCELLED_KINK, edges.SUBNORMAL):
        for dtype in ("float64", "float32"):
            c, tol = case.rounded(dtype), tolerance(dtype)
            assert_trace_agrees(c, dtype, tol, dtype, fw.name, oracles.trace(fw.name, c, dtype))
            eta = float(np.dtype(dtype).type(0.01))  # what the suite hands over: float32 numbers in float32
            after = oracles.trajectory(fw.name, c, eta, 1, dtype)[1]
            assert_step_agrees(c, eta, dtype, tol, dtype, fw.name, after, 0)
    routes = oracles.round_trips(fw.name, [np.ones((2, 1))], [np.zeros(2)], ["tanh"], np.float64)
    assert set(routes) == {"copy/copy"}


def _normal(text: str) -> str:
    return text.replace("'", '"')


def test_the_framework_doc_states_every_signature_and_report_key():
    """Every public method of Framework with its signature as Python prints it, every Case field, every key of the
    JSON report and of its rows."""
    import inspect

    from conformance.core.frameworks import TRACE_FIELDS, Framework
    from conformance.suite import report

    text = _normal(FRAMEWORKS_DOC.read_text())
    for name, fn in inspect.getmembers(Framework, inspect.isfunction):
        if not name.startswith("_"):
            sig = inspect.signature(fn)
            sig = sig.replace(return_annotation=sig.empty, parameters=[p.replace(annotation=p.empty)
                                                                        for p in sig.parameters.values()])
            assert f"`{name}{_normal(str(sig))}`" in text, name
    for field in ("weights", "biases", "activations", "x", "y", "sizes", "args()"):
        assert f"case.{field}" in text, field
    for key in TRACE_FIELDS:
        assert f"`{key}`" in text, key
    monkey_results, monkey_warnings = dict(report.RESULTS), dict(report.WARNINGS)
    try:
        report.RESULTS.clear()
        report.WARNINGS.clear()
        report.record("p", "fw float64", examples=1, worst=0.5)
        data = __import__("json").loads(report.as_json({"hypothesis_profile": "ci", "max_examples": 200,
                                                         "hypothesis_seed": None, "frameworks": [], "exitstatus": 0}))
    finally:
        report.RESULTS.clear()
        report.RESULTS.update(monkey_results)
        report.WARNINGS.clear()
        report.WARNINGS.update(monkey_warnings)
    for key in [*data, *data["results"][0], "framework", "category", "message", "count",
                "framework facts", "precision settings"]:
        assert f"`{key}`" in text or f"{key}" in text.split("The JSON report's keys:")[1], key
