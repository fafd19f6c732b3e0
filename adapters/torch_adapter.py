"""The reference's networks as PyTorch modules and tensors, and their gradients by autograd.

Layout (no transposes: torch stores ``nn.Linear.weight`` as (out, in), like the video's w_jk):

========================  =======================================  =====================
reference                 torch                                    shape
========================  =======================================  =====================
``weights[l-1]`` = w(l)   ``model[2(l-1)].weight``  (nn.Linear)    (n_l, n_{l-1})
``biases[l-1]``  = b(l)   ``model[2(l-1)].bias``                   (n_l,)
``activations[l-1]``      ``model[2(l-1)+1]``: "sigmoid" nn.Sigmoid, "relu" nn.ReLU,
                          "tanh" nn.Tanh, "identity" nn.Identity
``x``, ``y``              tensors with one example per row         (m, n_0), (m, n_L)
========================  =======================================  =====================

The cost is the video's, C = (1/m) sum_i sum_j (a(L)_ij - y_ij)^2 (not ``nn.MSELoss``,
which averages over outputs too).  Inputs are validated by :mod:`reference.checks`
(same errors, same messages), never modified, and results come back as numpy arrays
on the CPU, in the dtype computed in (float64 unless ``dtype=torch.float32``).
"""

from __future__ import annotations

import numpy as np
import torch

from reference import Trace, checks
from reference.errors import ReferenceTypeError, ReferenceValueError

from ._common import detached, own_dtype

MODULES = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "identity": torch.nn.Identity}
_NAME_OF = {cls: name for name, cls in MODULES.items()}
_SIGMA = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh, "identity": lambda z: z}
_TORCH_OF = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}
_NUMPY_OF = {t: n for n, t in _TORCH_OF.items()}


def _dtypes(dtype):
    """(numpy dtype, torch dtype) for torch.float64/float32 or their numpy names."""
    if isinstance(dtype, torch.dtype):
        if dtype not in _NUMPY_OF:
            raise ReferenceTypeError(f"dtype must be float64 or float32, got {dtype}")
        return _NUMPY_OF[dtype], dtype
    np_dtype = checks.compute_dtype(dtype)
    return np_dtype, _TORCH_OF[np_dtype]


