"""The registry of frameworks: everything the suite, the kit and the benchmarks know about one.

A framework is a :class:`Framework`: a name, whether it is available here (and, if not, the
reason to skip with), whether it sees a GPU, its precision setup and header lines, and the
four things the properties ask of it:

==============================  =============================================================
method                          what it returns (numpy arrays, any float dtype)
==============================  =============================================================
``trace(case, dtype, ...)``     every z(l), a(l), dC/dz(l), dC/da(l), dC/dw(l), dC/db(l) and C
                                (a :class:`reference.Trace`, or anything with those attributes)
``trajectory(case, eta, n)``    [(weights, biases)] after 0, 1, ..., n steps of its own
                                gradient descent (default: :meth:`Framework.step` n times)
``round_trips(w, b, acts)``     {route: (weights, biases[, activations])} after a trip into
                                the framework's own objects and back (default: none)
``backprop(w, b, acts, x, y)``  (dC_dw, dC_db) in float64: the kit's oracle contract
==============================  =============================================================

``case`` is a :class:`conformance.core.strategies.Case` (weights[i] (n_{i+1}, n_i), biases,
activations, x (m, n_0), y (m, n_L), ``case.args()``); ``dtype`` is "float64" or "float32";
the keywords ``device`` ("cpu"/"cuda") and ``tf32`` say where and how to run.

The suite checks the frameworks in :data:`NAMES` (torch, jax and autograd by default; each is
skipped, with the reason, where it does not import).  ``pytest --framework=SPEC`` (repeatable,
or comma-separated; or the environment variable ``CONFORMANCE_FRAMEWORK``) checks exactly the
frameworks named instead: SPEC is a built-in name or ``MODULE:CLASS``, a :class:`Framework`
subclass importable from the current directory, e.g. ``--framework=my_project.check:MyEngine``.
docs/frameworks.md has the steps for adding one.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys

import numpy as np

from .settings import ENV, SETTINGS, Settings  # noqa: F401  (re-exported: the suite's plugin reads them numpy-free)

PAD = (6, 8, 4)  # (width, batch, depth) the jax entry pads to: covers every drawn case, see strategies.LIMITS


def _f64(arrays):
    return [np.asarray(a, np.float64) for a in arrays]


TRACE_FIELDS = ("z", "a", "dC_dz", "dC_da", "dC_dw", "dC_db", "C")


def as_trace(t):
    """A :class:`reference.Trace` from what a framework's ``trace`` returned.

    Any of the shapes docs/frameworks.md allows: a :class:`reference.Trace`, a mapping with
    the keys :data:`TRACE_FIELDS` (extra keys ignored), or any object with those attributes
    (a dataclass, a namedtuple, a ``SimpleNamespace``); each per-layer field a list or tuple
    of arrays (numpy or anything ``np.asarray`` reads), ``C`` a number or a 0-d array.
    """
    import reference

    if isinstance(t, reference.Trace):
        return t
    get = t.get if hasattr(t, "keys") else (lambda k, d=None: getattr(t, k, d))
    missing = [k for k in TRACE_FIELDS if get(k, None) is None]
    if missing:
        raise TypeError(f"trace() returned a {type(t).__name__} without {', '.join(missing)}: return a dict with "
                        f"the keys {', '.join(TRACE_FIELDS)}, or an object with those attributes (docs/frameworks.md)")
    return reference.Trace(**{k: (get(k) if k == "C" else list(get(k))) for k in TRACE_FIELDS})


class Framework:
    """One framework the suite checks; subclass it (see the module docstring and docs/frameworks.md).

    Only :attr:`name` and :meth:`trace` are required; :meth:`step` (or :meth:`trajectory`) and
    :meth:`round_trips` make the gradient-descent and round-trip properties check the framework's
    own optimizer and conversions instead of the default ones.
    """

    name = "?"
    #: the module whose import makes the framework available (None: always available)
    module: str | None = None
    #: what to install, for the skip reason
    install = ""
    #: how the kit's failure messages name it when it is asked as an oracle
    title = ""
    #: whether it can run on a GPU (a CPU-only framework is skipped under --device=cuda)
    gpu_capable = False
    #: "module:Class" when loaded from outside the project (set by :func:`load`)
    spec = ""
    _available = None  # (ok, version or reason) once asked: a subclass's own __init__ need not call ours

    # -- availability, devices, precision -------------------------------------------------
    def availability(self) -> tuple[bool, str]:
        """(True, version) when it imports (and then :meth:`start` has run), else (False, the skip reason)."""
        if self._available is None:
            if self.module is None:
                self._available = (True, self.version())
            else:
                try:
                    importlib.import_module(self.module)
                except Exception as exc:  # ImportError, or a broken install
                    hint = f"; pip install {self.install or self.module} to check it"
                    self._available = (False, f"{self.name} is not installed ({type(exc).__name__}: {exc}){hint}")
                else:
                    self.start()
                    self._available = (True, self.version())
        return self._available

    def version(self) -> str:
        """The version the header and the report show: the module's ``__version__``, else the version of the
        installed distribution that provides it (``importlib.metadata``), else "unknown"; without a
        :attr:`module`, the class's own ``__version__`` or "unknown"."""
        if not self.module:
            return str(getattr(self, "__version__", "unknown"))
        found = getattr(importlib.import_module(self.module), "__version__", None)
        return str(found) if found is not None else _distribution_version(self.module)

    def start(self) -> None:
        """Session setup, once, before anything runs (jax: turn on x64)."""

    def sees_gpu(self) -> bool:
        return False

    def gpu_name(self) -> str | None:
        return None

    def precision(self, tf32: bool) -> dict:
        """Apply the precision mode (TF32 allowed or not); return the settings in force, for the header."""
        return {}

    def environment(self) -> dict:
        """Extra header facts (jax: x64)."""
        return {}

    # -- the properties --------------------------------------------------------------------
    def trace(self, case, dtype, *, device="cpu", tf32=False):
        raise NotImplementedError(f"{type(self).__name__} must define trace(case, dtype, *, device, tf32)")

    def step(self, case, eta, dtype, *, device="cpu", tf32=False):
        """(weights, biases) after one plain step w <- w - eta dC/dw, computed in `dtype` from :meth:`trace`."""
        t = as_trace(self.trace(case, dtype, device=device, tf32=tf32))
        dt = np.dtype(dtype)
        lr = np.asarray(eta, dt)
        return ([(np.asarray(w, dt) - lr * np.asarray(g, dt)) for w, g in zip(case.weights, t.dC_dw)],
                [(np.asarray(b, dt) - lr * np.asarray(g, dt)) for b, g in zip(case.biases, t.dC_db)])

    def trajectory(self, case, eta, steps, dtype, *, device="cpu", tf32=False):
        """[(weights, biases)] after 0, 1, ..., steps steps of gradient descent."""
        states = [(list(case.weights), list(case.biases))]
        for _ in range(steps):
            states.append(self.step(case.with_params(*states[-1]), eta, dtype, device=device, tf32=tf32))
        return states

    def round_trips(self, weights, biases, activations, dtype, *, device="cpu") -> dict:
        return {}

    def backprop(self, weights, biases, activations, x, y):
        """(dC_dw, dC_db) in float64 on the CPU: the contract of the kit's oracles."""
        from .strategies import Case

        t = as_trace(self.trace(Case(list(weights), list(biases), list(activations), np.asarray(x),
                                     np.asarray(y)), "float64"))
        return _f64(t.dC_dw), _f64(t.dC_db)

    # -- the reproduction ------------------------------------------------------------------
    def _handle(self) -> str:
        return self.spec or self.name

    def reproduction(self, dtype: str, *, show: str | None = None, step: float | None = None) -> list[str]:
        """Lines of a snippet that print this framework's numbers, given weights, biases, activations, x, y.

        ``show`` is an expression on a trace called ``{}`` (e.g. ``{}.dC_dw[1][(1, 0)]``);
        ``step`` an eta: print the state after one step of gradient descent instead.
        """
        head = [
            "from conformance.core import frameworks",
            "from conformance.core.strategies import Case",
            f"fw = frameworks.load({self._handle()!r})",
            "case = Case(weights, biases, activations, x, y)",
        ]
        if step is None:
            body = [f"t = frameworks.as_trace(fw.trace(case, {np.dtype(dtype).name!r}))",
                    f"print({self.name!r}, " + show.format("t") + ")"]
        else:
            body = [f"print({self.name!r}, fw.trajectory(case, {step!r}, 1, {np.dtype(dtype).name!r})[1])"]
        return head + body

    def __repr__(self):
        return f"<framework {self.name}{' from ' + self.spec if self.spec else ''}>"


