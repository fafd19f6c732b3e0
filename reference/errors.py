"""The project's own exceptions.  The checks that raise them live in :mod:`reference.checks`.

Both name the argument (in the video's notation where it has one, e.g. ``weights[1] (w(2))``),
the shape or value found and what was expected.  They subclass ``ValueError`` and ``TypeError``,
so code that catches those keeps working.
"""


class ReferenceValueError(ValueError):
    """A value or shape the reference cannot accept (names the argument)."""


class ReferenceTypeError(TypeError):
    """A type the reference cannot accept: complex, non-numeric, masked, too wide, needing grad."""