def _device(device) -> torch.device:
    """A torch.device for "cpu" or "cuda[:i]", or a clear error when CUDA is missing."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ReferenceValueError(f"device must be 'cpu' or 'cuda', got {device!r}: {exc}") from None
    if dev.type not in ("cpu", "cuda"):
        raise ReferenceValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ReferenceValueError(
            f"device {device!r} asked for, but torch.cuda.is_available() is False "
            f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}): use device='cpu'"
        )
    return dev


def _tensor(arr: np.ndarray, dtype, device, requires_grad=False) -> torch.Tensor:
    """A new tensor holding a copy of `arr` (never sharing the caller's memory)."""
    t = torch.from_numpy(np.array(arr, copy=True)).to(device=device, dtype=dtype)
    return t.requires_grad_(requires_grad)


def _numpy(t: torch.Tensor) -> np.ndarray:
    """A new numpy array on the CPU, same dtype, bit for bit."""
    return t.detach().cpu().numpy().copy()


def to_tensors(weights, biases, *, dtype=None, device="cpu"):
    """(ws, bs): lists of new tensors, ws[i] (n_{i+1}, n_i), bs[i] (n_{i+1},).

    dtype None keeps float32 inputs float32 (else float64); shapes are checked first.
    """
    dev = _device(device)
    weights, biases = detached(weights), detached(biases)  # a tensor that requires grad: its values
    if dtype is None:
        dtype = own_dtype(weights, biases)  # float64 for anything odd: checks.parameters below names it
    np_dtype, t_dtype = _dtypes(dtype)
    ws, bs = checks.parameters(weights, biases, np_dtype)
    return [_tensor(w, t_dtype, dev) for w in ws], [_tensor(b, t_dtype, dev) for b in bs]


def from_tensors(ws, bs):
    """(weights, biases): new numpy arrays on the CPU, each tensor's dtype kept, shapes checked."""
    if not isinstance(ws, (list, tuple)) or not isinstance(bs, (list, tuple)):
        raise ReferenceTypeError(f"ws and bs must be lists of tensors, got {type(ws).__name__}, {type(bs).__name__}")
    for t in list(ws) + list(bs):
        if not isinstance(t, torch.Tensor) or t.dtype not in _NUMPY_OF:
            raise ReferenceTypeError(f"expected float32/float64 torch tensors, got {getattr(t, 'dtype', type(t))}")
    weights, biases = [_numpy(w) for w in ws], [_numpy(b) for b in bs]
    checks.parameters(weights, biases, own_dtype(weights, biases))
    return weights, biases


def to_sequential(weights, biases, activations, *, dtype=torch.float64, device="cpu") -> torch.nn.Sequential:
    """``nn.Sequential(Linear, sigma, Linear, sigma, ...)`` holding copies of the parameters.

    Uses no random numbers (``skip_init``): torch's global RNG is left alone.
    """
    dev = _device(device)
    np_dtype, t_dtype = _dtypes(dtype)
    ws, bs, names = checks.network(detached(weights), detached(biases), activations, np_dtype)
    layers = []
    for w, b, name in zip(ws, bs, names):
        lin = torch.nn.utils.skip_init(torch.nn.Linear, w.shape[1], w.shape[0], dtype=t_dtype, device=dev)
        assert lin.weight.shape == w.shape and lin.bias.shape == b.shape
        with torch.no_grad():
            lin.weight.copy_(_tensor(w, t_dtype, dev))
            lin.bias.copy_(_tensor(b, t_dtype, dev))
        layers += [lin, MODULES[name]()]
    return torch.nn.Sequential(*layers)


def from_sequential(model):
    """(weights, biases, activations) from Linear layers each followed by at most one sigma module.

    A Linear with no sigma after it is "identity"; one with ``bias=False`` gets zero
    biases.  Any other module raises :class:`ReferenceTypeError` naming its index.
    """
    if not isinstance(model, torch.nn.Sequential):
        raise ReferenceTypeError(f"expected a torch.nn.Sequential, got {type(model).__name__}")
    weights, biases, names = [], [], []
    for i, module in enumerate(model):
        if isinstance(module, torch.nn.Linear):
            w = _numpy(module.weight)
            b = _numpy(module.bias) if module.bias is not None else np.zeros(w.shape[0], w.dtype)
            weights.append(w)
            biases.append(b)
            names.append(None)
        elif type(module) in _NAME_OF:
            if not names or names[-1] is not None:
                raise ReferenceValueError(
                    f"model[{i}] is {type(module).__name__} but does not follow a Linear: "
                    "expected Linear, sigma, Linear, sigma, ..."
                )
            names[-1] = _NAME_OF[type(module)]
        else:
            raise ReferenceTypeError(
                f"model[{i}] is {type(module).__name__}: supported modules are nn.Linear and "
                + ", ".join(f"nn.{c.__name__}" for c in MODULES.values())
            )
    names = [n or "identity" for n in names]
    checks.network(weights, biases, names, own_dtype(weights, biases))
    return weights, biases, names


def _run(weights, biases, activations, x, y, dtype, device):
    """Checked tensors and the forward pass: (ws, bs, x, zs, as_, C), all on `device`."""
    dev = _device(device)
    np_dtype, t_dtype = _dtypes(dtype)
    ws, bs, names = checks.network(detached(weights), detached(biases), activations, np_dtype)
    x, y = checks.examples(detached(x), detached(y), ws, np_dtype)
    ws = [_tensor(w, t_dtype, dev, True) for w in ws]
    bs = [_tensor(b, t_dtype, dev, True) for b in bs]
    a = _tensor(x, t_dtype, dev, True)
    zs, as_ = [], [a]
    for w, b, name in zip(ws, bs, names):
        zs.append(torch.nn.functional.linear(as_[-1], w, b))  # z(l) = a(l-1) @ w(l).T + b(l)
        as_.append(_SIGMA[name](zs[-1]))  # a(l) = sigma(z(l))
    C = ((as_[-1] - _tensor(y, t_dtype, dev)) ** 2).sum(dim=1).mean()  # sum over j, mean over examples
    return ws, bs, zs, as_, C


def backprop(weights, biases, activations, x, y, *, dtype=torch.float64, device="cpu"):
    """(dC_dw, dC_db) by ``torch.autograd.grad``: lists shaped like weights (n_l, n_{l-1}), biases (n_l,)."""
    ws, bs, _, _, C = _run(weights, biases, activations, x, y, dtype, device)
    grads = torch.autograd.grad(C, ws + bs)
    L = len(ws)
    return [_numpy(g) for g in grads[:L]], [_numpy(g) for g in grads[L:]]


def backprop_trace(weights, biases, activations, x, y, *, dtype=torch.float64, device="cpu") -> Trace:
    """A :class:`reference.Trace` with every z, a and derivative computed by autograd.

    a[l], dC_da[l] for l = 0..L (a[0] = x, dC_da[0] = dC/dx); z, dC_dz, dC_dw, dC_db
    indexed like weights; all (m, n_l) or parameter-shaped numpy arrays, C a float.
    """
    ws, bs, zs, as_, C = _run(weights, biases, activations, x, y, dtype, device)
    L = len(ws)
    g = [_numpy(t) for t in torch.autograd.grad(C, zs + as_ + ws + bs)]
    return Trace(
        z=[_numpy(z) for z in zs], a=[_numpy(a) for a in as_],
        dC_dz=g[:L], dC_da=g[L:2 * L + 1], dC_dw=g[2 * L + 1:3 * L + 1], dC_db=g[3 * L + 1:],
        C=float(C.detach()),
    )
