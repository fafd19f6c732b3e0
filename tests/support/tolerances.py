"""The one tolerance table of the suite: every comparison takes its numbers from here.

A value `ours` passes against `reference` when
    |ours - reference| <= atol + rtol * |reference|
(numpy.isclose's rule).  Where the numbers come from:

float64 (framework in float64 against the reference in float64): both sides
  do the same O(depth * width) operations in a different order; with unit
  roundoff 1.1e-16 and networks up to 4 layers of width 6, accumulated
  rounding stays below ~1e-13 relative.  rtol 1e-9 leaves a wide margin.
  atol covers saturated sigmoids and tanhs, where the frameworks compute
  s * (1 - s) = 0 but the true slope is ~e^-|z| <= e^-20 ~ 2e-9 times the
  upstream gradient (../shared/FACTS.md).
float32: to be derived by the conformance suite (see its docs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float
    why: str

    def excess(self, ours, reference) -> np.ndarray:
        """|ours - reference| / (atol + rtol |reference|): <= 1 passes, elementwise."""
        ours, reference = np.asarray(ours, np.float64), np.asarray(reference, np.float64)
        return np.abs(ours - reference) / (self.atol + self.rtol * np.abs(reference))


TOLERANCES = {
    "float64": Tolerance(rtol=1e-9, atol=1e-7, why="float64 rounding, plus saturated-sigmoid slopes ~e^-20"),
}


def tolerance(dtype: str) -> Tolerance:
    return TOLERANCES[dtype]
