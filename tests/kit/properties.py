"""The kit's Hypothesis properties, built for any implementation.

:func:`build` returns a zero-argument function that draws networks with
``tests.support.strategies.cases`` and runs :func:`tests.kit.check.check` on
each; Hypothesis shrinks a failure to the smallest network.  The same builder
serves ``pytest --impl`` (tests/kit/test_kit.py) and the meta-tests, which run it
in-process on every catalogued mistake.

>>> from reference import backprop
>>> prop = build(backprop, "gradients", frameworks=False, settings=settings(max_examples=5, database=None))
>>> prop()
>>> COUNTS["gradients"] >= 5
True
"""

from __future__ import annotations

from collections import Counter

from hypothesis import Phase, given, settings

from reference import ACTIVATIONS
from tests.support.strategies import cases

from .check import check

Settings = settings  # the parameter `settings` of build() shadows the name

PROPERTIES = {
    "contract": ("call", "structure", "finite"),
    "gradients": ("call", "structure", "finite", "values"),
    "purity": ("call", "structure", "no_mutation", "deterministic"),
}
"""Property name -> the checks it runs (see tests/kit/check.py)."""

DESCRIPTIONS = {
    "contract": "returns (dC_dw, dC_db) shaped like (weights, biases), floating point, finite where the reference is",
    "gradients": "dC/dw and dC/db equal the reference's (torch / JAX consulted where they differ)",
    "purity": "never modifies its inputs; the same inputs give the same answer twice",
}

COUNTS: Counter = Counter()
"""Examples run so far, per property name (generation, shrinking and the final replay)."""


def build(impl, prop: str, *, spec=None, activations=ACTIVATIONS, frameworks=True, settings=None):
    """A zero-argument Hypothesis test running property `prop` of `impl`; `settings` None: the loaded profile."""
    aspects = PROPERTIES[prop]

    base = settings if settings is not None else Settings()  # None: the loaded profile (ci by default)
    # No "explain" phase: it would point at lines of the kit's own oracles, not at yours; and no
    # @reproduce_failure blob: it means "decorate your test function", and the test is the kit's
    phases = [p for p in base.phases if p != Phase.explain]

    @Settings(base, phases=phases, print_blob=False)
    @given(case=cases(activations=tuple(activations)))
    def run(case):
        __tracebackhide__ = True
        COUNTS[prop] += 1
        check(impl, case, aspects=aspects, spec=spec, frameworks=frameworks)

    run.__name__ = run.__qualname__ = f"kit_{prop}"
    return run
