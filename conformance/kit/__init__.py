"""The conformance kit: checks a backprop that is not the reference's (``backprop-check``, ``pytest --impl``,
and from Python ``from conformance.kit.api import check``).

PYTEST_DONT_REWRITE: ``backprop-check`` imports this package before pytest starts; the kit raises
its own failures (:class:`conformance.kit.check.KitFailure`) and uses no bare assert.
"""

