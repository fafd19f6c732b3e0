"""``--device=cpu|cuda|auto`` and ``--allow-tf32``: where the frameworks run, at what precision.

The reference always runs in numpy float64 on the CPU.  The frameworks run on:

=========  ===========================================================================
option     meaning
=========  ===========================================================================
cpu        torch device "cpu", jax device "cpu" (the default)
cuda       torch device "cuda", jax device "gpu"; the tests skip, with the reason,
           when either framework sees no GPU
auto       cuda when both installed frameworks see a GPU, else cpu
=========  ===========================================================================

Precision: full float32 by default (torch ``allow_tf32`` False for matmul and cuDNN;
jax ``precision="highest"``).  ``--allow-tf32`` turns on the fast path (torch
``allow_tf32`` True; jax's default precision) and the suite compares float32 with the
"float32-tf32" row of the tolerance table; float64 never uses TF32 and keeps its row.
Everything here takes the probing functions as module attributes, so unit tests can
monkeypatch ``torch_sees_gpu`` / ``jax_sees_gpu``.
"""

from __future__ import annotations

import platform

import numpy as np

from . import oracles
from .tolerances import mode_name, tolerance

CHOICES = ("cpu", "cuda", "auto")


def torch_sees_gpu() -> bool:
    ok, _ = oracles.availability("torch")
    if not ok:
        return False
    import torch

    return bool(torch.cuda.is_available())


def jax_sees_gpu() -> bool:
    ok, _ = oracles.availability("jax")
    if not ok:
        return False
    import jax

    try:
        return len(jax.devices("gpu")) > 0
    except RuntimeError:
        return False


def parse_device(value: str) -> str:
    """Check a --device value (case-insensitive): "cpu", "cuda" or "auto"."""
    v = str(value).strip().lower()
    if v not in CHOICES:
        raise ValueError(f"--device must be one of {', '.join(CHOICES)}, got {value!r}")
    return v


def resolve_device(value: str) -> str:
    """"cpu" or "cuda": auto is cuda only when every *installed* framework sees a GPU (and one is installed)."""
    v = parse_device(value)
    if v != "auto":
        return v
    installed = [n for n in oracles.IMPLEMENTATIONS if oracles.availability(n)[0]]
    sees = {"torch": torch_sees_gpu, "jax": jax_sees_gpu}
    return "cuda" if installed and all(sees[n]() for n in installed) else "cpu"


def missing_gpu(device: str, name: str) -> str | None:
    """The skip reason when `device` is cuda but framework `name` sees no GPU, else None."""
    if device != "cuda":
        return None
    sees = {"torch": torch_sees_gpu, "jax": jax_sees_gpu}[name]
    if sees():
        return None
    return f"--device=cuda but {name} sees no GPU on this machine ({platform.node()}): nothing to run there"


def apply_precision(tf32: bool) -> dict:
    """Set torch's TF32 flags (if torch is installed) and return the precision settings in force."""
    out = {"jax matmul precision": oracles.jax_precision(tf32).upper() + (" (TF32 on GPU)" if tf32 else "")}
    if oracles.availability("torch")[0]:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = bool(tf32)
        torch.backends.cudnn.allow_tf32 = bool(tf32)
        out["torch.backends.cuda.matmul.allow_tf32"] = torch.backends.cuda.matmul.allow_tf32
        out["torch.backends.cudnn.allow_tf32"] = torch.backends.cudnn.allow_tf32
        for where, obj in (("torch.backends.cuda.matmul", torch.backends.cuda.matmul),
                           ("torch.backends.cudnn", torch.backends.cudnn)):
            if hasattr(obj, "fp32_precision"):  # the newer API, reported as it stands after the flags
                out[f"{where}.fp32_precision"] = obj.fp32_precision
        getter = getattr(torch, "get_float32_matmul_precision", None)
        if getter is not None:
            out["torch float32 matmul precision"] = getter()
    return out


def gpu_model() -> str:
    """The GPU's name as torch or jax reports it, or "none"."""
    if torch_sees_gpu():
        import torch

        return torch.cuda.get_device_name(0)
    if jax_sees_gpu():
        import jax

        return jax.devices("gpu")[0].device_kind
    return "none"


def tolerance_rows(tf32: bool) -> dict:
    """{dtype: table key} that the suite compares with under this precision mode."""
    return {d: mode_name(d, tf32=tf32) for d in ("float64", "float32")}


def environment(device: str, tf32: bool, precision: dict) -> dict:
    """Versions, device and precision: the report header and the JSON's "environment"."""
    env = {"numpy": np.__version__}
    for name in oracles.IMPLEMENTATIONS:
        ok, info = oracles.availability(name)
        env[name] = info if ok else "not installed"
    if oracles.availability("jax")[0]:
        import jax

        env["jax x64"] = bool(jax.config.jax_enable_x64)
    env["device"] = device
    env["gpu"] = gpu_model() if device == "cuda" else "none (cpu)"
    env["tf32"] = bool(tf32)
    env.update(precision)
    env["tolerance rows"] = tolerance_rows(tf32)
    env["float32 tolerance"] = tolerance("float32", tf32=tf32).why
    return env


def header_lines(env: dict) -> list[str]:
    """The lines pytest prints under its own header."""
    versions = ", ".join(f"{k} {env[k]}" for k in ("numpy", "torch", "jax") if k in env)
    lines = [f"conformance: {versions}; jax x64: {env.get('jax x64', 'n/a')}"]
    lines.append(f"conformance device: {env['device']} (GPU: {env['gpu']}); reference: numpy float64 on the CPU")
    prec = "; ".join(f"{k} = {env[k]}" for k in env if "tf32" in k.lower() and k != "tf32"
                     or "precision" in k.lower())
    lines.append(f"conformance precision: {'TF32 allowed' if env['tf32'] else 'full float32'}: {prec}")
    rows = env["tolerance rows"]
    lines.append(f"conformance tolerance rows: float64 -> {rows['float64']!r}, float32 -> {rows['float32']!r}")
    return lines
