"""``backprop-check SPEC [options]`` (or ``python -m conformance.kit``): the conformance kit as one command.

It runs the same pytest session as ``pytest --impl=SPEC`` (same properties, messages, reports), but reads
no pytest configuration or conftest.py of the folder it is started in and writes no cache there.
Exit status: 0 passed; 1 the submission failed (a property failed or did not run in full, or the
submission could not be loaded); 4 the grader's own usage error (a malformed SPEC, a bad option).

    backprop-check student.py:backprop
    backprop-check student.py:backprop --activations=sigmoid --sizes=784,16,16,10 --gradescope=results.json
    backprop-check --batch 'submissions/*/backprop.py:backprop' --gradebook grades.csv -n 2
    backprop-check --init my_backprop.py          # write the starter file
    backprop-check ci                             # the reusable workflow's step (BACKPROP_CHECK_* variables)
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import metadata
from pathlib import Path

from . import options

USAGE_ERROR = 4


def _version() -> str:
    """The installed version, read without importing `reference`: pytest, started next, marks the installed
    distribution's modules for assertion rewriting and warns about any that are already imported."""
    try:
        return metadata.version("backprop-reference")
    except metadata.PackageNotFoundError:  # a checkout that is not installed
        from reference._version import __version__
        return __version__


class _Parser(argparse.ArgumentParser):
    """argparse, with exit status 4 (the kit's usage error) instead of 2 for a bad command line."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="backprop-check",
        description="Check a backprop(weights, biases, activations, x, y) -> (dC_dw, dC_db) against the "
                    "reference, on hundreds of networks Hypothesis draws; explain the smallest failing one.",
        epilog="Exit status: 0 every property ran all its examples and passed; 1 the submission failed (a property "
               "failed or did not run in full, or it could not be loaded); 4 a usage error of the grader (a "
               "malformed SPEC, a bad option). The function runs in its own process, with a time and a memory "
               "limit. Subcommand: 'backprop-check ci' (the reusable workflow's step, see docs/grading.md).")
    p.add_argument("spec", metavar="SPEC", nargs="?", help="path/to/file.py:FUNCTION or MODULE:FUNCTION")
    p.add_argument("--version", action="version", version=f"backprop-check (backprop-reference) {_version()}")
    options.add_to_argparse(p)
    p.add_argument("--junitxml", metavar="PATH", help="write JUnit XML (with the kit's explanations) to PATH")
    p.add_argument("-n", "--workers", metavar="N", help="processes: the properties of one SPEC, or the submissions "
                   "of --batch")
    p.add_argument("-q", "--quiet", action="store_true", help="less output")
    p.add_argument("--batch", metavar="GLOB:FUNCTION", help="grade every file the glob matches, each in its own "
                   "process, e.g. 'submissions/*/backprop.py:backprop'")
    p.add_argument("--gradebook", metavar="CSV", help="with --batch: one row per submission (default grades.csv); "
                   "a class summary and a bar chart beside it")
    p.add_argument("--init", metavar="FILE", help="write the starter file (the contract, TODOs) to FILE and exit")
    return p


def values(ns) -> dict:
    """{option name: text} of the table's options given on the command line."""
    return {o.name: getattr(ns, o.name) for o in options.OPTIONS if "cli" in o.where}


def pytest_args(ns: argparse.Namespace) -> list[str]:
    """The pytest command line equivalent to `ns` (``pytest --impl=SPEC ...``)."""
    args = ["-p", "conformance.kit.plugin", "--impl", ns.spec,
            # nothing of the current folder's pytest setup: no ini file, no conftest.py, no cache written there
            "-c", os.devnull, "--rootdir", str(Path(__file__).parent), "--noconftest", "-p", "no:cacheprovider",
            # -rN: no short summary (under CI=true pytest prints each failure's whole message there again);
            # the kit's own one-line-a-property verdict closes the output instead
            "-rN", "--tb=short"]
    args += options.to_pytest_args(values(ns))
    if ns.junitxml:
        args += ["--junitxml", ns.junitxml, "-o", "junit_family=xunit2"]
    if ns.workers:
        args += ["-n", ns.workers]
    if ns.quiet:
        args.append("-q")
    return args


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["ci"]:
        from .ci import main as ci_main
        return ci_main(argv[1:])
    p = parser()
    ns = p.parse_args(argv)
    if ns.init:
        from .starter import write_starter
        return write_starter(ns.init)
    if ns.batch:
        if ns.spec:
            p.error("give a SPEC or --batch, not both")
        from .batch import main as batch_main
        return batch_main(ns)
    if not ns.spec:
        p.error("give the backprop to check: path/to/file.py:FUNCTION or MODULE:FUNCTION (or --batch, --init)")
    import pytest

    return int(pytest.main(pytest_args(ns)))


if __name__ == "__main__":
    sys.exit(main())