class Torch(Framework):
    """torch autograd (``adapters.torch_adapter``); gradient descent by ``torch.optim.SGD``."""

    name, module, install, title, gpu_capable = "torch", "torch", "torch", "torch autograd", True

    def sees_gpu(self):
        import torch

        return bool(torch.cuda.is_available())

    def gpu_name(self):
        import torch

        return torch.cuda.get_device_name(0)

    def precision(self, tf32):
        import torch

        torch.backends.cuda.matmul.allow_tf32 = bool(tf32)
        torch.backends.cudnn.allow_tf32 = bool(tf32)
        out = {"torch.backends.cuda.matmul.allow_tf32": torch.backends.cuda.matmul.allow_tf32,
               "torch.backends.cudnn.allow_tf32": torch.backends.cudnn.allow_tf32}
        for where, obj in (("torch.backends.cuda.matmul", torch.backends.cuda.matmul),
                           ("torch.backends.cudnn", torch.backends.cudnn)):
            if hasattr(obj, "fp32_precision"):  # the newer API, reported as it stands after the flags
                out[f"{where}.fp32_precision"] = obj.fp32_precision
        getter = getattr(torch, "get_float32_matmul_precision", None)
        if getter is not None:
            out["torch float32 matmul precision"] = getter()
        return out

    @staticmethod
    def _dtype(dtype):
        import torch

        return getattr(torch, np.dtype(dtype).name)

    def trace(self, case, dtype, *, device="cpu", tf32=False):
        from adapters import torch_adapter as ta

        return ta.backprop_trace(*case.args(), dtype=self._dtype(dtype), device=device)

    def trajectory(self, case, eta, steps, dtype, *, device="cpu", tf32=False):
        import torch

        from adapters import torch_adapter as ta

        t_dtype = self._dtype(dtype)
        model = ta.to_sequential(case.weights, case.biases, case.activations, dtype=t_dtype, device=device)
        x = torch.tensor(case.x, dtype=t_dtype, device=device)
        y = torch.tensor(case.y, dtype=t_dtype, device=device)
        opt = torch.optim.SGD(model.parameters(), lr=eta)
        states = [ta.from_sequential(model)[:2]]
        for _ in range(steps):
            opt.zero_grad()
            C = ((model(x) - y) ** 2).sum(dim=1).mean()  # the video's C: sum over outputs, mean over examples
            C.backward()
            opt.step()
            states.append(ta.from_sequential(model)[:2])
        return states

    def round_trips(self, weights, biases, activations, dtype, *, device="cpu"):
        from adapters import torch_adapter as ta

        ws = [w.astype(dtype) for w in weights]
        bs = [b.astype(dtype) for b in biases]
        return {
            "to_sequential/from_sequential": ta.from_sequential(
                ta.to_sequential(ws, bs, activations, dtype=self._dtype(dtype), device=device)),
            "to_tensors/from_tensors": ta.from_tensors(*ta.to_tensors(ws, bs, device=device)),
        }

    def backprop(self, weights, biases, activations, x, y):
        from adapters import torch_adapter

        return torch_adapter.backprop(weights, biases, activations, x, y)

    def reproduction(self, dtype, *, show=None, step=None):
        dt = np.dtype(dtype).name
        lines = ["import torch", "from adapters import torch_adapter"]
        if step is None:
            return lines + [
                f"th = torch_adapter.backprop_trace(weights, biases, activations, x, y, dtype=torch.{dt})",
                "print('torch    ', " + show.format("th") + ")"]
        return lines + [
            f"model = torch_adapter.to_sequential(weights, biases, activations, dtype=torch.{dt})",
            f"opt = torch.optim.SGD(model.parameters(), lr={step!r})",
            f"xt, yt = torch.tensor(x, dtype=torch.{dt}), torch.tensor(y, dtype=torch.{dt})",
            "((model(xt) - yt) ** 2).sum(dim=1).mean().backward()",
            "opt.step()",
            "print('torch', torch_adapter.from_sequential(model)[:2])"]


