"""The kit draws the same networks whatever modules are loaded (conformance/kit/draws.py): Hypothesis' pool of
constants from local modules is closed while a kit property runs."""

from __future__ import annotations

import importlib.util
import sys

from hypothesis import settings

import reference
from conformance.kit.properties import FINGERPRINTS, build

FEW = settings(max_examples=40, derandomize=True, database=None, deadline=None)
LITERALS = "CONSTANTS = [" + ", ".join(f"{v!r}" for v in (0.0963, 0.77, 1.5e-3, -7.25, 3, 6, 7, 11, 31)) + "]\n"


def _fingerprint():
    build(reference.backprop, "contract", frameworks=False, settings=FEW)()
    return FINGERPRINTS["contract"].hexdigest()


def test_a_local_module_full_of_literals_changes_nothing(tmp_path):
    before = _fingerprint()
    path = tmp_path / "course_helpers.py"  # a local module (not site-packages, not a test file)
    path.write_text(LITERALS * 20)
    spec = importlib.util.spec_from_file_location("course_helpers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["course_helpers"] = module
    try:
        spec.loader.exec_module(module)
        assert _fingerprint() == before
    finally:
        del sys.modules["course_helpers"]


def test_the_fingerprint_sees_the_draws():
    """Another number of networks is another fingerprint: it digests what was drawn, not a constant."""
    before = _fingerprint()
    build(reference.backprop, "contract", frameworks=False, settings=settings(FEW, max_examples=41))()
    assert FINGERPRINTS["contract"].hexdigest() != before
