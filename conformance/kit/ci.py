"""``backprop-check ci``: the reusable workflow's step, provided by the installed kit itself.

The workflow (.github/workflows/conformance-kit.yml) installs the pinned kit into one venv with the caller's
requirements and runs ``backprop-check ci``; nothing of this repository is checked out.  The step reads its
inputs from the environment, one variable per option of the kit's table (:mod:`conformance.kit.options`):
``BACKPROP_CHECK_SPEC`` and ``BACKPROP_CHECK_<OPTION>`` (``BACKPROP_CHECK_SIZES``, ``BACKPROP_CHECK_FORBID_IMPORTS``,
``BACKPROP_CHECK_GRADESCOPE_WEIGHTS``, ...; empty means not given), writes every output into one folder
(``--out``, default ``$RUNNER_TEMP/conformance-kit``): ``report.json``, ``results.json`` (Gradescope),
``junit.xml`` and the failing network's arrays, appends the verdict to ``$GITHUB_STEP_SUMMARY`` when set,
and exits with ``backprop-check``'s status (0 passed, 1 the submission failed, 4 a usage error).

>>> sorted(environment_names())[:3]
['BACKPROP_CHECK_ACTIVATIONS', 'BACKPROP_CHECK_ARTIFACTS', 'BACKPROP_CHECK_CALL_TIMEOUT']
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import options

PREFIX = "BACKPROP_CHECK_"
OUTPUTS = {"report": "report.json", "gradescope": "results.json", "artifacts": "."}


def environment_names() -> dict:
    """{variable: option name} for every option of the table (and SPEC)."""
    names = {PREFIX + "SPEC": "spec", PREFIX + "WORKERS": "workers"}
    names.update({PREFIX + o.name.upper(): o.name for o in options.OPTIONS if "cli" in o.where})
    return names


def command_line(environ, out: Path) -> list:
    """The ``backprop-check`` arguments for these variables, every output under `out`."""
    given = {name: (environ.get(var) or "").strip() for var, name in environment_names().items()}
    if not given["spec"]:
        raise SystemExit(f"backprop-check ci: {PREFIX}SPEC is empty: the workflow's `spec` input names the backprop")
    args = [given["spec"]]
    for o in options.OPTIONS:
        if "cli" in o.where and given[o.name] and o.name not in OUTPUTS:
            args += [f"{o.flag}={given[o.name]}"]
    for name, file in OUTPUTS.items():
        args += [f"{options.BY_NAME[name].flag}={(out / file).resolve()}"]
    args += [f"--junitxml={(out / 'junit.xml').resolve()}"]
    if given["workers"]:
        args += ["-n", given["workers"]]
    return args


def summary(report: dict) -> str:
    """The verdict as Markdown, for the job's summary page."""
    lines = [f"### backprop-reference conformance kit: {'passed' if report.get('passed') else 'FAILED'}", "",
             f"`{report.get('implementation')}`, networks {report.get('networks')}", "",
             "| property | verdict |", "| --- | --- |"]
    for p in report.get("properties", []):
        failure = p.get("failure") or {}
        why = f"{failure.get('check')}: {failure.get('summary')}" if failure else f"{p['examples_run']} networks"
        lines.append(f"| {p['property']} | {p['outcome']} ({why})"[:1000].replace("\n", " ") + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="backprop-check ci", description=__doc__.split("\n\n")[1])
    p.add_argument("--out", metavar="DIR", help="where the outputs go (default $RUNNER_TEMP/conformance-kit)")
    ns = p.parse_args(argv)
    out = Path(ns.out or Path(os.environ.get("RUNNER_TEMP") or ".") / "conformance-kit")
    out.mkdir(parents=True, exist_ok=True)
    args = command_line(os.environ, out)
    print("+ backprop-check " + " ".join(args), flush=True)
    from .cli import main as cli_main

    status = cli_main(args)
    report = out / "report.json"
    if os.environ.get("GITHUB_STEP_SUMMARY") and report.exists():
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(summary(json.loads(report.read_text(encoding="utf-8"))))
    return status


if __name__ == "__main__":
    sys.exit(main())