class Jax(Framework):
    """jax.grad (``adapters.jax_adapter``), jitted, padded to :data:`PAD`: one compilation per dtype."""

    name, module, install, title, gpu_capable = "jax", "jax", "jax", "jax.grad", True

    def start(self):
        import jax

        jax.config.update("jax_enable_x64", True)

    def sees_gpu(self):
        import jax

        try:
            return len(jax.devices("gpu")) > 0
        except RuntimeError:
            return False

    def gpu_name(self):
        import jax

        return jax.devices("gpu")[0].device_kind

    def precision(self, tf32):
        return {"jax matmul precision": self.matmul_precision(tf32).upper() + (" (TF32 on GPU)" if tf32 else "")}

    def environment(self):
        import jax

        return {"jax x64": bool(jax.config.jax_enable_x64)}

    @staticmethod
    def device_name(device: str) -> str:
        """The jax adapter's name for a device: cuda -> "gpu", cpu -> "cpu"."""
        return {"cpu": "cpu", "cuda": "gpu"}[device]

    @staticmethod
    def matmul_precision(tf32: bool) -> str:
        """JAX matmul precision: "highest" (full float32) unless TF32 is allowed ("default")."""
        return "default" if tf32 else "highest"

    @staticmethod
    def pad(case, tf32: bool):
        """The padding that makes one compilation serve every drawn case (None beyond :data:`PAD`)."""
        if tf32:  # pass-through depth padding would round a(l) to TF32 once per added layer
            return PAD[:2] if max(case.sizes) <= PAD[0] and case.x.shape[0] <= PAD[1] else None
        fits = len(case.weights) <= PAD[2] and max(case.sizes) <= PAD[0] and case.x.shape[0] <= PAD[1]
        return PAD if fits else None

    def _kw(self, case, dtype, device, tf32):
        return dict(dtype=np.dtype(dtype), device=self.device_name(device), pad_to=self.pad(case, tf32),
                    precision=self.matmul_precision(tf32))

    def trace(self, case, dtype, *, device="cpu", tf32=False):
        from adapters import jax_adapter as ja

        return ja.backprop_trace(*case.args(), **self._kw(case, dtype, device, tf32))

    def trajectory(self, case, eta, steps, dtype, *, device="cpu", tf32=False):
        from adapters import jax_adapter as ja

        return ja.sgd_trajectory(*case.args(), eta, steps, **self._kw(case, dtype, device, tf32))

    def round_trips(self, weights, biases, activations, dtype, *, device="cpu"):
        from adapters import jax_adapter as ja

        ws = [w.astype(dtype) for w in weights]
        bs = [b.astype(dtype) for b in biases]
        routes = {
            "to_pytree/from_pytree": ja.from_pytree(ja.to_pytree(ws, bs)),
            "to_flax/from_flax": ja.from_flax(ja.to_flax(ws, bs)),
        }
        if _imports("flax"):  # linen's nn.Sequential; nnx (~5 ms a layer to build) in tests/test_adapters_flax.py
            from adapters import flax_adapter as fa

            routes["to_linen/from_linen"] = fa.from_linen(*fa.to_linen(ws, bs, activations))
        return routes

    def backprop(self, weights, biases, activations, x, y):
        from adapters import jax_adapter

        sizes = [np.shape(weights[0])[1]] + [np.shape(w)[0] for w in weights]
        return jax_adapter.backprop(weights, biases, activations, x, y,
                                    pad_to=(max(PAD[0], *sizes), max(PAD[1], np.shape(x)[0])))

    def reproduction(self, dtype, *, show=None, step=None):
        dt = np.dtype(dtype).name
        lines = ["import jax", "jax.config.update('jax_enable_x64', True)", "from adapters import jax_adapter"]
        if step is None:
            return lines + [f"jx = jax_adapter.backprop_trace(weights, biases, activations, x, y, dtype=np.{dt})",
                            "print('jax      ', " + show.format("jx") + ")"]
        return lines + [f"print('jax', jax_adapter.sgd_step(weights, biases, activations, x, y, {step!r}, "
                        f"dtype=np.{dt}))"]


