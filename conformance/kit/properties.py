"""The kit's Hypothesis properties, built for any implementation.

:func:`build` returns a zero-argument function that draws networks with
``conformance.suite.strategies.cases`` and runs :func:`conformance.kit.check.check` on
each; Hypothesis shrinks a failure to the smallest network.  The same builder
serves ``pytest --impl`` (conformance/kit/test_kit.py) and the meta-tests, which run it
in-process on every catalogued mistake.

>>> from reference import backprop
>>> prop = build(backprop, "gradients", frameworks=False, settings=settings(max_examples=5, database=None))
>>> prop()
>>> COUNTS["gradients"] >= 5
True
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings

from conformance.suite.strategies import cases
from reference import ACTIVATIONS

from .check import check
from .results import DESCRIPTIONS  # noqa: F401  (re-exported: property name -> what it promises)

Settings = settings  # the parameter `settings` of build() shadows the name

PROPERTIES = {
    "contract": ("call", "structure", "finite"),
    "gradients": ("call", "structure", "finite", "values"),
    "purity": ("call", "structure", "no_mutation", "deterministic"),
}
"""Property name -> the checks it runs (see conformance/kit/check.py)."""

KIT_SETTINGS = settings(max_examples=200, derandomize=True, database=None, deadline=None, print_blob=False,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
"""What a kit run uses, whatever Hypothesis profile is loaded: the same 200 examples on every run
(derandomized), so a grade never depends on luck or on a profile loaded by the code under test."""

COUNTS: Counter = Counter()
"""Examples run so far, per property name (generation, shrinking and the final replay)."""


def build(impl, prop: str, *, spec=None, activations=ACTIVATIONS, frameworks=True, settings=None, shape=None):
    """A zero-argument Hypothesis test running property `prop` of `impl`.

    `settings` None: :data:`KIT_SETTINGS`; `shape` a :class:`conformance.kit.shape.ShapeOptions` or None
    (the suite's limits).
    """
    aspects = PROPERTIES[prop]
    drawn = cases(activations=tuple(activations), **(shape.strategy_kwargs() if shape is not None else {}))
    base = settings if settings is not None else KIT_SETTINGS
    # No "explain" phase: it would point at lines of the kit's own oracles, not at yours; and no
    # @reproduce_failure blob: it means "decorate your test function", and the test is the kit's
    phases = [p for p in base.phases if p != Phase.explain]

    @Settings(base, phases=phases, print_blob=False)
    @given(case=drawn)
    def run(case):
        __tracebackhide__ = True
        COUNTS[prop] += 1
        check(impl, case, aspects=aspects, spec=spec, frameworks=frameworks)

    run.__name__ = run.__qualname__ = f"kit_{prop}"
    return run
