"""The judge's three layers never import upward, and neither pytest plugin costs an unrelated project anything.

Layers (README, "Layout"): ``reference/`` (the math) <- ``conformance/core/`` (strategies, tolerances,
bounds, naming, the framework registry, mutants, mistakes) <- ``conformance/suite/`` and
``conformance/kit/``, two front ends that never import each other.  Read from the source (every
``import`` statement, those inside functions too, relative ones resolved), not from a run.

The plugins: with the package installed both are pytest entry points, loaded by every pytest run
on the machine.  ``python -X importtime`` lists what such a run imports; in a folder with one
unrelated test, neither plugin may bring in numpy, Hypothesis or the reference.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports (absolute names; `from . import x` counts as the package and package.x)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            found.add(mod)
            found.update(f"{mod}.{alias.name}" for alias in node.names)
    return found


def layer(folder: str) -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted((ROOT / folder).rglob("*.py"))}


def offending(folder: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    out = {}
    for mod, names in layer(folder).items():
        bad = sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))
        if bad:
            out[mod] = bad
    return out


def test_the_import_reader_resolves_relative_imports():
    """The reader itself: a relative import in the suite resolves to its absolute name (else the rules see nothing)."""
    names = imports_of(ROOT / "conformance" / "suite" / "plugin.py")
    assert "conformance.core.settings" in names and "conformance.suite.profiles" in names, names


def test_core_imports_neither_front_end():
    assert offending("conformance/core", ("conformance.suite", "conformance.kit")) == {}


def test_the_suite_never_imports_the_kit():
    assert offending("conformance/suite", ("conformance.kit",)) == {}


def test_the_kit_never_imports_the_suite():
    assert offending("conformance/kit", ("conformance.suite",)) == {}


def test_reference_imports_nothing_of_the_judge_or_the_adapters():
    assert offending("reference", ("conformance", "adapters", "teaching")) == {}


HEAVY = ("numpy", "hypothesis", "reference")
PLUGINS = {"suite": "conformance.suite.plugin", "kit": "conformance.kit.plugin"}
RUNNER = """
import json, sys
import pytest
code = pytest.main(sys.argv[2:])
json.dump({"code": int(code), "modules": sorted(sys.modules)}, open(sys.argv[1], "w"))
"""


def unrelated_run(tmp_path: Path, blocked: tuple[str, ...]) -> tuple[set[str], dict[str, int]]:
    """What `python -X importtime` running pytest on one unrelated test imports: (every module, {module:
    cumulative microseconds of the imports -X importtime saw}), with the plugins in `blocked` left out."""
    run = tmp_path / ("run-" + "-".join(sorted(blocked)) if blocked else "run-all")
    run.mkdir()
    (run / "pytest.ini").write_text("[pytest]\n")
    (run / "test_unrelated.py").write_text("def test_unrelated():\n    assert 1 + 1 == 2\n")
    (run / "runner.py").write_text(RUNNER)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "BACKPROP_IMPL", "CONFORMANCE_FRAMEWORK", "PYTEST_ADDOPTS")}
    blocks = [arg for name in blocked for arg in ("-p", f"no:{name}")]
    proc = subprocess.run([sys.executable, "-X", "importtime", "runner.py", "out.json", "-q", "-p",
                           "no:cacheprovider", *blocks], cwd=run, env=env, capture_output=True, text=True, timeout=120)
    data = json.loads((run / "out.json").read_text())
    assert data["code"] == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr[-3000:]
    times = {}
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "imported package" not in line:
            _, cumulative, name = line.split("|")
            times[name.strip()] = int(cumulative)
    return set(data["modules"]), times


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> set[str]:
    """What the unrelated run imports with both plugins blocked (Hypothesis' own plugin imports a part of it)."""
    return unrelated_run(tmp_path_factory.mktemp("bare"), tuple(PLUGINS.values()))[0]


def _check_plugin_alone(tmp_path, bare, which):
    """The run with this plugin (the other one blocked) imports nothing heavy that the run without both does not."""
    other = tuple(name for key, name in PLUGINS.items() if key != which)
    modules, times = unrelated_run(tmp_path, other)
    assert PLUGINS[which] in modules and PLUGINS[which] not in bare, "not loaded: is the wheel installed?"
    ours = modules - bare
    heavy = sorted(m for m in ours if m.split(".")[0] in HEAVY)
    cost = sum(times.get(m, 0) for m in ours if "." not in m or m.rpartition(".")[0] not in ours)
    assert not heavy, f"{PLUGINS[which]} makes an unrelated run import {heavy[:12]} ({cost / 1000:.0f} ms of imports)"
    assert cost < 50_000, f"{PLUGINS[which]} costs an unrelated run {cost / 1000:.0f} ms of imports: {sorted(ours)}"


def test_the_suite_plugin_imports_nothing_heavy_in_an_unrelated_run(tmp_path, bare):
    _check_plugin_alone(tmp_path, bare, "suite")


def test_the_kit_plugin_imports_nothing_heavy_in_an_unrelated_run(tmp_path, bare):
    _check_plugin_alone(tmp_path, bare, "kit")


@pytest.mark.parametrize("order", [("conformance.suite.plugin", "conformance.kit.plugin"),
                                   ("conformance.kit.plugin", "conformance.suite.plugin")],
                         ids=["suite-first", "kit-first"])
def test_the_plugins_load_in_either_order(tmp_path, order):
    """Neither plugin depends on hook order: both register --conformance-report only if the other has not."""
    (tmp_path / "test_unrelated.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    args = [a for name in order for a in ("-p", name)]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args,
                           "--conformance-report=r.json"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "1 passed" in proc.stdout
