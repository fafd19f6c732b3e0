"""--device / --allow-tf32 plumbing, exercised on the CPU with monkeypatched "GPU available" probes.

The suite's cuda runs need a GPU (benchmarks/gpu_check.sh); everything that decides what
runs where, and with which tolerance, is tested here without one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conformance.core import frameworks
from conformance.core.tolerances import TOLERANCES, tolerance
from conformance.suite import device, oracles, plugin

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAVE_TORCH, HAVE_JAX = oracles.availability("torch")[0], oracles.availability("jax")[0]


@pytest.mark.parametrize("text, expected", [("cpu", "cpu"), ("CUDA", "cuda"), (" auto ", "auto")])
def test_parse_device_accepts_the_three_choices(text, expected):
    assert device.parse_device(text) == expected


@pytest.mark.parametrize("text", ["gpu", "tpu", "", "cuda:0"])
def test_parse_device_rejects_anything_else(text):
    with pytest.raises(ValueError, match="--device must be one of cpu, cuda, auto"):
        device.parse_device(text)


def _pretend(monkeypatch, torch_gpu, jax_gpu, installed=("torch", "jax")):
    monkeypatch.setattr(device, "torch_sees_gpu", lambda: torch_gpu)
    monkeypatch.setattr(device, "jax_sees_gpu", lambda: jax_gpu)
    for fw in frameworks.known():
        answer = (True, "(pretend)") if fw.name in installed else (False, f"{fw.name} is not installed (pretend)")
        monkeypatch.setattr(fw, "availability", lambda answer=answer: answer)


@pytest.mark.parametrize("torch_gpu, jax_gpu, expected", [
    (True, True, "cuda"), (True, False, "cpu"), (False, True, "cpu"), (False, False, "cpu")])
def test_auto_is_cuda_only_when_both_frameworks_see_a_gpu(monkeypatch, torch_gpu, jax_gpu, expected):
    _pretend(monkeypatch, torch_gpu, jax_gpu)
    assert device.resolve_device("auto") == expected
    assert device.resolve_device("cpu") == "cpu" and device.resolve_device("cuda") == "cuda"


def test_auto_counts_only_installed_frameworks(monkeypatch):
    _pretend(monkeypatch, False, True, installed=("jax",))
    assert device.resolve_device("auto") == "cuda"
    _pretend(monkeypatch, True, True, installed=())
    assert device.resolve_device("auto") == "cpu"


def test_auto_ignores_cpu_only_frameworks_and_cuda_skips_them(monkeypatch):
    """autograd (numpy) never sees a GPU: it must not hold auto on the CPU, and under cuda it skips, saying why."""
    _pretend(monkeypatch, True, True, installed=("torch", "jax", "autograd"))
    assert device.resolve_device("auto") == "cuda"
    assert "autograd runs on the CPU only" in device.missing_gpu("cuda", "autograd")
    assert device.missing_gpu("cpu", "autograd") is None


def test_cuda_without_a_gpu_gives_a_visible_skip_reason(monkeypatch):
    _pretend(monkeypatch, False, True)
    assert "torch sees no GPU" in device.missing_gpu("cuda", "torch")
    assert device.missing_gpu("cuda", "jax") is None and device.missing_gpu("cpu", "torch") is None
    monkeypatch.setattr(oracles.SETTINGS, "device", "cuda")
    assert "--device=cuda but torch sees no GPU" in plugin.skip_reason("torch")
    assert plugin.skip_reason("jax") is None or not HAVE_JAX


def test_missing_framework_reason_says_how_to_install(monkeypatch):
    _pretend(monkeypatch, False, False, installed=("jax",))
    assert "torch is not installed" in plugin.skip_reason("torch")


@pytest.mark.parametrize("tf32", [False, True])
def test_header_names_device_gpu_and_precision(monkeypatch, tf32):
    _pretend(monkeypatch, True, True, installed=("jax",) if HAVE_JAX else ())
    monkeypatch.setattr(device, "gpu_model", lambda: "NVIDIA H100 80GB HBM3")
    precision = {"jax matmul precision": "DEFAULT (TF32 on GPU)" if tf32 else "HIGHEST",
                 "torch.backends.cuda.matmul.allow_tf32": tf32, "torch.backends.cudnn.allow_tf32": tf32}
    text = "\n".join(device.header_lines(device.environment("cuda", tf32, precision)))
    assert "conformance device: cuda (GPU: NVIDIA H100 80GB HBM3)" in text
    assert f"torch.backends.cuda.matmul.allow_tf32 = {tf32}" in text
    assert f"torch.backends.cudnn.allow_tf32 = {tf32}" in text
    assert ("DEFAULT (TF32 on GPU)" if tf32 else "HIGHEST") in text
    assert ("TF32 allowed" if tf32 else "full float32") in text
    assert f"float32 -> {'float32-tf32' if tf32 else 'float32'!r}" in text and "float64 -> 'float64'" in text
    assert "numpy" in text and "conformance frameworks checked: torch, jax, autograd" in text


def test_cpu_header_says_no_gpu():
    text = "\n".join(device.header_lines(device.environment("cpu", False, device.apply_precision(False))))
    assert "conformance device: cpu (GPU: none (cpu))" in text


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
def test_apply_precision_sets_torch_tf32_flags():
    import torch

    before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    try:
        on = device.apply_precision(True)
        assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
        assert on["torch.backends.cuda.matmul.allow_tf32"] is True and on["jax matmul precision"].startswith("DEFAULT")
        off = device.apply_precision(False)
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
        assert off["jax matmul precision"] == "HIGHEST"
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def test_tf32_selects_its_tolerance_row_for_float32_only():
    assert device.tolerance_rows(False) == {"float64": "float64", "float32": "float32"}
    assert device.tolerance_rows(True) == {"float64": "float64", "float32": "float32-tf32"}
    assert tolerance("float32", tf32=True) is TOLERANCES["float32-tf32"]
    assert tolerance("float64", tf32=True) is TOLERANCES["float64"]


def test_oracle_names_map_devices_and_precision():
    assert oracles.jax_device("cuda") == "gpu" and oracles.jax_device("cpu") == "cpu"
    assert oracles.jax_precision(True) == "default" and oracles.jax_precision(False) == "highest"


@pytest.mark.skipif(not HAVE_JAX, reason="jax is not installed")
def test_jax_adapter_precision_keyword():
    from adapters import jax_adapter as ja
    from reference.errors import ReferenceValueError

    net = ([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
    for p in ("highest", "high", "default"):
        assert ja.backprop(*net, precision=p)[0][0][0, 0] == -1.0
    with pytest.raises(ReferenceValueError, match="precision must be one of"):
        ja.backprop(*net, precision="fastest")


@pytest.mark.parametrize("impl", oracles.IMPLEMENTATIONS)
def test_one_case_on_cuda(impl, monkeypatch):
    """The real thing, where a GPU is lent: one drawn-like case on cuda, float32 and float64."""
    reason = plugin.skip_reason(impl) or device.missing_gpu("cuda", impl)
    if reason:
        pytest.skip(reason)
    from conformance.suite.assertions import assert_trace_agrees
    from conformance.suite.edges import sample_case as _case

    monkeypatch.setattr(oracles.SETTINGS, "device", "cuda")
    for dtype in ("float64", "float32"):
        c = _case().rounded(dtype)
        tol = tolerance(dtype, tf32=oracles.SETTINGS.tf32)
        assert_trace_agrees(c, dtype, tol, dtype, impl, oracles.trace(impl, c, dtype))


@pytest.mark.extended  # two pytest runs in subprocesses: .ci/run's extended step
def test_command_line_cuda_without_gpu_skips_with_reasons_and_header(tmp_path):
    """The header, the summary table and the --conformance-report JSON, as a user's run shows them; scale deselected."""
    if device.torch_sees_gpu() or device.jax_sees_gpu():
        pytest.skip("a GPU is here: the no-GPU path is not what this machine can show")
    path = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "--device=cuda", "--allow-tf32",
         "--hypothesis-profile=dev", f"--conformance-report={path}", "conformance/suite/test_roundtrip.py",
         "conformance/suite/test_scale.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    n = 2 * len(oracles.IMPLEMENTATIONS)
    assert f"{n} deselected" in out, out  # the scale tier: not in a plain run (-m scale or --scale runs it)
    assert "conformance device: cuda" in out and "TF32 allowed" in out, out
    assert "sees no GPU" in out or "not installed" in out, out
    # the summary table has a skipped row per implementation, and the JSON says why
    assert "conformance: examples run and worst error / tolerance" in out and f"JSON report: {path}" in out, out
    data = json.loads(path.read_text())
    assert data["hypothesis_profile"] == "dev" and data["exitstatus"] == 0, data
    assert data["environment"] and all(isinstance(k, str) for k in data["environment"]), data
    rows = {r["implementation"]: r for r in data["results"] if r["property"] == "round_trip"}
    assert set(rows) == set(oracles.IMPLEMENTATIONS) == set(frameworks.DEFAULT), data
    for name, row in rows.items():
        assert row["status"] == "skipped" and row["examples"] == 0 and row["worst"] is None, row
        reason = row["details"]["reason"]
        assert name in reason and ("sees no GPU" in reason or "not installed" in reason
                                   or "runs on the CPU only" in reason) and reason in out, row
        assert any(line.split()[:2] == ["round_trip", name] and line.split()[-1] == "skipped"
                   for line in out.splitlines()), out
    bad = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--device=tpu", "--co", "-q"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 4 and "--device must be one of cpu, cuda, auto" in bad.stderr + bad.stdout


