"""The conformance report: one table, printed at the end of a run and written as JSON.

API (the conformance suite's; the kit writes its own report, conformance/kit/results.py)::

    from conformance.suite import report
    report.record("forward_backward", "torch float32", examples=1, worst=0.03)
    report.record("kit/values", "my_backprop", examples=200, status="failed",
                  details={"first failure": "dC/dw(2)[j=1, k=0]"})

``record`` accumulates per (property, implementation): examples add up, ``worst``
(the largest error seen, as a fraction of its tolerance: <= 1 passes) keeps the
maximum while the row passes; once it fails, ``worst`` is the error of the latest
failure (Hypothesis replays the minimal failing example last: the one pytest shows),
and passing examples no longer change it.  ``status`` keeps the most severe of
"passed" < "skipped" < "failed", ``details`` (a JSON-able dict) is merged.
:func:`checking` records one example of a property whatever happens in it (a
framework that raises is a failure, with its exception in the details).
:func:`rows` returns the table, :func:`as_json` the JSON document that
``--conformance-report=PATH`` writes, with :data:`ENVIRONMENT` (versions, device,
precision) filled in by the plugin and :data:`WARNINGS` (the warnings the frameworks
under test emitted, :func:`warned`).
"""

from __future__ import annotations

import contextlib
import json

_SEVERITY = {"passed": 0, "skipped": 1, "failed": 2}
RESULTS: dict = {}
ENVIRONMENT: dict = {}
WARNINGS: dict = {}  # (framework, category, message) -> count


def record(property: str, implementation: str, *, examples: int = 0, worst: float | None = None,
           status: str = "passed", details: dict | None = None) -> None:
    """Add to the row (property, implementation); see the module docstring."""
    if status not in _SEVERITY:
        raise ValueError(f"status must be one of {sorted(_SEVERITY)}, got {status!r}")
    row = RESULTS.setdefault((property, implementation),
                             {"examples": 0, "worst": None, "status": status, "details": {}})
    row["examples"] += int(examples)
    if status == "failed":  # the failing example's error (None: it raised), not the passing ones' maximum
        row["worst"] = None if worst is None else float(worst)
    elif worst is not None and row["status"] != "failed":
        row["worst"] = float(worst) if row["worst"] is None else max(row["worst"], float(worst))
    if _SEVERITY[status] > _SEVERITY[row["status"]]:
        row["status"] = status
    if details:
        row["details"].update(details)


@contextlib.contextmanager
def checking(property: str, implementation: str):
    """Record one example of `property`: failed if the body raises anything (a disagreement, or the
    framework raising: its exception goes into the details), else the worst error the body stores.

    >>> with checking("p", "fw float64") as example:
    ...     example["worst"] = 0.25
    >>> RESULTS[("p", "fw float64")]["worst"]
    0.25
    >>> reset()
    """
    example = {"worst": None}
    try:
        yield example
    except Exception as exc:  # not BaseException: pytest's skip and Hypothesis' own control flow pass through
        excess = getattr(exc, "excess", None)  # a ConformanceError's error / tolerance (None: not a comparison)
        first = (str(exc).splitlines() or [""])[0][:300]
        details = {"error": f"{type(exc).__name__}: {first}"} if excess is None else {}
        record(property, implementation, examples=1, worst=excess, status="failed", details=details)
        raise
    record(property, implementation, examples=1, worst=example["worst"])


def warned(framework: str, warning) -> None:
    """Count one warning (a :class:`warnings.WarningMessage`) emitted by `framework` during a call."""
    key = (framework, warning.category.__name__, str(warning.message).splitlines()[0][:300] if str(warning.message)
           else "")
    WARNINGS[key] = WARNINGS.get(key, 0) + 1


def warning_rows() -> list[dict]:
    """[{"framework", "category", "message", "count"}], sorted."""
    return [{"framework": f, "category": c, "message": m, "count": n} for (f, c, m), n in sorted(WARNINGS.items())]


def reset() -> None:
    RESULTS.clear()
    WARNINGS.clear()


def rows() -> list[dict]:
    """[{"property", "implementation", "examples", "worst", "status", "details"}], sorted."""
    return [{"property": p, "implementation": i, **v} for (p, i), v in sorted(RESULTS.items())]


def as_json(extra: dict | None = None) -> str:
    return json.dumps({"environment": ENVIRONMENT, "results": rows(), "framework_warnings": warning_rows(),
                       **(extra or {})}, indent=2, default=str)


def write(path: str, extra: dict | None = None) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(as_json(extra) + "\n")


def table() -> list[str]:
    """The terminal table: property, implementation, examples, worst / tolerance, status."""
    data = rows()
    if not data:
        return []
    head = ("property", "implementation", "examples", "worst/tol", "status")
    body = [(r["property"], r["implementation"], str(r["examples"]),
             "-" if r["worst"] is None else f"{r['worst']:.3g}", r["status"]) for r in data]
    widths = [max(len(x[c]) for x in [head, *body]) for c in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" if c < 2 else f"{{:>{w}}}" for c, w in enumerate(widths))
    return [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [fmt.format(*b) for b in body]
