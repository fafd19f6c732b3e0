"""Who makes one example's calls: a worker process for a SPEC, this process for a plain callable.

Both run :func:`conformance.kit.worker.run_example`; :class:`InProcess` is the plain callable's runner
(the meta-tests and the notebook API), :class:`conformance.kit.isolation.IsolatedImpl` the SPEC's.
"""

from __future__ import annotations

import random
import zlib

import numpy as np

from . import protocol
from . import worker as _w


def fresh_args(case, layout="plain") -> tuple:
    """New lists holding copies of the case's arrays: the implementation may do what it likes to them."""
    return _w.fresh_args(*case.args(), layout=layout)


def example_seed(case) -> int:
    """The seed of numpy's and Python's global generators for the first call (the second gets seed + 1)."""
    return zlib.crc32(b"".join(np.ascontiguousarray(a).tobytes() for a in (case.x, case.y, *case.weights)))


def calls_for(aspects) -> list:
    """What :func:`conformance.kit.worker.run_example` must do for these checks."""
    calls = ["first"]
    if "no_mutation" in aspects:
        calls.append("no_mutation")
    if "deterministic" in aspects:
        calls.append("again")
    if "updated_inputs" in aspects or "independent_results" in aspects:
        calls.append("update")
    return calls


def updated_case(case):
    """The case after the update call's in-place step (:data:`conformance.kit.worker.UPDATE`)."""
    k, d = _w.UPDATE
    return case.with_params([w * k - d for w in case.weights], [b * k - d for b in case.biases])


class InProcess:
    """A plain callable, called in this very process: no isolation, no limits.

    What the meta-tests and the notebook API use (a function defined in a notebook cannot be
    imported by a worker).  The function under test shares this process with the reference, the
    tolerances and Hypothesis, and can change them; a SPEC (``--impl``, ``backprop-check``) is
    checked through :class:`conformance.kit.isolation.IsolatedImpl` instead.
    """

    forbidden_at_import = ()

    def __init__(self, fn, spec=None):
        self.fn, self.spec = fn, spec

    def run(self, case, calls, layout="plain", seed=0) -> dict:
        state, pystate = np.random.get_state(), random.getstate()
        try:
            return _w.run_example(self.fn, protocol.run_request(case, calls, layout, seed))
        finally:
            np.random.set_state(state)
            random.setstate(pystate)

    def probe(self):
        return self.fn

    def fresh(self):
        """The function from a newly executed copy of its module, or None."""
        from .loader import load_fresh
        fn = load_fresh(self.spec) if self.spec is not None else None
        return InProcess(fn, self.spec) if fn is not None else None


def runner_for(impl, spec):
    """The runner of `impl`: itself when it is one (an IsolatedImpl), else :class:`InProcess`."""
    return impl if hasattr(impl, "run") and hasattr(impl, "probe") else InProcess(impl, spec)
