"""The conformance report: one table, printed at the end of a run and written as JSON.

API (used by the conformance suite and by the kit in conformance/kit/)::

    from conformance.suite import report
    report.record("forward_backward", "torch float32", examples=1, worst=0.03)
    report.record("kit/values", "my_backprop", examples=200, status="failed",
                  details={"first failure": "dC/dw(2)[j=1, k=0]"})

``record`` accumulates per (property, implementation): examples add up, ``worst``
(the largest error seen, as a fraction of its tolerance: <= 1 passes) keeps the
maximum, ``status`` keeps the most severe of "passed" < "skipped" < "failed",
``details`` (a JSON-able dict) is merged.  :func:`rows` returns the table,
:func:`as_json` the JSON document that ``--conformance-report=PATH`` writes, with
:data:`ENVIRONMENT` (versions, device, precision) filled in by the plugin.
"""

from __future__ import annotations

import json

_SEVERITY = {"passed": 0, "skipped": 1, "failed": 2}
RESULTS: dict = {}
ENVIRONMENT: dict = {}


def record(property: str, implementation: str, *, examples: int = 0, worst: float | None = None,
           status: str = "passed", details: dict | None = None) -> None:
    """Add to the row (property, implementation); see the module docstring."""
    if status not in _SEVERITY:
        raise ValueError(f"status must be one of {sorted(_SEVERITY)}, got {status!r}")
    row = RESULTS.setdefault((property, implementation),
                             {"examples": 0, "worst": None, "status": status, "details": {}})
    row["examples"] += int(examples)
    if worst is not None:
        row["worst"] = float(worst) if row["worst"] is None else max(row["worst"], float(worst))
    if _SEVERITY[status] > _SEVERITY[row["status"]]:
        row["status"] = status
    if details:
        row["details"].update(details)


def reset() -> None:
    RESULTS.clear()


def rows() -> list[dict]:
    """[{"property", "implementation", "examples", "worst", "status", "details"}], sorted."""
    return [{"property": p, "implementation": i, **v} for (p, i), v in sorted(RESULTS.items())]


def as_json(extra: dict | None = None) -> str:
    return json.dumps({"environment": ENVIRONMENT, "results": rows(), **(extra or {})}, indent=2, default=str)


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
