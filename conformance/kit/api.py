"""The kit from Python: ``check(fn)`` for notebooks and custom graders.

    >>> from conformance.kit.api import check
    >>> from reference import backprop
    >>> result = check(backprop, activations="sigmoid,identity", max_examples=10, frameworks=False)
    >>> result.passed, sorted(result.properties)
    (True, ['contract', 'gradients', 'purity'])

``check`` runs the kit's three properties (contract, gradients, purity) on a function you pass
in, defined anywhere, a notebook cell included, and returns a :class:`KitResult` instead of
printing a pytest session: the verdict, each property's outcome, and for the first failure its
smallest failing network, the diagnosis and the whole explanation (``result.report``).  It runs
`fn` in this process: fine for a student checking their own work; a course grading code it
does not trust runs ``backprop-check`` on the student's file instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import settings as Settings

from . import options, results


@dataclass
class KitResult:
    """What :func:`check` found."""

    passed: bool
    properties: dict = field(default_factory=dict)   # property -> {"outcome", "examples_run", "failure"}
    failure: dict | None = None                       # the first failing property's record (see check.py)

    @property
    def minimal_case(self) -> dict | None:
        """The smallest failing network (sizes, activations, w, b, x, y), or None."""
        return self.failure.get("case") if self.failure else None

    @property
    def diagnosis(self) -> str | None:
        return self.failure.get("diagnosis") if self.failure else None

    @property
    def report(self) -> str:
        """The kit's whole explanation, as ``pytest --impl`` prints it (one line when everything passed)."""
        if self.failure:
            return self.failure.get("message") or f"{self.failure['check']}: {self.failure['summary']}"
        runs = ", ".join(f"{p} ({e['examples_run']} networks)" for p, e in self.properties.items())
        return f"passed: {runs}"

    def __str__(self):
        return self.report


def check(fn, *, activations=None, sizes=None, depth=None, max_width=None, max_batch=None, dtype=None,
          max_examples: int | None = None, frameworks: bool = True) -> KitResult:
    """Run the kit on `fn(weights, biases, activations, x, y) -> (dC_dw, dC_db)`.

    The options are ``backprop-check``'s (one table: :mod:`conformance.kit.options`): `activations` a
    comma-separated string or a list; `sizes` e.g. ``(784, 16, 16, 10)`` or ``"784,16,16,10"``; `depth`,
    `max_width`, `max_batch`; `dtype` the tolerance row (``"float64"`` for a grade); `max_examples` fewer
    networks per property than the kit's 200 (a quick look, not a grade).  `frameworks`: ask the installed
    frameworks where yours differs (for the message only).
    """
    from .check import KitFailure
    from .properties import COUNTS, KIT_SETTINGS, build
    from .session import kit_failure

    if not callable(fn):
        raise TypeError(f"check() takes your backprop function, got a {type(fn).__name__}")
    opts = options.validate({"activations": activations, "sizes": sizes, "depth": depth, "max_width": max_width,
                             "max_batch": max_batch, "dtype": dtype, "max_examples": max_examples}, style="api")
    chosen = Settings(KIT_SETTINGS, max_examples=opts.max_examples)
    outcome = KitResult(passed=True)
    for prop in results.PROPERTY_ORDER:
        COUNTS[prop] = 0
        record = None
        try:
            build(fn, prop, activations=opts.activations, frameworks=frameworks, settings=chosen, shape=opts.shape,
                  dtype=opts.dtype)()
        except KitFailure as failure:
            record = failure.record
        except Exception as exc:  # noqa: BLE001  (Hypothesis may group failures; keep the first kit failure)
            found = kit_failure(exc)
            record = found.record if found is not None else {"check": "error",
                                                              "summary": f"{type(exc).__name__}: {exc}"}
        outcome.properties[prop] = results.entry(prop, "failed" if record else "passed", COUNTS[prop], record)
        if record is not None:
            outcome.passed = False
            outcome.failure = outcome.failure or record
    return outcome
