"""The blind corpus (tests/kit/blind/): mistakes written in other styles than the catalogue's engine, each caught
by the kit's own check and named, in the diagnosis, by the factor measured on the probes (issue 17).

Every test goes through :func:`conformance.kit.check.check` (the hook the kit uses: the failure dict, then
``diagnose``) on a small network where the mistake shows, in this process.
"""

from __future__ import annotations

import numpy as np
import pytest

from conformance.core.mistakes import CATALOG
from conformance.core.strategies import Case
from conformance.kit.check import KitFailure, check
from conformance.kit.diagnosis import diagnose
from conformance.kit.exceptions import fresh_names

from .blind import loops
from .blind.corpus import CORPUS

CASE = Case([np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.5, -0.5]])], [np.array([0.1, -0.2]), np.array([0.3])],
            ["relu", "sigmoid"], np.array([[1.0, 2.0], [-0.5, 0.0], [0.25, 1.0]]), np.array([[0.5], [-1.0], [1.0]]))
TWO_OUT = Case([np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.5, -0.5], [0.4, 0.9]])],
               [np.array([0.1, -0.2]), np.array([0.3, -0.1])], ["relu", "sigmoid"],
               np.array([[1.0, 2.0], [-0.5, 0.0], [0.25, 1.0]]), np.array([[5.0, -4.0], [-3.0, 2.0], [1.0, 6.0]]))
WIDE = Case([np.array([[0.5, -1.0], [2.0, 0.25], [0.3, 0.7]]), np.array([[1.5, -0.5, 0.2]])],
            [np.array([0.1, -0.2, 0.05]), np.array([0.3])], ["tanh", "tanh"],
            np.array([[1.0, 2.0], [-0.5, 0.0], [0.25, 1.0]]), np.array([[0.5], [-1.0], [1.0]]))


def case_for(blind) -> Case:
    """A small network on which the mistake shows (what the kit's search would hand the diagnosis)."""
    if blind.fn is loops.fixed_input_size:  # three inputs where the code assumes two
        return Case([np.array([[0.5, -1.0, 0.2]])], [np.array([0.1])], ["sigmoid"], np.ones((2, 3)), np.zeros((2, 1)))
    if "tanh" in blind.name:
        return WIDE
    if blind.name in ("clipped_gradients", "mse_mean_over_everything", "first_path_only"):
        return TWO_OUT  # two outputs, targets far from a(L): large gradients
    if blind.name == "names_compared_with_is":  # names read from a file or another process: equal, not identical
        return Case(CASE.weights, CASE.biases, fresh_names(["relu", "tanh"]), CASE.x, CASE.y)
    return CASE


def raised_record(fn, case) -> dict:
    """The worker's record of the exception `fn` raises on `case` (kind, type, text, traceback)."""
    try:
        fn(*case.args())
    except Exception as exc:  # noqa: BLE001
        return {"kind": "exception", "type": type(exc).__name__, "text": str(exc), "traceback": ""}
    raise AssertionError("it did not raise")


def diagnosis_of(blind) -> str:
    case = case_for(blind)
    with pytest.raises(KitFailure) as info:
        check(blind.fn, case, frameworks=False)
    record = info.value.record
    if record["check"] == "call":  # the hook for exceptions is the check's (issue 16): the same call, by hand
        failure = {"check": "call", "summary": record["summary"], "raised": raised_record(blind.fn, case),
                   "problem": None, "layout": record["layout"]}
        return diagnose(case, blind.fn, failure=failure)
    assert record["diagnosis"], record["message"]
    return record["diagnosis"]


def test_the_corpus_is_blind_enough():
    """At least 20 mistakes, 8 outside the catalogue, 4 compound, in four styles; every entry it claims exists."""
    assert len(CORPUS) >= 20
    assert sum(not b.entries for b in CORPUS) >= 8
    assert sum(b.compound for b in CORPUS) >= 4
    assert {b.style for b in CORPUS} == {"columns", "classes", "dicts", "loops"}
    assert all(e in CATALOG for b in CORPUS for e in b.entries)


@pytest.mark.parametrize("blind", CORPUS, ids=lambda b: b.name)
def test_each_blind_mistake_is_caught_and_named_by_its_measured_factor(blind):
    text = diagnosis_of(blind)
    for phrase in blind.factor:
        assert phrase in text, text
    for entry in blind.entries:
        assert repr(entry) in text, text
    assert "No factor measured" not in text


@pytest.mark.parametrize("blind", [b for b in CORPUS if b.compound], ids=lambda b: b.name)
def test_a_compound_mistake_names_each_entry_for_its_factor_and_describes_the_rest(blind):
    text = diagnosis_of(blind)
    assert "Likely mistake" not in text  # no single entry gives the whole output
    if any(not any(repr(e) in line for e in blind.entries) for line in text.splitlines() if "Catalogued" in line):
        raise AssertionError(text)
    if len(blind.entries) < 2:  # one entry, and a factor outside the catalogue: still described
        assert "Not explained by any catalogued mistake, described above in numbers" in text, text
