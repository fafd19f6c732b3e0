"""The same networks everywhere: what the kit draws depends only on its version and its options.

Two things would make the draws depend on where the kit runs, and both are closed here:

* Hypothesis mixes into its draws, now and then, constants it collects from the *local* modules
  loaded in the process (``hypothesis.internal.conjecture.providers._get_local_constants``: the
  literals of every imported module that is not in site-packages, the standard library or a test
  file).  An editable checkout makes the kit's own source local, a wheel does not; the working
  folder and the student's file change the pool too.  Hypothesis has no setting for it (6.170), so
  :func:`no_local_constants` gives its provider an empty pool while a kit property runs, and
  clears the cache of constants it derived (restored afterwards).  Its *global* pool is fixed per
  Hypothesis version, as every other draw is.
* the seed: ``derandomize=True`` seeds from a digest of the property's source (the same in a wheel
  and a checkout) and ``database=None`` replays nothing from earlier runs.

:func:`fingerprint` digests the drawn networks in the order they were drawn: two runs drew the same
networks exactly when their fingerprints agree (the report holds one per property).
"""

from __future__ import annotations

import contextlib
import hashlib

import numpy as np


@contextlib.contextmanager
def no_local_constants():
    """While inside, Hypothesis draws no constant collected from local modules."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # a Hypothesis without the local-constants pool: nothing to close
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    if original is None:
        yield
        return
    empty = Constants()
    providers._get_local_constants = lambda *args, **kwargs: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


class Fingerprint:
    """A running digest of the networks drawn (sizes, activations, every value, the layout)."""

    def __init__(self):
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, case, layout: str) -> None:
        self._hash.update(repr((case.sizes, list(case.activations), layout)).encode())
        for a in (*case.weights, *case.biases, case.x, case.y):
            self._hash.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        self.count += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()[:16]
