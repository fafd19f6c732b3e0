"""``python -m reference COMMAND [options]``: the teaching commands.

explain   every factor of the chain rule for one example (numpy only)
digits    train 64-16-16-10 on scikit-learn's 8x8 digits, write pictures
graph     draw the one-neuron chain's computation graph as a PNG

All three live in the top-level package ``teaching`` (``digits`` and ``graph``
also need scikit-learn / matplotlib) and are imported only when asked for, so
``reference`` itself stays numpy-only and holds only the math.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "explain": ("teaching.explain", "every factor of the chain rule for one example (numpy only)"),
    "digits": ("teaching.digits", "train 64-16-16-10 on the 8x8 digits; pictures of cost, weights, gradients"),
    "graph": ("teaching.pictures", "draw the one-neuron chain's computation graph [02:10] as a PNG"),
}
TEACH_HINT = 'pip install "backprop-reference[teach]"'


def usage() -> str:
    rows = "\n".join(f"  {name:<8} {text}" for name, (_, text) in COMMANDS.items())
    return f"usage: python -m reference [--version] COMMAND [options]   (COMMAND --help for its options)\n\n{rows}\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage(), end="")
        return 0
    if argv[0] == "--version":
        from ._version import __version__
        print(f"backprop-reference {__version__}")
        return 0
    if argv[0] not in COMMANDS:
        print(f"unknown command {argv[0]!r}\n\n{usage()}", end="", file=sys.stderr)
        return 2
    module_name = COMMANDS[argv[0]][0]
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:  # scikit-learn or matplotlib missing, or teaching/ not installed
        missing = e.name or str(e)
        if missing.split(".")[0] == "teaching":  # an install from before teaching/ existed
            hint = "reinstall the project (pip install -e .) or run from the repository root"
        else:
            hint = TEACH_HINT
        print(f"python -m reference {argv[0]} needs {missing!r}, which is not installed: {hint}", file=sys.stderr)
        return 1
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
