"""Hypothesis profiles: smoke and dev (fast), ci (the default), thorough.

ci is what plain ``pytest`` runs: derandomized, so a CI failure reproduces
exactly; at least 200 examples a property; no deadline, because the first
call into a JIT-compiling framework takes far longer than the rest
(docs/conventions.md, "Testing against a JIT-compiling framework": "Unreliable test timings" otherwise).  thorough is
random (``--hypothesis-seed`` changes it) and ten times longer.
smoke is dev without shrinking: a failure is reported as first drawn, at once (the suite's own
tests use it to show that a broken framework fails, where only the verdict matters).
Choose one with ``pytest --hypothesis-profile=dev``.

Nothing happens on import: the suite's plugin calls :func:`register` (and loads ci unless
``--hypothesis-profile`` names one) only in a session that runs the suite, so an unrelated
project with the package installed keeps Hypothesis' own profiles.
"""

from __future__ import annotations

NAMES = ("dev", "smoke", "ci", "thorough")
DEFAULT = "ci"


def register() -> None:
    """Register the four profiles (again: the same settings each time)."""
    from hypothesis import HealthCheck, Phase, settings

    common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.register_profile("dev", max_examples=25, derandomize=True, **common)
    settings.register_profile("smoke", max_examples=10, derandomize=True, database=None,
                              phases=[Phase.explicit, Phase.generate], **common)
    settings.register_profile("ci", max_examples=200, derandomize=True, database=None, print_blob=True, **common)
    settings.register_profile("thorough", max_examples=2000, derandomize=False, **common)
