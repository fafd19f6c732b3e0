"""One pytest option that both front ends offer: whichever plugin pytest loads first registers it.

``--conformance-report`` is the suite's table in a suite run and the kit's verdict in a kit run; the
two plugins load in either order (entry points, ``-p NAME``), so each asks before adding it.
Imports nothing: pytest loads both plugins in every project where the package is installed.
"""

from __future__ import annotations

REPORT_FLAG = "--conformance-report"


def has_option(parser, name: str) -> bool:
    """Whether some plugin already registered `name` (pytest has no public lookup across groups)."""
    groups = [*getattr(parser, "_groups", ()), getattr(parser, "_anonymous", None)]
    return any(name in opt.names() for g in groups if g is not None for opt in g.options)
