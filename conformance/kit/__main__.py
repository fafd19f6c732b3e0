"""``python -m conformance.kit SPEC [options]``: the same as ``backprop-check`` (:mod:`conformance.kit.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
