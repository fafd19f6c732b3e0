"""``backprop-check --batch 'submissions/*/backprop.py:backprop' --gradebook grades.csv -n 2``: a whole class.

Every file the glob matches is graded by its own ``backprop-check`` process (each submission isolated
from the others and from this process, with the same options: the course rules, ``--dtype``, the
weights), ``-n`` of them at a time, with ``--oracles=no --shrink=no`` unless given
(:data:`BATCH_DEFAULTS`: the same verdicts; the diagnosis judges from the first failing network).

The gradebook has one row per submission: the score, each property's outcome, the check that failed
and the diagnosis' name (the catalogued mistake it names, when it names one).  Beside it, the class
summary: how many submissions share each diagnosed mistake, as text (``grades-summary.txt``) and,
with matplotlib installed, a bar chart (``grades-summary.png``).

>>> mistakes_named("... explains every differing tensor: 'half_cost_convention' (04:07) ...")
['half_cost_convention']
"""

from __future__ import annotations

import concurrent.futures
import csv
import glob
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from . import options, results

COLUMNS = ["submission", "score", "max_score", "passed", *results.PROPERTY_ORDER, "failed_check", "diagnosis"]


def mistakes_named(diagnosis) -> list:
    """The catalogued mistakes a diagnosis names (``'name'`` or ``- name:``), in catalogue order."""
    if not diagnosis:
        return []
    from conformance.core.mistakes import CATALOG
    return [n for n in CATALOG if repr(n) in diagnosis or f"- {n}:" in diagnosis]


def diagnosis_name(report: dict) -> str:
    """What the gradebook calls a submission's failure: the mistake named, else the failing check."""
    for p in report.get("properties", []):
        failure = p.get("failure") or {}
        named = mistakes_named(failure.get("diagnosis"))
        if named:
            return named[0]
    failed = [p for p in report.get("properties", []) if p["outcome"] != "passed"]
    if not failed:
        return "" if report.get("passed") else "incomplete"
    check = (failed[0].get("failure") or {}).get("check") or "error"
    return {"values": "other gradient mistake", "import": "cannot be imported"}.get(check, f"check {check}")


def grade_one(number, path, function, argv, workdir) -> dict:
    """One submission, in its own process: its gradebook row."""
    report = Path(workdir) / f"{number}.json"
    cmd = [sys.executable, "-m", "conformance.kit", f"{path}:{function}", f"--report={report}", "-q", *argv]
    env = {k: v for k, v in os.environ.items() if k not in ("BACKPROP_IMPL", "PYTEST_ADDOPTS")}
    # cwd: the batch's own folder, never the submission's: `python -m` puts the working folder first on sys.path,
    # where a student's reference.py or numpy.py would stand in for the grader's own modules.
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=workdir)
    row = {"submission": str(path)}
    if not report.exists():  # the grader's own error: say so in the row, never a silent 0
        said = (proc.stderr or proc.stdout).strip().splitlines()
        row.update({"passed": False, "failed_check": "kit error",
                    "diagnosis": (said[-1] if said else "no output")[:300]})
        return row
    data = json.loads(report.read_text(encoding="utf-8"))
    outcomes = {p["property"]: p["outcome"] for p in data["properties"]}
    row.update({prop: outcomes.get(prop, "not run") for prop in results.PROPERTY_ORDER})
    failed = next((p for p in data["properties"] if p["outcome"] != "passed"), None)
    row.update({"passed": bool(data["passed"]),
                "failed_check": ((failed or {}).get("failure") or {}).get("check", "") if failed else "",
                "diagnosis": diagnosis_name(data)})
    return row


def write_gradebook(rows, path, weights) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    total = sum(weights.values())
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            score = sum(weights[p] for p in results.PROPERTY_ORDER if row.get(p) == "passed")
            writer.writerow({**{c: row.get(c, "") for c in COLUMNS}, "score": f"{score:g}", "max_score": f"{total:g}"})


def class_summary(rows) -> Counter:
    """How many submissions share each diagnosis (passing submissions as "passed")."""
    return Counter("passed" if row.get("passed") else (row.get("diagnosis") or "failed") for row in rows)


def write_summary(counts: Counter, gradebook) -> list:
    """grades-summary.txt (and .png with matplotlib) beside the gradebook; the paths written."""
    base = Path(gradebook).with_suffix("")
    text = base.with_name(base.name + "-summary.txt")
    width = max((len(k) for k in counts), default=0)
    text.write_text("".join(f"{k:{width}}  {n}\n" for k, n in counts.most_common()), encoding="utf-8")
    written = [text]
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        return written
    labels, values = zip(*counts.most_common()) if counts else ((), ())
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.4 * max(len(labels), 1)))
    ax.barh(list(labels)[::-1], list(values)[::-1])
    ax.set_xlabel("submissions")
    ax.set_title("What the class's backprops share")
    fig.tight_layout()
    png = text.with_suffix(".png")
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return [*written, png]


BATCH_DEFAULTS = {"oracles": "no", "shrink": "no"}
"""What a gradebook does not need: the oracles' opinions and the smallest failing network (same verdicts)."""


def forwarded(ns) -> list:
    """The options each submission's run gets: the table's (with :data:`BATCH_DEFAULTS`), not the per-run outputs."""
    per_run = ("report", "gradescope", "artifacts", "pictures")
    given = {o.name: getattr(ns, o.name) for o in options.OPTIONS if "cli" in o.where and o.name not in per_run}
    given = {**BATCH_DEFAULTS, **{k: v for k, v in given.items() if v not in (None, "")}}
    if given.get("hypothesis_dir"):  # each run's folder is the batch's own: a path means what it meant here
        given["hypothesis_dir"] = os.path.abspath(given["hypothesis_dir"])
    return [f"{options.BY_NAME[name].flag}={value}" for name, value in given.items()]


def main(ns) -> int:
    pattern, sep, function = ns.batch.rpartition(":")
    if not sep or not function.isidentifier():
        print(f"backprop-check --batch={ns.batch}: expected GLOB:FUNCTION, e.g. 'submissions/*/backprop.py:backprop'",
              file=sys.stderr)
        return 4
    files = sorted(glob.glob(pattern, recursive=True))
    if not files:
        print(f"backprop-check --batch: no file matches {pattern}", file=sys.stderr)
        return 4
    try:
        weights = results.parse_weights(ns.gradescope_weights)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 4
    workers = int(ns.workers or 1)
    argv = forwarded(ns)
    with tempfile.TemporaryDirectory() as tmp, concurrent.futures.ThreadPoolExecutor(workers) as pool:
        rows = list(pool.map(lambda nf: grade_one(nf[0], Path(nf[1]).resolve(), function, argv, tmp),
                             enumerate(files)))
    gradebook = ns.gradebook or "grades.csv"
    write_gradebook(rows, gradebook, weights)
    counts = class_summary(rows)
    written = write_summary(counts, gradebook)
    print(f"graded {len(rows)} submissions: {sum(r.get('passed', False) for r in rows)} passed; gradebook {gradebook}")
    for name, n in counts.most_common():
        print(f"  {n:4}  {name}")
    print("summary: " + ", ".join(map(str, written)))
    return 0
