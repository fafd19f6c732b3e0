"""The kit's Hypothesis properties, built for any implementation.

:func:`build` returns a zero-argument function that draws networks with
``conformance.core.strategies.cases`` (and how the inputs are handed over: plain, read-only or
strided arrays) and runs :func:`conformance.kit.check.check` on each; Hypothesis shrinks a failure
to the smallest network.  The same builder serves ``pytest --impl`` (conformance/kit/test_kit.py)
and the meta-tests, which run it in-process on every catalogued mistake.

It fails closed: a property passes only when Hypothesis ran every example its settings ask for;
a check that must end the search (a call that hung, a forbidden import) ends it at once, with no
shrinking, and its failure is raised as any other.

>>> from reference import backprop
>>> prop = build(backprop, "gradients", frameworks=False, settings=settings(max_examples=5, database=None))
>>> prop()
>>> COUNTS["gradients"] >= 5
True
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conformance.core.strategies import cases
from reference import ACTIVATIONS

from .check import KitFailure, KitStop, check
from .draws import Fingerprint, no_local_constants
from .options import DEFAULT_MAX_EXAMPLES
from .results import DESCRIPTIONS  # noqa: F401  (re-exported: property name -> what it promises)
from .worker import LAYOUTS

Settings = settings  # the parameter `settings` of build() shadows the name

PROPERTIES = {
    "contract": ("call", "structure", "finite"),
    "gradients": ("call", "structure", "finite", "values"),
    "purity": ("call", "structure", "no_mutation", "deterministic", "updated_inputs", "independent_results"),
}
"""Property name -> the checks it runs (see conformance/kit/check.py)."""

KIT_SETTINGS = settings(max_examples=DEFAULT_MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                        print_blob=False, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
"""What a kit run uses, whatever Hypothesis profile is loaded: the same 200 examples on every run
(derandomized), so a grade never depends on luck or on a profile loaded by the code under test."""

COUNTS: Counter = Counter()
"""Examples run so far, per property name (generation, shrinking and the final replay)."""

FIRST_FAILURE: dict = {}
"""Property name -> the number of the network on which it first failed (before shrinking), this run."""

FINGERPRINTS: dict = {}
"""Property name -> :class:`conformance.kit.draws.Fingerprint` of the networks it drew, this run."""


class Incomplete(KitFailure):
    """A property that ran fewer examples than its settings ask for: not a pass."""

    def __init__(self, prop, ran, wanted):
        summary = (f"only {ran} of the {wanted} examples ran: the kit passes a property only when every "
                   "example ran and passed")
        record = {"check": "incomplete", "summary": summary, "diagnosis": None}
        super().__init__(lambda: (f"FAILED check 'incomplete' of '{prop}': {summary}", {**record,
                                  "message": summary}))


def build(impl, prop: str, *, spec=None, activations=ACTIVATIONS, frameworks=True, settings=None, shape=None,
          dtype=None, artifacts=None):
    """A zero-argument Hypothesis test running property `prop` of `impl`.

    `impl` a plain callable (run in this process) or a :class:`conformance.kit.isolation.IsolatedImpl`;
    `settings` None: :data:`KIT_SETTINGS`; `shape` a :class:`conformance.kit.shape.ShapeOptions` or None
    (the suite's limits); `dtype` the tolerance row (None: the result's dtype); `artifacts` where a
    failing network's arrays go (``--artifacts``).  The draws depend on nothing but these
    (:mod:`conformance.kit.draws`).
    """
    aspects = PROPERTIES[prop]
    drawn = cases(activations=tuple(activations), **(shape.strategy_kwargs() if shape is not None else {}))
    base = settings if settings is not None else KIT_SETTINGS
    # No "explain" phase: it would point at lines of the kit's own oracles, not at yours; and no
    # @reproduce_failure blob: it means "decorate your test function", and the test is the kit's
    phases = [p for p in base.phases if p != Phase.explain]

    @Settings(base, phases=phases, print_blob=False)
    @given(case=drawn, layout=st.sampled_from(LAYOUTS))
    def run(case, layout):
        __tracebackhide__ = True
        COUNTS[prop] += 1
        FINGERPRINTS[prop].add(case, layout)
        try:
            check(impl, case, aspects=aspects, spec=spec, frameworks=frameworks, layout=layout, dtype=dtype,
                  artifacts=artifacts)
        except (KitFailure, KitStop):
            FIRST_FAILURE.setdefault(prop, FINGERPRINTS[prop].count)
            raise

    def prop_test():
        __tracebackhide__ = True
        before = COUNTS[prop]
        FINGERPRINTS[prop] = Fingerprint()
        FIRST_FAILURE.pop(prop, None)
        try:
            with no_local_constants():
                run()
        except KitStop as stop:
            raise stop.failure from None
        ran = COUNTS[prop] - before
        if Phase.generate in phases and ran < base.max_examples:
            raise Incomplete(prop, ran, base.max_examples)

    prop_test.__name__ = prop_test.__qualname__ = f"kit_{prop}"
    return prop_test
