"""``backprop-check --init FILE``: write the starter file (the contract, the TODOs) for a student.

The starter is :mod:`conformance.kit.starter_backprop`, shipped in the wheel: the one copy (the README points
students to ``--init``).
"""

from __future__ import annotations

import sys
from pathlib import Path

STARTER = Path(__file__).with_name("starter_backprop.py")


def write_starter(path) -> int:
    """Write the starter to `path` (never over an existing file); the exit status."""
    target = Path(path)
    if target.exists():
        print(f"backprop-check --init: {target} exists already; choose another name", file=sys.stderr)
        return 4
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(STARTER.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"wrote {target}: fill in the TODOs, then run  backprop-check {target}:backprop")
    return 0
