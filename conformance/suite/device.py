"""``--device=cpu|cuda|auto`` and ``--allow-tf32``: where the frameworks run, at what precision.

The reference always runs in numpy float64 on the CPU.  The frameworks of the registry
(:mod:`conformance.core.frameworks`) run on:

=========  ===========================================================================
option     meaning
=========  ===========================================================================
cpu        torch device "cpu", jax device "cpu", autograd (numpy) (the default)
cuda       torch device "cuda", jax device "gpu"; the tests skip, with the reason,
           when a framework sees no GPU, or runs on the CPU only (autograd)
auto       cuda when every installed framework that can use a GPU sees one, else cpu
=========  ===========================================================================

Precision: full float32 by default (torch ``allow_tf32`` False for matmul and cuDNN;
jax ``precision="highest"``).  ``--allow-tf32`` turns on the fast path (torch
``allow_tf32`` True; jax's default precision) and the suite compares float32 with the
"float32-tf32" row of the tolerance table; float64 never uses TF32 and keeps its row.
Each framework's entry sets and reports its own settings (``Framework.precision``).
Unit tests monkeypatch :func:`sees_gpu` (or ``torch_sees_gpu`` / ``jax_sees_gpu``).
"""

from __future__ import annotations

import platform

import numpy as np

from conformance.core import frameworks
from conformance.core.tolerances import mode_name, tolerance

CHOICES = ("cpu", "cuda", "auto")


def _sees(name: str) -> bool:
    fw = frameworks.get(name)
    return bool(fw.gpu_capable and fw.availability()[0] and fw.sees_gpu())


def torch_sees_gpu() -> bool:
    return _sees("torch")


def jax_sees_gpu() -> bool:
    return _sees("jax")


def sees_gpu(name: str) -> bool:
    """Whether framework `name` is installed and sees a GPU (module attributes: monkeypatchable)."""
    probe = {"torch": torch_sees_gpu, "jax": jax_sees_gpu}.get(name)
    return probe() if probe is not None else _sees(name)


def parse_device(value: str) -> str:
    """Check a --device value (case-insensitive): "cpu", "cuda" or "auto"."""
    v = str(value).strip().lower()
    if v not in CHOICES:
        raise ValueError(f"--device must be one of {', '.join(CHOICES)}, got {value!r}")
    return v


def resolve_device(value: str) -> str:
    """"cpu" or "cuda": auto is cuda only when every installed GPU-capable framework sees a GPU (and one is)."""
    v = parse_device(value)
    if v != "auto":
        return v
    installed = [fw.name for fw in frameworks.selected() if fw.gpu_capable and fw.availability()[0]]
    return "cuda" if installed and all(sees_gpu(n) for n in installed) else "cpu"


def missing_gpu(device: str, name: str) -> str | None:
    """The skip reason when `device` is cuda but framework `name` has no GPU to run on, else None."""
    if device != "cuda":
        return None
    if not frameworks.get(name).gpu_capable:
        return f"--device=cuda but {name} runs on the CPU only: nothing of it to check on a GPU"
    if sees_gpu(name):
        return None
    return f"--device=cuda but {name} sees no GPU on this machine ({platform.node()}): nothing to run there"


def apply_precision(tf32: bool) -> dict:
    """Set every installed framework's precision mode and return the settings in force."""
    out = {}
    for fw in frameworks.selected():
        if fw.availability()[0]:
            out.update(fw.precision(bool(tf32)))
    return out


def gpu_model() -> str:
    """The GPU's name as the first framework that sees one reports it, or "none"."""
    for fw in frameworks.selected():
        if sees_gpu(fw.name):
            return fw.gpu_name() or "?"
    return "none"


def tolerance_rows(tf32: bool) -> dict:
    """{dtype: table key} that the suite compares with under this precision mode."""
    return {d: mode_name(d, tf32=tf32) for d in ("float64", "float32")}


def environment(device: str, tf32: bool, precision: dict) -> dict:
    """Versions, device and precision: the report header and the JSON's "environment"."""
    env = {"numpy": np.__version__, "frameworks": list(frameworks.NAMES)}
    facts = {}
    for fw in frameworks.selected():
        ok, info = fw.availability()
        env[fw.name] = (info + (f" ({fw.spec})" if fw.spec else "")) if ok else "not installed"
        if ok:
            facts.update(fw.environment())
    env.update(facts)
    env["framework facts"] = list(facts)  # the keys each Framework.environment() added: the header's first line
    env["precision settings"] = list(precision)  # the keys Framework.precision() returned: its precision line
    env["device"] = device
    env["gpu"] = gpu_model() if device == "cuda" else "none (cpu)"
    env["tf32"] = bool(tf32)
    env.update(precision)
    env["tolerance rows"] = tolerance_rows(tf32)
    env["float32 tolerance"] = tolerance("float32", tf32=tf32).why
    return env


def header_lines(env: dict) -> list[str]:
    """The lines pytest prints under its own header."""
    names = env.get("frameworks", [])
    versions = ", ".join(f"{k} {env[k]}" for k in ["numpy", *names] if k in env)
    extras = "; ".join(f"{k}: {env[k]}" for k in env.get("framework facts", ()) if k in env)
    lines = [f"conformance: {versions}" + (f"; {extras}" if extras else "")]
    lines.append(f"conformance frameworks checked: {', '.join(names) or 'none'}")
    lines.append(f"conformance device: {env['device']} (GPU: {env['gpu']}); reference: numpy float64 on the CPU")
    prec = "; ".join(f"{k} = {env[k]}" for k in env.get("precision settings", ()) if k in env)
    lines.append(f"conformance precision: {'TF32 allowed' if env['tf32'] else 'full float32'}: {prec}")
    rows = env["tolerance rows"]
    lines.append(f"conformance tolerance rows: float64 -> {rows['float64']!r}, float32 -> {rows['float32']!r}")
    return lines
