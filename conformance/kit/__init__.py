"""The conformance kit: checks a backprop that is not the reference's (``backprop-check``, ``pytest --impl``).

PYTEST_DONT_REWRITE: ``backprop-check`` imports this package before pytest starts; the kit raises
its own failures (:class:`conformance.kit.check.KitFailure`) and uses no bare assert.
"""


def __getattr__(name):
    """``from conformance.kit import check``: the Python API (:mod:`conformance.kit.api`), imported on first use."""
    if name in ("check", "KitResult"):
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
