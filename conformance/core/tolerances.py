"""The one tolerance table of the suite: every comparison takes its numbers from here.

Two rules use the same entries.

1. The conformance rule (what the suite asserts).  For every entry of every tensor,

       |framework - reference| <= safety * B + atol

   where B is a first-order *running error bound* computed for that very entry by
   :func:`conformance.core.bounds.error_bounds` from the drawn network (Higham,
   "Accuracy and Stability of Numerical Algorithms", ch. 3: a dot product of length n
   carries an error of at most gamma_n |w| |a|, gamma_n = n u / (1 - n u)).  B is built
   from the numbers below:

   * ``u_matmul``  unit roundoff of the products inside a matmul (float32: 2^-24 = 6e-8;
     TF32: both operands rounded to a 10-bit mantissa, 2^-11 = 4.9e-4);
   * ``u``         unit roundoff of every other operation (sigma, (a - y), sums, the step);
   * ``act_ulps``  how many u a framework's sigma / sigma' may be off (libm and XLA's
     exp/tanh are within a few ulp; s(1 - s) loses one more).  It is an *absolute* error
     of u * act_ulps in sigma' for sigmoid and tanh: s(1 - s) and 1 - tanh^2 are
     computed from a value that rounds near 1, so their absolute error is about u
     whatever z is.  This covers saturation: torch and jax give exactly 0 once s rounds
     to 1 (z >= 37 float64, z >= 17.3 float32) while the reference keeps e^-|z|; there
     the truth e^-|z| <= u already, so 0 is within u of it, for every drawn
     magnitude, 20, 40 or 60 alike (nothing is skipped).  Measured (torch 2.13, jax 0.10.2,
     CPU, z every 3e-5 over [-30, 30], against the reference's sigma'): sigmoid' is off by
     at most 1.5 x 2^-53 / 2^-24 in both frameworks and torch's tanh' by 3 x 2^-53, but
     jax's tanh' (XLA's tanh is a rational approximation) by 14.7 x 2^-53 at z = 15.9
     (float64) and 8.7 x 2^-24 at z = 5.7 (float32): more than act_ulps u alone allows.
     What covers it today is the bound's |sigma''| Dz term, which uses the *global* sup
     |sigma''| (0.77 for tanh) rather than the sup near z; making that term local (it
     would tighten B in deep saturation) needs act_ulps raised to these measurements;
   * ``floor``     the absolute error of one operation that underflows (float32 on XLA's
     CPU flushes subnormals: 2^-126 = 1.2e-38; float64 2^-1022);
   * a relu whose z lies within its own error bound of 0 may legitimately take either
     slope (the kink; exact zeros are drawn on purpose): B then allows the full |dC/da|
     for that neuron's dC/dz and everything downstream of it.

   Both sides' errors count: in float64 the framework and the reference each carry one
   B, so u is 2 * 2^-53; in float32 the framework computes in float32 from the *same*
   float32-rounded inputs as the reference (which runs in float64 on them), so the
   difference is the framework's float32 arithmetic alone plus the reference's ~1e-16.
   ``safety`` = 2 absorbs the neglected second-order terms.  B is a worst case (all
   rounding errors aligned); measured errors stay below a few percent of it (the
   terminal summary prints the worst fraction), while a real bug (a missing 2, 1/m,
   a wrong sigma', relu'(0) = 1, a transposed w) is O(1) relative and is caught
   (tests/test_conformance_meta.py proves that for each of them, float32 included).

   Why not a plain rtol: the drawn networks cancel (z = 0.1 + 0.2 - 0.3, a ~= y), and
   a relative tolerance on a cancelled entry is either crying wolf or, to stop that, so
   loose everywhere else that a missing factor 2 would pass.  B is large exactly where
   the computation is ill-conditioned and tight elsewhere.

2. The plain rule ``|ours - reference| <= atol + rtol * |reference|`` (numpy.isclose)
   for callers that have no bound (the kit, quick checks): :meth:`Tolerance.excess`
   with no ``scale``.  float64: rtol 1e-10: the bound above, divided by |reference|,
   stays under 1e-12 on moderate well-conditioned networks (4 layers of width 6,
   values |v| <= 3); the factor 100 is for mild cancellation.  atol 1e-12: an absolute
   floor for entries that cancel to ~0; float64 saturation differences are <= e^-37 <
   1e-16 and need no more.  The earlier 1e-9 / 1e-7 was a guess 1e5 times too loose.
   float32: rtol 1e-4 (about 1700 u: the bound's depth x width growth, 4 x 7, times the
   safety margin for moderate cancellation), atol 1e-6 (saturated slopes are <= u ~ 6e-8
   times |dC/da|).  TF32: rtol 1e-2, atol 1e-4, the same reasoning with u = 2^-11
   (measured on an H100, docs/conventions.md: 4e-4 relative on a 784-256-256-10 network).

Measured (ci profile, this machine): the worst error of any entry, as a fraction of the
conformance rule's allowance, is about 0.1 in float64, 0.2 in float32 (forward and
backward) and 0.33 for a float32 SGD step, 0.5 in some runs and in the thorough profile
(rounding w - eta g to float32 alone is up to half an ulp of w, u |w|, against an allowance
of 2 x (u |w| + ...): 0.5 is the ceiling a correctly rounded step can reach).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

U64 = 2.0**-53  # float64 unit roundoff, 1.1e-16
U32 = 2.0**-24  # float32 unit roundoff, 6.0e-8
U_TF32 = 2.0**-11  # TF32 keeps 10 mantissa bits: unit roundoff 4.9e-4


@dataclass(frozen=True)
class Tolerance:
    """One row of the table; see the module docstring for both rules."""

    rtol: float
    atol: float
    why: str
    u: float = 2 * U64
    u_matmul: float = 2 * U64
    act_ulps: float = 4.0
    floor: float = 2.0**-1022
    safety: float = 2.0

    def excess(self, ours, reference, scale=None) -> np.ndarray:
        """|ours - reference| / allowed, elementwise: <= 1 passes.

        allowed = atol + rtol * |reference| (the plain rule), or, with ``scale`` = the
        error bound B of each entry, atol + safety * B (the conformance rule).
        """
        ours, reference = np.asarray(ours, np.float64), np.asarray(reference, np.float64)
        if scale is None:
            allowed = self.atol + self.rtol * np.abs(reference)
        else:
            allowed = self.atol + self.safety * np.asarray(scale, np.float64)
        diff = np.abs(ours - reference)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(diff == 0, 0.0, diff / allowed)
        return np.where(np.isnan(ours) != np.isnan(reference), np.inf, np.nan_to_num(out, nan=np.inf))


TOLERANCES = {
    # framework float64 vs reference float64: both carry rounding errors of u = 2^-53
    "float64": Tolerance(
        rtol=1e-10, atol=1e-12, u=2 * U64, u_matmul=2 * U64, floor=2.0**-1022,
        why="float64 both sides: B with u = 2 * 2^-53; sigma' absolute error <= 4u covers e^-|z| for z >= 37",
    ),
    # framework float32 vs reference float64 on the same float32-rounded inputs
    "float32": Tolerance(
        rtol=1e-4, atol=1e-6, u=U32 + U64, u_matmul=U32 + U64, floor=2.0**-126,
        why="float32 framework: B with u = 2^-24 (+ the reference's 2^-53); subnormals flush (2^-126)",
    ),
    # --allow-tf32: matmul operands rounded to 10 mantissa bits, the rest in float32
    "float32-tf32": Tolerance(
        rtol=1e-2, atol=1e-4, u=U32 + U64, u_matmul=2 * U_TF32 + U32, floor=2.0**-126,
        why="TF32 matmuls: both operands rounded to 2^-11 (so 2 * 2^-11 a product), the rest float32",
    ),
}


def tolerance(dtype: str, *, tf32: bool = False) -> Tolerance:
    """The table's row for a dtype ("float64", "float32") and precision mode.

    ``tf32`` (``--allow-tf32``) changes float32 only: float64 never goes through TF32.
    """
    key = str(np.dtype(dtype))
    if tf32 and key == "float32":
        key = "float32-tf32"
    return TOLERANCES[key]


def mode_name(dtype: str, *, tf32: bool = False) -> str:
    """The table key that :func:`tolerance` uses: "float64", "float32" or "float32-tf32"."""
    key = str(np.dtype(dtype))
    return "float32-tf32" if tf32 and key == "float32" else key
