"""``python -m conformance.kit SPEC [options]``: the same as ``backprop-check`` (:mod:`conformance.kit.cli`).

``python -m`` puts the working folder first on ``sys.path``: run from a student's folder, a ``reference.py``
or ``numpy.py`` there would be imported by the grader itself.  So the working folder leaves ``sys.path``
first (unless this package was imported from it: a checkout used in place), before anything else is imported.
"""

import os
import sys
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds conformance/
if sys.path and Path(sys.path[0] or os.getcwd()).resolve() == Path.cwd().resolve() != _PACKAGE_ROOT:
    del sys.path[0]

from .cli import main  # noqa: E402  (after sys.path is cleaned)

if __name__ == "__main__":
    sys.exit(main())
