"""What a measurement is made of: a :class:`Reading` per factor and place, a :class:`Measurement` per function,
and the caller that runs a function on a probe (on copies, within a time budget, shapes read through).

>>> r = Reading("sigma'", "relu, last layer", np.zeros(2), np.zeros(2), True)
>>> r.key
("sigma'", 'relu, last layer')
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

TOL = {False: (1e-6, 1e-9), True: (2e-3, 2e-5)}  # (rtol, atol) of a ratio: float64 answers, float32 answers
BUDGET_S = 6.0  # seconds of probe calls at most, so that a whole diagnosis stays within 10 s on a slow function


@dataclass
class Reading:
    """One factor measured at one place: your numbers (``values``) against the video's (``video``)."""

    factor: str  # "dC0/da(L)", "sigma'", "dz/dw", "dz/db", "dz/da", "extra terms", "overflow"
    where: str  # "factor", "form", "relu, last layer", "layer 2 (hidden)", ...
    values: np.ndarray  # what was measured, as ratios to your own downstream numbers
    video: np.ndarray  # the video's values of the same ratios
    ok: bool
    text: str = ""  # the measurement in words and numbers, when it deviates
    label: str = ""  # the known variant the numbers equal exactly ('' if none)
    short: str = ""  # the same in a few words, where another sentence already says the rest

    @property
    def key(self):
        return self.factor, self.where


@dataclass
class Measurement:
    """Every reading of one function, which activations it accepted, and what it raised on."""

    readings: list = field(default_factory=list)
    accepted: list = field(default_factory=list)
    raised: dict = field(default_factory=dict)  # probe description -> error text
    float32: bool = False
    calls: int = 0
    reshaped: set = field(default_factory=set)  # shapes read through (a transposed dC/dw, a (1, n) dC/db)
    decay: float | None = None  # the c of an extra term c w(l) measured in every dC/dw(l)
    skipped: bool = False  # sigma' in the first and hidden positions left out: the step back deviates
    linear_cost: bool = True  # dC0/da(L) is a multiple of a(L) - y (where small): it cancels out of sigma' ratios
    hidden: list = field(default_factory=list)  # readings left out, and why (one sentence each)

    def deviating(self):
        return [r for r in self.readings if not r.ok]


# ---------------------------------------------------------------- calling

class Caller:
    """Calls `fn` on copies of a probe's arrays: (dC_dw, dC_db) as float64 arrays, or None and the error."""

    def __init__(self, fn, m: Measurement, budget_s: float = BUDGET_S):
        self.fn, self.m, self.budget_s, self.deadline = fn, m, budget_s, time.perf_counter() + budget_s

    def __call__(self, args, label):
        if time.perf_counter() > self.deadline:
            self.m.raised[label] = f"not run: the diagnosis spends at most {self.budget_s:g} s calling your function"
            return None
        w, b, acts, x, y = args
        copies = ([a.copy() for a in w], [a.copy() for a in b], list(acts), x.copy(), y.copy())
        self.m.calls += 1
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                out = self.fn(*copies)
                dw, db = list(out[0]), list(out[1])
                raw = [np.asarray(g) for g in dw + db]
                if raw and all(g.dtype == np.float32 for g in raw):
                    self.m.float32 = True
                dw = [np.array(g, dtype=float) for g in dw]
                db = [np.array(g, dtype=float) for g in db]
            except Exception as exc:  # noqa: BLE001  (a probe your function cannot run is reported as such)
                self.m.raised[label] = f"raised {type(exc).__name__}: {exc}"[:300]
                return None
        if self.m.decay is not None and len(dw) == len(w) and all(g.shape == r.shape for g, r in zip(dw, w)):
            dw = [g - self.m.decay * r for g, r in zip(dw, w)]
        if len(dw) == len(w) and len(db) == len(b):
            for i, (g, r) in enumerate(zip(dw, w)):
                if g.shape != r.shape and g.T.shape == r.shape and r.shape[0] != r.shape[1]:
                    dw[i] = g.T
                    self.m.reshaped.add("dC/dw(l) transposed back")
            for i, (g, r) in enumerate(zip(db, b)):
                if g.shape != r.shape and g.size == r.size:
                    db[i] = g.reshape(r.shape)
                    self.m.reshaped.add("dC/db(l) reshaped to b(l)'s shape")
        if len(dw) != len(w) or len(db) != len(b) or any(g.shape != r.shape for g, r in zip(dw + db, w + b)):
            shapes = ", ".join(str(g.shape) for g in dw + db)
            self.m.raised[label] = f"returned gradients of shapes {shapes}"
            return None
        return dw, db


def close(a, b, f32, atol_scale=1.0):
    rtol, atol = TOL[f32]
    with np.errstate(all="ignore"):
        return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol * atol_scale,
                                equal_nan=True))


def ratio(num, den):
    with np.errstate(all="ignore"):
        return np.where(den != 0, np.asarray(num, float) / np.where(den != 0, den, 1.0), np.nan)


def num(v) -> str:
    return "NaN" if np.isnan(v) else ("inf" if v > 0 else "-inf") if np.isinf(v) else f"{float(v):.4g}"


def nums(vs) -> str:
    return "[" + ", ".join(num(v) for v in np.ravel(vs)) + "]"


def same_reading(a: Reading, b: Reading, f32=False) -> bool:
    """Two readings of one factor with the same numbers."""
    if a.key != b.key or a.values.shape != b.values.shape:
        return False
    return close(a.values, b.values, f32) and close(b.values, a.values, f32)