class Autograd(Framework):
    """HIPS autograd (``adapters.autograd_adapter``): reverse mode over plain numpy, CPU only."""

    name, module, install, title = "autograd", "autograd", "autograd", "HIPS autograd"

    def precision(self, tf32):
        return {"autograd matmul": "numpy (BLAS) in the dtype asked for; no TF32 path"}

    def trace(self, case, dtype, *, device="cpu", tf32=False):
        from adapters import autograd_adapter as aa

        return aa.backprop_trace(*case.args(), dtype=np.dtype(dtype))

    def step(self, case, eta, dtype, *, device="cpu", tf32=False):
        from adapters import autograd_adapter as aa

        return aa.sgd_step(*case.args(), eta, dtype=np.dtype(dtype))

    def round_trips(self, weights, biases, activations, dtype, *, device="cpu"):
        from adapters import autograd_adapter as aa

        ws = [w.astype(dtype) for w in weights]
        bs = [b.astype(dtype) for b in biases]
        return {"to_params/from_params": aa.from_params(aa.to_params(ws, bs))}

    def backprop(self, weights, biases, activations, x, y):
        from adapters import autograd_adapter

        return autograd_adapter.backprop(weights, biases, activations, x, y)

    def reproduction(self, dtype, *, show=None, step=None):
        dt = np.dtype(dtype).name
        lines = ["from adapters import autograd_adapter"]
        if step is None:
            return lines + [f"ag = autograd_adapter.backprop_trace(weights, biases, activations, x, y, dtype=np.{dt})",
                            "print('autograd ', " + show.format("ag") + ")"]
        return lines + [f"print('autograd', autograd_adapter.sgd_step(weights, biases, activations, x, y, {step!r}, "
                        f"dtype=np.{dt}))"]


