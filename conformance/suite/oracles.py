"""The implementations the suite checks the reference against, through the registry.

Each framework is an entry of :mod:`conformance.core.frameworks` (torch autograd, jax.grad,
HIPS autograd by default, or those named by ``--framework``); each is optional:
:func:`availability` says whether it imports (and, if not, why: the skip reason).  The
functions below run a drawn :class:`~conformance.core.strategies.Case` through it on the
device and precision chosen by ``--device`` / ``--allow-tf32`` (:data:`SETTINGS`, filled by
the plugin) and return numpy float64 results.  Nothing here knows any framework by name.

Warnings the framework emits during these calls (an overflow RuntimeWarning, a deprecation)
are its own business, not a disagreement: they are counted in the report
(:func:`conformance.suite.report.warned`) and the test goes on, whatever ``filterwarnings``
the project sets; ``--framework-warnings=error`` (``SETTINGS.warnings``) makes them failures.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

from conformance.core import frameworks
from conformance.core.frameworks import SETTINGS

from . import report

IMPLEMENTATIONS = frameworks.NAMES  # the live list: --framework changes it in place


def availability(name: str) -> tuple[bool, str]:
    """(True, version) if the framework imports, else (False, the reason to skip with)."""
    return frameworks.get(name).availability()


def jax_device(device: str) -> str:
    """The jax adapter's name for a device: cuda -> "gpu", cpu -> "cpu"."""
    return frameworks.Jax.device_name(device)


def jax_precision(tf32: bool) -> str:
    """JAX matmul precision: "highest" (full float32) unless TF32 is allowed ("default")."""
    return frameworks.Jax.matmul_precision(tf32)


def _f64(t):
    return [np.asarray(a, np.float64) for a in t]


def _run(name):
    return frameworks.get(name), dict(device=SETTINGS.device, tf32=SETTINGS.tf32)


@contextlib.contextmanager
def calling(name: str):
    """Run a call into framework `name`: its warnings reported (or raised, under --framework-warnings=error)."""
    with warnings.catch_warnings(record=SETTINGS.warnings != "error") as caught:
        warnings.simplefilter("error" if SETTINGS.warnings == "error" else "always")
        yield
    for w in caught or ():
        report.warned(name, w)


def trace(name: str, case, dtype):
    """A :class:`reference.Trace` of the case by the framework, in `dtype`, as float64 numpy."""
    import reference

    fw, kw = _run(name)
    with calling(name):  # the conversion too: a framework's array type may warn when numpy reads it
        t = frameworks.as_trace(fw.trace(case, np.dtype(dtype).name, **kw))
        return reference.Trace(z=_f64(t.z), a=_f64(t.a), dC_dz=_f64(t.dC_dz), dC_da=_f64(t.dC_da),
                               dC_dw=_f64(t.dC_dw), dC_db=_f64(t.dC_db), C=float(np.asarray(t.C)))


def trajectory(name: str, case, eta: float, steps: int, dtype):
    """[(weights, biases)] after 0, 1, ..., steps steps of gradient descent by the framework, float64."""
    fw, kw = _run(name)
    with calling(name):
        return [(_f64(w), _f64(b)) for w, b in fw.trajectory(case, eta, steps, np.dtype(dtype).name, **kw)]


def round_trips(name: str, weights, biases, activations, dtype):
    """{route: (weights, biases[, activations])} after a trip into the framework and back."""
    with calling(name):
        return frameworks.get(name).round_trips(weights, biases, activations, dtype, device=SETTINGS.device)
