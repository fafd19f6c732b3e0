"""``backprop-check SPEC [options]``: the conformance kit as one command, from any folder.

It runs the same pytest session as ``pytest --impl=SPEC`` (same properties, messages, report and
exit status: 0 passed, 1 failed, 2 interrupted, 3 internal error, 4 usage error), but reads no
pytest configuration or conftest.py of the folder it is started in and writes no cache there.

    backprop-check student.py:backprop
    backprop-check student.py:backprop --activations=sigmoid --sizes=784,16,16,10 --gradescope=results.json
    backprop-check mypkg.nn:backprop --report=kit-report.json --junitxml=kit.xml -n 2
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import metadata
from pathlib import Path


def _version() -> str:
    """The installed version, read without importing `reference`: pytest, started next, marks the installed
    distribution's modules for assertion rewriting and warns about any that are already imported."""
    try:
        return metadata.version("backprop-reference")
    except metadata.PackageNotFoundError:  # a checkout that is not installed
        from reference._version import __version__
        return __version__

PASS_THROUGH = ("activations", "sizes", "depth", "max_width", "max_batch", "gradescope", "gradescope_weights",
                "hypothesis_dir", "call_timeout", "memory_limit", "forbid_imports", "dtype")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="backprop-check",
        description="Check a backprop(weights, biases, activations, x, y) -> (dC_dw, dC_db) against the "
                    "reference, on hundreds of networks Hypothesis draws; explain the smallest failing one.",
        epilog="Exit status: 0 every property ran all its examples and passed; 1 a property failed or did not run "
               "in full; 4 a usage error (a bad SPEC or option, a module that cannot be imported). The function "
               "runs in its own process, with a time and a memory limit.")
    p.add_argument("spec", metavar="SPEC", help="path/to/file.py:FUNCTION or MODULE:FUNCTION")
    p.add_argument("--version", action="version", version=f"backprop-check (backprop-reference) {_version()}")
    p.add_argument("--activations", metavar="LIST", help="comma-separated: those your backprop supports")
    p.add_argument("--sizes", metavar="N0,...,NL", help="check exactly this architecture, e.g. 784,16,16,10")
    p.add_argument("--depth", metavar="L", help="draw networks of exactly L layers")
    p.add_argument("--max-width", metavar="N", help="draw layers at most N neurons wide")
    p.add_argument("--max-batch", metavar="M", help="draw at most M examples")
    p.add_argument("--report", metavar="PATH", help="write the JSON report to PATH")
    p.add_argument("--gradescope", metavar="PATH", help="write Gradescope's results.json to PATH")
    p.add_argument("--gradescope-weights", metavar="P=W,...", help="e.g. contract=1,gradients=8,purity=1")
    p.add_argument("--junitxml", metavar="PATH", help="write JUnit XML (with the kit's explanations) to PATH")
    p.add_argument("--hypothesis-dir", metavar="PATH", help="where Hypothesis keeps its files")
    p.add_argument("--call-timeout", metavar="SECONDS", help="wall-clock limit of one call (default 20)")
    p.add_argument("--memory-limit", metavar="MIB", help="memory limit of the process running it (default 4096)")
    p.add_argument("--forbid-imports", metavar="LIST", help="modules a submission must not import, e.g. torch,jax")
    p.add_argument("--dtype", choices=("float64", "float32"),
                   help="the tolerance row to judge with (default: the dtype your function returns)")
    p.add_argument("-n", "--workers", metavar="N", help="run the properties in N processes (pytest-xdist)")
    p.add_argument("-q", "--quiet", action="store_true", help="less output")
    return p


def pytest_args(ns: argparse.Namespace) -> list[str]:
    """The pytest command line equivalent to `ns` (``pytest --impl=SPEC ...``)."""
    args = ["-p", "conformance.kit.plugin", "--impl", ns.spec,
            # nothing of the current folder's pytest setup: no ini file, no conftest.py, no cache written there
            "-c", os.devnull, "--rootdir", str(Path(__file__).parent), "--noconftest", "-p", "no:cacheprovider",
            # -rN: no short summary (under CI=true pytest prints each failure's whole message there again);
            # the kit's own one-line-a-property verdict closes the output instead
            "-rN", "--tb=short"]
    for name in PASS_THROUGH:
        value = getattr(ns, name)
        if value is not None:
            args += [f"--{name.replace('_', '-')}", value]
    if ns.report:
        args += ["--conformance-report", ns.report]
    if ns.junitxml:
        args += ["--junitxml", ns.junitxml, "-o", "junit_family=xunit2"]
    if ns.workers:
        args += ["-n", ns.workers]
    if ns.quiet:
        args.append("-q")
    return args


def main(argv=None) -> int:
    ns = parser().parse_args(argv)
    import pytest

    return int(pytest.main(pytest_args(ns)))


if __name__ == "__main__":
    sys.exit(main())