BUILTIN = {"torch": Torch, "jax": Jax, "autograd": Autograd}
DEFAULT = ("torch", "jax", "autograd")

#: the frameworks this session checks, in order (mutated in place by :func:`select`)
NAMES: list[str] = list(DEFAULT)
_ACTIVE: dict[str, Framework] = {}


def _distribution_version(module: str) -> str:
    """The version of the installed distribution that provides `module` (autograd has no ``__version__``)."""
    from importlib import metadata

    top = module.split(".")[0]
    for dist in [*metadata.packages_distributions().get(top, []), top]:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


@functools.cache
def _imports(module: str) -> bool:
    try:
        importlib.import_module(module)
    except Exception:  # ImportError, or a broken install
        return False
    return True


class FrameworkSpecError(ValueError):
    """A --framework value that names no framework."""


@functools.cache
def builtin(name: str) -> Framework:
    return BUILTIN[name]()


def load(spec: str) -> Framework:
    """A framework from a built-in name ("torch") or "MODULE:CLASS" (a Framework subclass, or an instance)."""
    spec = str(spec).strip()
    if spec in BUILTIN:
        return builtin(spec)
    if ":" not in spec:
        raise FrameworkSpecError(f"--framework={spec!r}: expected one of {', '.join(BUILTIN)} or MODULE:CLASS "
                                 "(a conformance.core.frameworks.Framework subclass)")
    mod_name, _, attr = spec.partition(":")
    try:
        obj = getattr(_import_here(mod_name), attr)
    except (ImportError, AttributeError) as exc:
        raise FrameworkSpecError(f"--framework={spec!r}: cannot import it ({type(exc).__name__}: {exc}); "
                                 "run pytest from the folder that holds the module, or put it on PYTHONPATH") from None
    if isinstance(obj, type) and not issubclass(obj, Framework):
        obj = None
    fw = obj() if isinstance(obj, type) else obj
    if not isinstance(fw, Framework):
        raise FrameworkSpecError(f"--framework={spec!r} is a {type(fw).__name__}, not a "
                                 "conformance.core.frameworks.Framework (subclass it: docs/frameworks.md)")
    if not fw.name or fw.name == "?":
        fw.name = attr
    fw.spec = spec
    return fw


