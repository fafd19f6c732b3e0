"""The teaching commands run, and what they print agrees with the reference.

``python -m reference explain | digits | graph`` are run as a student would
run them (a subprocess, from the repository root so ``teaching/`` is found).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import reference
from reference.__main__ import main as reference_main
from teaching.explain import example

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"(-?\d[\d.]*(?:e[+-]\d+)?)"
GRADIENT_LINE = re.compile(rf"dC0/d([wb])\((\d+)\)(?:_(\d+))? = .* = {NUMBER}$")
DIFFERENCE_LINE = re.compile(rf"max \|difference\| = {NUMBER}$")


def run(*args, timeout=60):
    """``python -m reference ARGS`` from the repository root; returns the finished process."""
    done = subprocess.run([sys.executable, "-m", "reference", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"python -m reference {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
    return done


def explain(capsys, *args):
    """``python -m reference explain ARGS`` in this process (fast); returns what it printed."""
    assert reference_main(["explain", *args]) == 0
    return capsys.readouterr().out


def parse_gradients(text):
    """{("w" or "b", l, index string): value} for every dC0/dw(l)..., dC0/db(l)... line that ends in a number."""
    found = {}
    for line in text.splitlines():
        if m := GRADIENT_LINE.search(line.strip()):
            found[(m[1], int(m[2]), m[3] or "")] = float(m[4])
    return found


@pytest.mark.parametrize("sizes, activations, seed", [
    ("1,1,1,1", "sigmoid", 0),          # the default: the video's chain
    ("1,1,1", "tanh,relu", 3),
    ("2,3,2", "sigmoid", 1),            # sum over paths [08:32]
    ("3,2,2,1", "sigmoid,tanh,identity", 2),
])
def test_explain_prints_the_reference_gradients(sizes, activations, seed, capsys):
    if (sizes, activations, seed) == ("1,1,1,1", "sigmoid", 0):
        out = run("explain").stdout  # once as a student runs it
    else:
        out = explain(capsys, "--sizes", sizes, "--activations", activations, "--seed", str(seed))
    size_list = [int(v) for v in sizes.split(",")]
    names = activations.split(",") * (len(size_list) - 1 if "," not in activations else 1)
    weights, biases, names, x, y = example(size_list, names, seed)
    dC_dw, dC_db = reference.backprop(weights, biases, names, x[None, :], y[None, :])
    printed = parse_gradients(out)
    expected = {}
    for l, (gw, gb) in enumerate(zip(dC_dw, dC_db), start=1):
        chain = gw.shape == (1, 1)
        for (j, k), v in np.ndenumerate(gw):
            expected[("w", l, "" if chain else f"{j}{k}")] = v
        for j, v in enumerate(gb):
            expected[("b", l, "" if chain else f"{j}")] = v
    assert printed.keys() == expected.keys()
    for key, v in expected.items():
        assert printed[key] == pytest.approx(v, rel=1e-5, abs=1e-12), key
    assert float(DIFFERENCE_LINE.search(out.strip().splitlines()[-1])[1]) < 1e-12


def test_explain_names_every_timestamp(capsys):
    out = explain(capsys)
    for stamp in ["[04:07]", "[04:27]", "[04:37]", "[05:58]", "[06:15]", "[03:45]", "[05:46]", "[06:10]", "[06:33]",
                  "[02:01]", "[01:32]"]:
        assert stamp in out
    assert "[08:32]" in explain(capsys, "--sizes", "2,3,2")
    assert len(max(out.splitlines(), key=len)) < 110  # fits a slide


@pytest.mark.parametrize("args, message", [
    (["--sizes", "1,1", "--activations", "relu,tanh"], "--sizes gives L = 1 layers but --activations names 2"),
    (["--activations", "softmax"], "unknown activation 'softmax'"),
    (["--sizes", "1,20,1"], "every size from 1 to 8"),
    (["--sizes", "1"], "--sizes needs at least two sizes n_0,n_1"),
    (["--sizes", "1,a"], "expected whole numbers separated by commas"),
    (["--seed", "-1"], "--seed must be 0 or more"),
])
def test_explain_rejects_bad_options(args, message, capsys):
    with pytest.raises(SystemExit) as e:
        reference_main(["explain", *args])
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_reference_stays_numpy_only():
    """reference/ may import only numpy, itself and the standard library; no file over 300 lines."""
    for path in (ROOT / "reference").glob("*.py"):
        source = path.read_text()
        assert source.count("\n") <= 300, path
        for node in ast.walk(ast.parse(source)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for name in names:
                top = name.split(".")[0]
                assert top == "numpy" or top in sys.stdlib_module_names, f"{path.name} imports {name}"


def test_missing_teaching_dependency_gives_the_install_hint(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "teaching.digits", raising=False)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # importing it now fails like a missing package
    assert reference_main(["digits"]) == 1
    assert 'pip install "backprop-reference[teach]"' in capsys.readouterr().err


def test_usage_and_unknown_command(capsys):
    assert reference_main([]) == 0
    assert "explain" in capsys.readouterr().out
    assert reference_main(["nonsense"]) == 2


def _pngs_ok(paths):
    for path in paths:
        assert path.exists() and path.stat().st_size > 1000, path
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """One short ``python -m reference digits`` run, shared (it takes seconds); verified with torch when it can be."""
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("pictures")
    verify = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("adapters.torch_adapter")
    args = ["--verify-with=torch"] if verify else []
    return out, run("digits", "--epochs", "2", "--limit", "300", "--batch-size", "20", "--out", str(out), *args)


def test_digits_short_run_writes_pictures(digits_run):
    out, done = digits_run
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"held-out test accuracy: [\d.]+% \(\d+ of 60\)", last), last
    assert "100%" in done.stderr  # the progress bar finished
    for name in ("cost.png", "first_layer_weights.png", "gradient_norms.png"):
        _pngs_ok([out / name])
        assert f"wrote {out / name}" in done.stdout


@pytest.mark.parametrize("args, message", [
    (["--eta", "-1"], "--eta must be a finite number > 0"), (["--eta", "nan"], "--eta must be a finite number > 0"),
    (["--epochs", "-1"], "--epochs must be 0 or more"), (["--limit", "9"], "--limit must be at least 10"),
    (["--limit", "10", "--batch-size", "9"], "--batch-size must be from 1 to the 8 training examples"),
])
def test_digits_rejects_bad_options_with_a_usage_error(args, message, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    with pytest.raises(SystemExit) as e:
        reference_main(["digits", *args])
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_digits_small_limit_fits_the_default_batch_size(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    done = run("digits", "--limit", "10", "--epochs", "1", "--out", str(tmp_path))
    assert "batch 8," in done.stdout  # 8 training digits: the batch shrinks from 16 to all of them


def test_graph_writes_the_computation_graph(tmp_path):
    pytest.importorskip("matplotlib")
    done = run("graph", "--out", str(tmp_path))
    _pngs_ok([tmp_path / "chain_graph.png"])
    assert f"wrote {tmp_path / 'chain_graph.png'}" in done.stdout


def test_digits_verify_with_torch(digits_run):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed")
    if importlib.util.find_spec("adapters.torch_adapter") is None:
        pytest.skip("adapters.torch_adapter is not importable")
    m = re.search(rf"(\d+) steps checked, worst \|reference - torch\| = {NUMBER}", digits_run[1].stdout)
    assert m, digits_run[1].stdout
    assert int(m[1]) == 2 * 12 and float(m[2]) < 1e-10  # 240 training rows / 20 a batch, 2 epochs


def test_explain_worked_examples_run():
    """teaching/ is outside pytest's doctest paths: run explain's doctests here."""
    import doctest

    import teaching.explain
    result = doctest.testmod(teaching.explain)
    assert result.attempted > 0 and result.failed == 0


def test_explain_without_teaching_says_how_to_get_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "teaching.explain", None)  # as if teaching/ were not installed
    assert reference_main(["explain"]) == 1
    err = capsys.readouterr().err
    assert "python -m reference explain needs 'teaching.explain'" in err and "reinstall the project" in err
