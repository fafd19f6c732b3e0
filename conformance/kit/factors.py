"""Constant factors explained as a product of named cost conventions.

When every gradient is k times the video's, k is measured on networks whose m
(examples) and n_L (outputs) separate the candidates (a probe with m = 3 and
n_L = 5: 2, 3 and 5 are primes, so k = +-2^a m^b n_L^c has one reading) and
written as the conventions that produce it.

>>> explain([(1.5, 3, 5), (0.5, 1, 1)])[0]
'm/2'
>>> explain([(1.5, 3, 5)])[1]
['the 1/2 cost convention', 'a sum over the m examples instead of their mean']
>>> explain([(0.5, 1, 1)]) is None  # one example, one output: 1/2, m/2, 1/(2 n_L)... cannot be told apart
True
"""

from __future__ import annotations

import itertools

# exponent of 2, of m, of n_L -> (what it is, what the video says)
TERMS = {
    ("2", -1): ("the 1/2 cost convention",
                "the video's C0 = sum_j (a(L)_j - y_j)^2 has no 1/2, so dC0/da(L) = 2(a(L) - y) (01:32, 04:07)"),
    ("2", 1): ("a factor 2 too many", "dC0/da(L) = 2(a(L) - y) has one 2 (04:07)"),
    ("2", 2): ("a factor 4 too many", "dC0/da(L) = 2(a(L) - y) has one 2 (04:07)"),
    ("2", -2): ("a quarter", "dC0/da(L) = 2(a(L) - y) (04:07)"),
    ("m", 1): ("a sum over the m examples instead of their mean",
               "C averages the examples' costs C0, so divide by m once (01:32)"),
    ("m", -1): ("a second 1/m (divided by m twice)",
                "dC/da(L) = 2(a(L) - y)/m carries the one 1/m; dC/dw and dC/db only sum over the examples (01:32)"),
    ("m", 2): ("m^2 (the 1/m missing twice)", "C averages the examples' costs C0 (01:32)"),
    ("m", -2): ("1/m^2 (a 1/m too many, twice)", "C averages the examples' costs C0, one 1/m (01:32)"),
    ("n", -1): ("a mean over the n_L outputs as well (torch.nn.MSELoss's default)",
                "C0 sums (a(L)_j - y_j)^2 over the outputs j, no mean (07:15)"),
    ("n", 1): ("a factor n_L", "C0 sums over the outputs j once (07:15)"),
    ("n", -2): ("1/n_L^2", "C0 sums over the outputs j, no mean (07:15)"),
    ("n", 2): ("n_L^2", "C0 sums over the outputs j once (07:15)"),
    ("sign", -1): ("the sign of (a - y) flipped", "dC0/da(L) = 2(a(L) - y), not 2(y - a(L)) (04:07)"),
}
RANGE = (-2, -1, 0, 1, 2)


def _fits(k, m, n, s, a, b, c, rtol):
    value = s * 2.0 ** a * float(m) ** b * float(n) ** c
    return abs(k - value) <= rtol * abs(value)


def candidates(measured, rtol: float = 1e-7) -> list:
    """(s, a, b, c) with k = s 2^a m^b n^c on every (k, m, n) measured, simplest first."""
    found = [(s, a, b, c) for s in (1, -1) for a, b, c in itertools.product(RANGE, RANGE, RANGE)
             if (s, a, b, c) != (1, 0, 0, 0) and all(_fits(k, m, n, s, a, b, c, rtol) for k, m, n in measured)]
    return sorted(found, key=lambda t: (_uncommon(*t), abs(t[1]) + abs(t[2]) + abs(t[3]), t[0] < 0))


COMMON = {("2", -1), ("m", 1), ("n", -1)}  # the conventions real code uses: 1/2, a sum over examples, MSELoss


def _uncommon(s, a, b, c) -> int:
    """How many of the terms are not one of the common conventions (those are listed first)."""
    return sum(1 for key, e in (("2", a), ("m", b), ("n", c)) if e and (key, e) not in COMMON)


def formula(s, a, b, c) -> str:
    """E.g. 'm/2', '-1', '1/(m n_L)', '2 m'."""
    num = [f"{base}" if e == 1 else f"{base}^{e}" for base, e in (("2", a), ("m", b), ("n_L", c)) if e > 0]
    den = [f"{base}" if e == -1 else f"{base}^{-e}" for base, e in (("2", a), ("m", b), ("n_L", c)) if e < 0]
    top = " ".join(num) or "1"
    text = top if not den else f"{top}/{den[0]}" if len(den) == 1 else f"{top}/({' '.join(den)})"
    return ("-" if s < 0 else "") + text


def terms(s, a, b, c) -> list:
    """The conventions, by name, and what the video says about each: [(name, video)]."""
    out = []
    for key, e in (("2", a), ("m", b), ("n", c)):
        if e:
            out.append(TERMS[(key, e)])
    if s < 0:
        out.append(TERMS[("sign", -1)])
    return out


def explain(measured, rtol: float = 1e-7):
    """(formula, [convention names], [what the video says]) when exactly one reading fits, else None."""
    found = candidates(measured, rtol)
    if len(found) != 1:  # none, or the networks measured cannot tell the readings apart (m = 1, n_L = 1, ...)
        return None
    named = terms(*found[0])
    return formula(*found[0]), [n for n, _ in named], [v for _, v in named]
