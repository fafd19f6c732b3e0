"""The implementations the suite checks the reference against: torch autograd and jax.grad.

Each is optional.  :func:`availability` says whether it imports (and, if not, why: the
skip reason); the functions below run a drawn :class:`~conformance.suite.strategies.Case`
through it on the device and precision chosen by ``--device`` / ``--allow-tf32``
(:data:`SETTINGS`, filled by the plugin) and return numpy float64 results.

=============  ===============================  ====================================
oracle         gradients                        gradient descent
=============  ===============================  ====================================
torch          ``adapters.torch_adapter``       ``torch.optim.SGD`` on the
               (``torch.autograd.grad``)        ``nn.Sequential`` of the network
jax            ``adapters.jax_adapter``,        a plain jitted update
               padded to (6, 8, 4): one         ``w - eta * jax.grad(C)(w)``,
               compilation per dtype            ``lax.scan`` over the steps
=============  ===============================  ====================================
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

import numpy as np

IMPLEMENTATIONS = ("torch", "jax")
PAD = (6, 8, 4)  # (width, batch, depth): covers every drawn case, see strategies.LIMITS


@dataclass
class Settings:
    """What the plugin chose: the device ("cpu"/"cuda") and whether TF32 is allowed."""

    device: str = "cpu"
    tf32: bool = False


SETTINGS = Settings()


@functools.cache
def availability(name: str) -> tuple[bool, str]:
    """(True, version) if the framework imports, else (False, the reason to skip with)."""
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # ImportError, or a broken install
        return False, f"{name} is not installed ({type(exc).__name__}: {exc}); pip install {name} to check it"
    if name == "jax":
        module.config.update("jax_enable_x64", True)
    return True, getattr(module, "__version__", "?")


def jax_device(device: str):
    """The jax adapter's name for a device: cuda -> "gpu", cpu -> "cpu"."""
    return {"cpu": "cpu", "cuda": "gpu"}[device]


def jax_precision(tf32: bool) -> str:
    """JAX matmul precision: "highest" (full float32) unless TF32 is allowed ("default")."""
    return "default" if tf32 else "highest"


def _pad(case):
    if SETTINGS.tf32:  # pass-through depth padding would round a(l) to TF32 once per added layer
        return PAD[:2]
    return PAD if len(case.weights) <= PAD[2] and max(case.sizes) <= PAD[0] and case.x.shape[0] <= PAD[1] else None


def _f64(t):
    return [np.asarray(a, np.float64) for a in t]


def trace(name: str, case, dtype):
    """A :class:`reference.Trace` of the case by the framework, in `dtype`, as float64 numpy."""
    import reference

    if name == "torch":
        import torch

        from adapters import torch_adapter as ta

        t = ta.backprop_trace(*case.args(), dtype=getattr(torch, np.dtype(dtype).name), device=SETTINGS.device)
    elif name == "jax":
        from adapters import jax_adapter as ja

        t = ja.backprop_trace(*case.args(), dtype=dtype, device=jax_device(SETTINGS.device), pad_to=_pad(case),
                              precision=jax_precision(SETTINGS.tf32))
    else:
        raise ValueError(name)
    return reference.Trace(z=_f64(t.z), a=_f64(t.a), dC_dz=_f64(t.dC_dz), dC_da=_f64(t.dC_da),
                           dC_dw=_f64(t.dC_dw), dC_db=_f64(t.dC_db), C=float(t.C))


def trajectory(name: str, case, eta: float, steps: int, dtype):
    """[(weights, biases)] after 0, 1, ..., steps steps of gradient descent by the framework."""
    if name == "torch":
        return _torch_trajectory(case, eta, steps, dtype)
    if name == "jax":
        return _jax_trajectory(case, eta, steps, dtype)
    raise ValueError(name)


def _torch_trajectory(case, eta, steps, dtype):
    import torch

    from adapters import torch_adapter as ta

    t_dtype = getattr(torch, np.dtype(dtype).name)
    model = ta.to_sequential(case.weights, case.biases, case.activations, dtype=t_dtype, device=SETTINGS.device)
    x = torch.tensor(case.x, dtype=t_dtype, device=SETTINGS.device)
    y = torch.tensor(case.y, dtype=t_dtype, device=SETTINGS.device)
    opt = torch.optim.SGD(model.parameters(), lr=eta)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]

    def state():
        return ([lin.weight.detach().cpu().numpy().astype(np.float64) for lin in linears],
                [lin.bias.detach().cpu().numpy().astype(np.float64) for lin in linears])

    states = [state()]
    for _ in range(steps):
        opt.zero_grad()
        C = ((model(x) - y) ** 2).sum(dim=1).mean()  # the video's C: sum over outputs, mean over examples
        C.backward()
        opt.step()
        states.append(state())
    return states


@functools.cache
def _jax_scan():
    import jax
    from jax import lax

    from adapters import _jax_core

    @functools.partial(jax.jit, static_argnames=("steps", "precision"))
    def run(ws, bs, codes, masks, rmask, count, x, y, eta, steps, precision):
        live = [(codes[i] != _jax_core.PAD) * masks[i + 1] for i in range(len(ws))]

        def one(params, _):
            gw, gb = jax.grad(
                lambda p: _jax_core._cost(p, (None, None), codes, masks, rmask, count, x, y, precision)[0])(params)
            ws, bs = params
            # w <- w - eta dC/dw: the plain update; padding rows/columns are held at 0
            new = ([w - eta * g * (k[:, None] * m[None, :]) for w, g, k, m in zip(ws, gw, live, masks)],
                   [b - eta * g * k for b, g, k in zip(bs, gb, live)])
            return new, new

        return lax.scan(one, (ws, bs), None, length=steps)[1]

    return run


def _jax_trajectory(case, eta, steps, dtype):
    import jax

    from adapters import jax_adapter as ja

    args, sizes, _, dt = ja._prepare(*case.args(), dtype, jax_device(SETTINGS.device), _pad(case))
    ws_t, bs_t = jax.device_get(_jax_scan()(*args, np.asarray(eta, dt), steps=steps,
                                            precision=jax_precision(SETTINGS.tf32)))
    L = len(case.weights)
    states = [([np.asarray(w, np.float64) for w in case.weights], [np.asarray(b, np.float64) for b in case.biases])]
    for t in range(steps):
        states.append(([np.asarray(ws_t[i][t][:sizes[i + 1], :sizes[i]], np.float64) for i in range(L)],
                       [np.asarray(bs_t[i][t][:sizes[i + 1]], np.float64) for i in range(L)]))
    return states


def round_trips(name: str, weights, biases, activations, dtype):
    """{route: (weights, biases[, activations])} after a trip into the framework and back."""
    if name == "torch":
        import torch

        from adapters import torch_adapter as ta

        t_dtype = getattr(torch, np.dtype(dtype).name)
        ws = [w.astype(dtype) for w in weights]
        bs = [b.astype(dtype) for b in biases]
        return {
            "to_sequential/from_sequential": ta.from_sequential(
                ta.to_sequential(ws, bs, activations, dtype=t_dtype, device=SETTINGS.device)),
            "to_tensors/from_tensors": ta.from_tensors(*ta.to_tensors(ws, bs, device=SETTINGS.device)),
        }
    if name == "jax":
        from adapters import jax_adapter as ja

        ws = [w.astype(dtype) for w in weights]
        bs = [b.astype(dtype) for b in biases]
        return {
            "to_pytree/from_pytree": ja.from_pytree(ja.to_pytree(ws, bs)),
            "to_flax/from_flax": ja.from_flax(ja.to_flax(ws, bs)),
        }
    raise ValueError(name)
