"""The kit's acceptance rule: how far a graded answer may be from the reference's (docs/grading.md).

The rule depends only on the drawn case, the tolerance row (``--dtype``, else the answer's dtype) and
the answer: never on which frameworks are installed (they only inform the message,
:mod:`conformance.kit.oracles`).  An entry of dC/dw(l) or dC/db(l) passes when

    |yours - reference| <= atol + max(rtol |reference|, safety * B)

with atol, rtol, safety the row of ``conformance/core/tolerances.py`` and B the running error bound
of that entry (:func:`conformance.core.bounds.error_bounds`, Higham ch. 3) taken with one change
for graded code: every activation and every sigma' may carry an *absolute* error of ``act_ulps * u``
(the bound's ``floor``), not only a relative one.  That is the error of the standard formula
variants a correct backprop may use:

* sigmoid as 0.5 (1 + tanh(z / 2)): 1 + tanh(z/2) cancels for z << 0 (s(-20) = 2e-9 comes out with an
  absolute error of about u, a relative one of 5e-8); tanh as 2 s(2z) - 1 near 0, likewise;
* sigma' as s(1 - s), 1 - tanh^2, 4 s(2z)(1 - s(2z)): each computed from a value that rounds near 1;
* exp(-logaddexp(0, -z)), expit, 1 / (1 + e^-z) guarded: relative errors of |z| u, absolute ones below u.

B propagates those errors through the rest of the network exactly as it propagates rounding, so an
entry whose value is small *because* its activation is saturated (dC/dw(2)[j, k] = sum_m dC/dz(2)_j
a(1)_k with a(1)_k = 2e-9) is allowed the error its activation's formula may carry, scaled by what it
multiplies.  The catalogue's mistakes (conformance/core/mistakes.py) change entries by O(1) relative
amounts, or to NaN / inf, and still fail under every row (tests/kit/test_acceptance.py).

>>> import numpy as np
>>> from conformance.core.strategies import Case
>>> case = Case([np.array([[1.0]]), np.array([[1.0]])], [np.array([-20.0]), np.array([0.0])],
...             ["sigmoid", "sigmoid"], np.array([[0.0]]), np.array([[1.0]]))
>>> rule = AcceptanceRule(case, "float64")
>>> import reference
>>> ref = reference.backprop(*case.args())
>>> yours = ([ref[0][0], ref[0][1] * (1 + 5e-8)], ref[1])       # a(1) = s(-20) off by 5e-8 relative
>>> rule.differences(ref, yours)[0]
[]
>>> rule.differences(ref, ([ref[0][0], ref[0][1] * 2], ref[1]))[0][0].tensor
'dC/dw(2)'
"""

from __future__ import annotations

import dataclasses

import numpy as np

import reference
from conformance.core.bounds import error_bounds
from conformance.core.naming import entry_name
from conformance.core.tolerances import Tolerance, tolerance


def row_for(dtype_fixed, yours) -> str:
    """The tolerance row: ``--dtype`` when the grader fixed it, else the dtype the answer came in."""
    if dtype_fixed is not None:
        return np.dtype(dtype_fixed).name
    kind = np.result_type(*yours[0], *yours[1])
    return "float32" if kind == np.float32 else "float64"


@dataclasses.dataclass(frozen=True)
class Difference:
    """One entry outside the rule: which, the two values, and how far (excess > 1 fails)."""

    tensor: str
    layer: int
    index: tuple
    reference: float
    yours: float
    excess: float

    @property
    def name(self) -> str:
        return entry_name(self.tensor[:5], self.layer, self.index)

    def record(self) -> dict:
        return {"tensor": self.tensor, "index": list(self.index), "reference": self.reference, "yours": self.yours}


class AcceptanceRule:
    """Whether an answer for `case` passes under the tolerance row `row` (see the module docstring)."""

    def __init__(self, case, row: str):
        self.case, self.row = case, row
        base = tolerance(row)
        self.tol: Tolerance = dataclasses.replace(base, floor=max(base.floor, base.act_ulps * base.u))
        self._bounds = None

    def bounds(self):
        """(B of every dC/dw(l), B of every dC/db(l)) for the case."""
        if self._bounds is None:
            args = self.case.args()
            b = error_bounds(*args, reference.backprop_trace(*args), self.tol)
            self._bounds = (b["dC_dw"], b["dC_db"])
        return self._bounds

    def excess(self, yours, ref, part: int, l: int) -> np.ndarray:
        """|yours - ref| / allowed for every entry of one tensor (part 0: dC/dw, 1: dC/db; layer l)."""
        with np.errstate(all="ignore"):
            plain = self.tol.excess(yours, ref)
            if not np.any(plain > 1):
                return plain
            return np.minimum(plain, self.tol.excess(yours, ref, scale=self.bounds()[part][l - 1]))

    def differences(self, ref, yours):
        """([:class:`Difference`, worst first], number of entries compared)."""
        found, total = [], 0
        for part, sym in enumerate(("dC/dw", "dC/db")):
            for l, (r, g) in enumerate(zip(ref[part], yours[part]), start=1):
                total += r.size
                excess = self.excess(g, r, part, l)
                excess = np.where(np.isnan(excess), np.inf, excess)
                for idx in zip(*np.nonzero(excess > 1)):
                    idx = tuple(int(i) for i in idx)
                    found.append(Difference(f"{sym}({l})", l, idx, float(r[idx]), float(g[idx]), float(excess[idx])))
        found.sort(key=lambda d: -d.excess)
        return found, total

    def describe(self) -> str:
        return (f"|yours - reference| <= {self.tol.atol:g} + max({self.tol.rtol:g} |reference|, the entry's error "
                f"bound) ({self.row} row, docs/grading.md)")


def judge(case, yours, dtype_fixed=None, ref=None):
    """(differences, total, rule): `yours` against the reference on `case` under the kit's acceptance rule.

    `ref`: the reference's (dC_dw, dC_db) on `case` when the caller has it already (else computed here).
    A float32 answer is compared with the reference on the same float32-rounded inputs too (as the suite's
    float32 runs are): it passes when it agrees with either.
    """
    row = row_for(dtype_fixed, yours)
    rule = AcceptanceRule(case, row)
    found, total = rule.differences(ref if ref is not None else reference.backprop(*case.args()), yours)
    if found and row == "float32":
        case32 = case.rounded(np.float32)
        rule32 = AcceptanceRule(case32, row)
        if not rule32.differences(reference.backprop(*case32.args()), yours)[0]:
            return [], total, rule32
    return found, total, rule