@pytest.mark.extended  # the GPU script's dry run starts torch and jax in subprocesses: .ci/run's extended step
def test_gpu_check_dry_run_finds_the_tools_and_prints_its_plan(tmp_path):
    env = dict(os.environ, PYTHON=sys.executable, OUT=str(tmp_path))
    proc = subprocess.run(["bash", os.path.join(ROOT, "benchmarks", "gpu_check.sh"), "--dry-run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for part in ("== what is installed", "numpy: ", "torch: ", "jax: ", "--device=cuda", "--allow-tf32",
                 "--conformance-report=", "4096,4096,4096,4096,10 --batch 4096"):
        assert part in out, (part, out)


def test_conformance_speed_benchmark_runs(capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("conformance_speed",
                                                  os.path.join(ROOT, "benchmarks", "conformance_speed.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--no-pytest", "--cases", "20", "--unpadded", "1"]) == 0
    assert mod.main(["--large", "8,8,8,2", "--batch", "4", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "reference (numpy)" in out and "cases/s" in out and "large network 8-8-8-2" in out


class _Config:
    def __init__(self, scale=False, markexpr=""):
        self.options = {"scale": scale, "markexpr": markexpr}

    def getoption(self, name, default=None):
        return self.options.get(name, default)


def test_scale_tier_runs_only_when_asked():
    assert not plugin._scale_selected(_Config())
    assert plugin._scale_selected(_Config(scale=True)) and plugin._scale_selected(_Config(markexpr="scale"))
    assert plugin._scale_selected(_Config(markexpr="conformance and scale"))




def test_registry_drives_availability_header_and_kit_oracles(monkeypatch):
    """Every framework comes from the registry: names, skip reasons, the header, the kit's oracles."""
    assert list(frameworks.DEFAULT) == ["torch", "jax", "autograd"] and oracles.IMPLEMENTATIONS is frameworks.NAMES
    for fw in frameworks.known():
        ok, info = fw.availability()
        assert ok or (fw.name in info and "pip install" in info), info
    backprops = frameworks.available_backprops()
    assert set(backprops) == {fw.title for fw in frameworks.known() if fw.availability()[0]}
    net = ([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
    for title, fn in backprops.items():
        dw, db = fn(*net)
        assert dw[0].dtype == np.float64 and dw[0][0, 0] == -1.0 and db[0][0] == -1.0, title
    text = "\n".join(device.header_lines(device.environment("cpu", False, device.apply_precision(False))))
    assert "conformance frameworks checked: " + ", ".join(frameworks.NAMES) in text


class _Session(_Config):
    def __init__(self, args=(), plugins=(), **options):
        self.args, self.options = list(args), {"plugins": list(plugins), **options}


@pytest.mark.parametrize("args, plugins, options, expected", [
    (["conformance.suite"], [], {}, True),                       # pytest --pyargs conformance.suite
    ([os.path.join("site-packages", "conformance", "suite", "test_trace.py")], [], {}, True),
    (["tests"], ["conformance.suite.plugin"], {}, True),        # this project's addopts
    (["tests"], [], {"framework": ["torch"]}, True),
    (["tests"], [], {}, False),                                  # an unrelated project: the plugin stays inert
    (["conformance.suite"], [], {"impl": "mine.py:backprop"}, False),  # a kit run: the kit's plugin has it
])
def test_the_suite_runs_only_where_a_session_asks_for_it(monkeypatch, args, plugins, options, expected):
    monkeypatch.delenv(frameworks.ENV, raising=False)
    monkeypatch.delenv(plugin.KIT_ENV, raising=False)
    assert plugin.wanted(_Session(args, plugins, **options)) is expected
    monkeypatch.setenv(plugin.KIT_ENV, "mine.py:backprop")
    assert plugin.wanted(_Session(args, plugins, **options)) is False