def _import_here(mod_name: str):
    """Import `mod_name`, also from the current folder (the ``pytest`` command, unlike ``python -m pytest``, does
    not put it on sys.path, and ``--pyargs conformance.suite`` collects nothing from there); appended, so a
    module of the current folder never shadows an installed one."""
    try:
        return importlib.import_module(mod_name)
    except ModuleNotFoundError as exc:
        here = os.getcwd()
        if exc.name != mod_name.split(".")[0] or here in sys.path or "" in sys.path:
            raise
        sys.path.append(here)
        return importlib.import_module(mod_name)


def parse(values) -> list[str]:
    """The specs in --framework values (each possibly comma-separated) and, if none, $CONFORMANCE_FRAMEWORK."""
    specs = [s.strip() for v in (values or []) for s in str(v).split(",") if s.strip()]
    if not specs:
        specs = [s.strip() for s in os.environ.get(ENV, "").split(",") if s.strip()]
    return specs


def select(specs=None) -> list[str]:
    """Make `specs` (default: the built-ins) the frameworks this session checks; returns their names."""
    fws = [load(s) for s in (specs or DEFAULT)]
    names = [fw.name for fw in fws]
    if len(set(names)) != len(names):
        raise FrameworkSpecError(f"two frameworks share a name: {names}; give each class its own `name`")
    _ACTIVE.clear()
    _ACTIVE.update(zip(names, fws))
    NAMES[:] = names
    return names


def get(name: str) -> Framework:
    """The framework called `name`: a selected one, else a built-in."""
    if name in _ACTIVE:
        return _ACTIVE[name]
    if name in BUILTIN:
        return builtin(name)
    raise KeyError(f"no framework named {name!r}: selected {NAMES}, built in {list(BUILTIN)}")


def selected() -> list[Framework]:
    return [get(n) for n in NAMES]


def known() -> list[Framework]:
    """The selected frameworks, then the built-ins not selected (the others a failure message may ask)."""
    return selected() + [builtin(n) for n in BUILTIN if n not in NAMES]


def available_backprops() -> dict:
    """{title: backprop(weights, biases, activations, x, y) -> float64 (dC_dw, dC_db)}, for the kit's oracles.

    Every built-in and selected framework that imports here (jax in x64 mode: availability turns it on).
    """
    return {(fw.title or fw.name): fw.backprop for fw in known() if fw.availability()[0]}


select()
