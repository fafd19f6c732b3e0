"""Your chain rule, factor by factor: what your backprop does on the kit's probe networks (:mod:`.probes`).

:func:`measure` runs your function on every probe design and returns :class:`Reading` s, one per
factor and place: dC0/da(L) (its constant and its form), sigma'(z) of every activation your
function accepts in the last, first and hidden position, dz/dw = a(l-1), dz/db = 1,
dz/da(l-1) = w(l) with the sum over paths, and extra terms.  Each reading is a ratio of your
numbers to your own numbers one step downstream, so that one wrong factor does not show up as
another (two defects at once are two readings).  A reading that deviates carries a sentence with
the numbers measured and, where the numbers equal a known variant exactly, its name; nothing in
a sentence is claimed beyond the probe it names.

>>> from conformance.core.mistakes import CATALOG
>>> bad = [r for r in measure(CATALOG["tanh_prime_without_square"].function).readings if not r.ok]
>>> sorted({r.factor for r in bad}), bad[0].label
(["sigma'"], '1 - tanh(z), without the square')
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

import reference
from reference import SIGMA

from . import factors, probes
from .probes import D0, W_NEXT, Z_BIG, Z

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

class _Caller:
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


def _close(a, b, f32, atol_scale=1.0):
    rtol, atol = TOL[f32]
    with np.errstate(all="ignore"):
        return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol * atol_scale,
                                equal_nan=True))


def _ratio(num, den):
    with np.errstate(all="ignore"):
        return np.where(den != 0, np.asarray(num, float) / np.where(den != 0, den, 1.0), np.nan)


def _num(v) -> str:
    return "NaN" if np.isnan(v) else ("inf" if v > 0 else "-inf") if np.isinf(v) else f"{float(v):.4g}"


def _nums(vs) -> str:
    return "[" + ", ".join(_num(v) for v in np.ravel(vs)) + "]"


# ---------------------------------------------------------------- 1. dC0/da(L)

def _cost(call, m: Measurement):
    point = probes.output_point(m.accepted)
    if point is None:
        return None
    name, z, slope = point
    net = ("1-1 identity networks (x = 1, w = 0: dC/db(1) = dC0/da(L))" if name == "identity" else
           f"1-1 {name} networks at z = {z:g} (x = 1, w = 0: dC/db(1) = {name}'({z:g}) dC0/da(L), "
           f"{name}'({z:g}) = {slope:g})")
    grid = [(a, d, call(args, f"the {net}")) for a, d, args in probes.cost_grid(m.accepted)]
    if any(out is None for *_, out in grid):
        return None
    a = np.array([p[0] for p in grid])
    d = np.array([p[1] for p in grid])
    g = np.array([out[0][0][0, 0] for *_, out in grid])  # dC/dw(1) = dC/dz(1) x, x = 1
    video = 2 * d * slope
    r = _ratio(g, video)
    small = r[:probes.SMALL]
    k11 = float(small[0]) if np.isfinite(small[0]) else 1.0
    # -- the reductions over examples and outputs
    measured, notes = [(k11, 1, 1)], []
    form = _ratio(r, k11)
    form_ok = _close(form, 1.0, m.float32)
    for mm, n, dd, args in probes.cost_reductions(m.accepted):
        out = call(args, f"the {net} with m = {mm}, n_L = {n}")
        if out is None:
            return None
        vid = 2 * slope * dd.sum(axis=0) / mm
        first = 2 * slope * dd[0] / mm  # example 0's share
        ks, labels = [], []
        for got in (out[1][0], out[0][0][:, 0]):
            kv, k0 = _ratio(got, vid), _ratio(got, first)
            if _close(kv, kv[0], m.float32):
                ks.append(float(kv[0]))
                labels.append("")
            elif mm > 1 and _close(k0, k0[0], m.float32):
                ks.append(float(k0[0]))
                labels.append("taken from example 0 alone, not summed over the examples")
            else:
                ks.append(None)
                labels.append("")
        if not form_ok:
            continue  # a cost that is not linear in a - y: its reductions would only repeat that
        if None in ks:
            kb = _ratio(out[1][0], vid)
            notes.append(Reading("dC0/da(L)", "outputs", kb, np.ones(n), False,
                                 f"On the {net} with m = {mm}, n_L = {n}, your dC/db(1)_j is not one multiple of the "
                                 f"video's 2 sum_i (a_ij - y_ij)/m for every output j: ratios {_nums(kb)}; each "
                                 "output's dC0/da(L)_j = 2(a(L)_j - y_j) depends on its own a(L)_j and y_j alone "
                                 "(07:15)."))
            continue
        (kb, kw), (lb, lw) = ks, labels
        agree = _close(kb, kw, m.float32) and lb == lw
        k = kb if agree or not _close(kw, k11, m.float32) or lw else kw
        measured.append((k, mm, n))
        for part, kp, lab, sym in (("dz/db", kb, lb, "dC/db(1)"), ("dz/dw", kw, lw, "dC/dw(1)")):
            if mm > 1 and (lab or not _close(kp, k, m.float32)) and k != 0:
                rel = kp / k
                known = {0.0: "0 (never computed)", 1.0 / mm: "averaged over the examples a second time (a second 1/m)",
                         float(mm): "summed over the examples without the 1/m the other gradient has"}
                lab = lab or next((v for key, v in known.items() if _close(rel, key, m.float32)), "")
                if any(r.key == (part, f"over m = {mm} examples") for r in notes):
                    continue
                notes.append(Reading(part, f"over m = {mm} examples", np.array([rel, float(bool(lab))]),
                                     np.array([1.0, 0.0]), False,
                                     f"On the {net} with m = {mm} examples (x = 1, so dC/dw(1) = dC/db(1) in the "
                                     f"video), your {sym} is "
                                     + (f"{lab}" if lab.startswith("taken") else
                                        f"{_num(kp)} times the video's where your dC0/da(L) is {_num(k)} times it"
                                        + (f": {lab}" if lab else ""))
                                     + " (05:58).", lab))
    linear = _close(small, small[0], m.float32)  # a multiple of a - y where |a - y| is small (clipping aside)
    m.linear_cost = linear
    factor_ok = all(_close(k, 1.0, m.float32) for k, *_ in measured)
    readings = [Reading("dC0/da(L)", "factor", np.array([k for k, *_ in measured]), np.ones(len(measured)), factor_ok)]
    if not linear:
        readings = []  # no constant to read: the form says what it is
    elif not factor_ok:
        readings[0].text, readings[0].label = _factor_text(measured, net, m.float32)
        pts = ", ".join(f"{_num(k)} (m = {mm}, n_L = {n})" for k, mm, n in measured)
        that = f", that is {readings[0].label}:" if readings[0].label else ","
        readings[0].short = f"dC0/da(L), on {net}: {pts} times the video's 2(a(L) - y)/m{that} the factor above."
    # -- the form: a function of a - y alone, linear, not clipped
    if not form_ok:
        text, label = _form_text(a, d, g, video, k11, slope, net, m.float32)
        readings.append(Reading("dC0/da(L)", "form", form, np.ones_like(form), False, text, label))
    return readings + notes


def _factor_text(measured, net, f32):
    rtol = TOL[f32][0] * 10
    pts = "; ".join(f"{_num(k)} for m = {mm}, n_L = {n}" for k, mm, n in measured)
    reading = factors.explain(measured, rtol)
    head = f"dC0/da(L), on {net}: yours is a constant times the video's 2(a(L) - y)/m: {pts}"
    if reading is None:
        return head + ".", ""
    form, names, video = reading
    return (head + f", that is {form}: {' and '.join(names)}. " + " ".join(_cap(v) + "." for v in video),
            form)


def _cap(text):
    return text if text.startswith("dC") else text[0].upper() + text[1:]


def _form_text(a, d, g, video, k11, slope, net, f32):
    pts = "; ".join(f"a - y = {_num(dd)} (a = {_num(aa)}): {_num(gg)} where the video's is {_num(vv)}"
                    for aa, dd, gg, vv in zip(a, d, g, video))
    head = f"dC0/da(L) as a function of a(L) and y, on {net}: yours is not one multiple of 2(a(L) - y): {pts}"
    if not np.any(g):
        return head + ": 0 at every point.", "0"
    s = probes.SMALL
    small_ok = _close(_ratio(g[:s], video[:s]), k11, f32)
    big = np.abs(g[s:])
    if small_ok and np.all(np.isfinite(big)) and np.ptp(big) <= TOL[f32][0] * 10 * big.max() and \
            big.max() < np.abs(k11 * video[s:]).min():
        c = float(big.max())
        return (head + f". It is the video's (times {_num(k11)}) where that is small and {_num(c)} in magnitude "
                f"wherever that is larger: your gradients are cut at +-{_num(c)} (clipping), so a large "
                "error gives a small step (04:07).", f"clipped at +-{_num(c)}")
    if np.all((a > 0) & (a < 1)):
        ce = slope * d / (a * (1 - a))
        kk = _ratio(g, ce)
        if _close(kk, kk[0], f32):
            return (head + f". It equals {_num(kk[0])} (a - y)/(a(1 - a)) at every point: the cross-entropy cost's "
                    "dC/da, not the squared error's 2(a - y) (01:32, 04:07).", "cross-entropy dC/da")
    sq = _ratio(g, slope * d * d)
    if _close(sq, sq[0], f32):
        return (head + f". It equals {_num(sq[0])} (a - y)^2 at every point: the cost itself where its derivative "
                "2(a - y) belongs (04:07).", "(a - y)^2")
    A = np.stack([2 * d * slope, np.full_like(d, 2 * slope)], axis=1)
    coef, *_ = np.linalg.lstsq(A, g, rcond=None)
    if _close(A @ coef, g, f32) and abs(coef[1]) > 0:
        e = coef[1] / coef[0]
        return (head + f". It equals {_num(coef[0])} x 2(a - y + {_num(e)}) at every point: as if your a(L) were "
                f"off by {_num(e)} (an extra constant in z or a, an epsilon?) (02:01).", "offset")
    return head + ".", ""


# ---------------------------------------------------------------- 2. sigma'(z)

def _candidates(name):
    s = SIGMA[name]
    c = [("sigma'(a): the derivative evaluated at a = sigma(z) instead of at z", s.prime(s.sigma(Z))),
         ("sigma(z) itself, not its derivative", s.sigma(Z)),
         ("1 at every z: no sigma' there (left out, or the slope of an identity layer: another layer's "
          "activation?)", np.ones_like(Z)),
         ("0 at every z", np.zeros_like(Z)),
         ("sigma'(z)^2: sigma' applied twice", s.prime(Z) ** 2)]
    if name == "tanh":
        c += [("1 - tanh(z), without the square", 1 - np.tanh(Z)), ("1 - z^2: 1 - a^2 applied to z", 1 - Z ** 2)]
    if name == "sigmoid":
        c += [("z(1 - z): s(1 - s) applied to z instead of s = sigmoid(z)", Z * (1 - Z))]
    c += [(f"{t}'(z): the derivative of {t}, not of {name}", SIGMA[t].prime(Z)) for t in SIGMA if t != name]
    return [(text.replace("sigma", name), v) for text, v in c]


def _slope_label(name, c, video, f32, defined=None):
    """The known variant the measured curve `c` equals at the points `defined`, or ''."""
    defined = np.ones(Z.size, bool) if defined is None else defined
    for text, v in _candidates(name):
        if _close(c[defined], np.asarray(v)[defined], f32):
            return text
    if not defined.all():
        return ""
    if name == "relu":
        neg, pos, zero = c[Z < 0], c[Z > 0], c[Z == 0][0]
        if _close(pos, 1.0, f32) and _close(neg, neg[0], f32) and np.isfinite(neg[0]) and not _close(neg[0], 0.0, f32):
            return f"a leaky relu's: {_num(neg[0])} for z < 0 where relu'(z) = 0" + (
                f", and relu'(0) = {_num(zero)}" if not _close(zero, 0.0, f32) else "")
        if _close(pos, 1.0, f32) and _close(neg, 0.0, f32):
            return f"relu'(0) = {_num(zero)} where the video's relu'(0) = 0 (torch and jax.nn.relu agree)"
    k = c[np.argmax(np.abs(video))] / video[np.argmax(np.abs(video))]
    if np.isfinite(k) and _close(c, k * video, f32):
        return f"{_num(k)} times {name}'(z)"
    return ""


def _dz(out, l, fallback):
    """dC/dz(l) of the layer under test (from dC/dw(l)_j0: its a(l-1) is 1) and of the identity layer after it
    (its dC/db, or the video's dC/dz(l + 1) times your cost factor where your dC/db is all 0)."""
    down = out[1][l] if len(out[1]) > l else None
    if down is not None and not np.any(down):
        down = np.full_like(down, fallback)
    return out[0][l - 1][:, 0], down


def _below(call, m: Measurement, name):
    mine = call(probes.below_net(name), f"identity, {name}, identity chains")
    twin = call(probes.below_net("identity"), "identity chains") if "identity" in m.accepted else None
    if mine is None:
        return []

    def step(out):  # dC/dz(1) / dC/dz(2), both from dC/dw (a(0) = a(1) = 1; the diagonal survives a transpose)
        return _ratio(out[0][0][:, 0], np.diagonal(out[0][1]))
    back = step(mine)
    live = (SIGMA[name].prime(Z) > 1e-3) & np.isfinite(back)  # where dC/dz(2) is not 0 (the video's and yours)
    bden = step(twin) if twin is not None else np.ones_like(back)
    back = _ratio(back, bden) if np.all(np.isfinite(bden)) and np.all(bden != 0) else back
    back = np.where(live, back, 1.0)
    r = Reading("dz/da", f"below a {name} layer", back, np.ones_like(back), _close(back, 1.0, m.float32))
    if not r.ok:
        inv = _ratio(1.0, SIGMA[name].prime(Z))
        if _close(back[live], inv[live], m.float32):
            r.label = "dC/da(2) carried back where dC/dz(2) = dC/da(2) sigma'(z(2)) belongs"
        r.text = (f"The step back from a {name} layer (layer 2 of identity, {name}, identity chains, w(2) = 1): your "
                  f"dC/dz(1) / dC/dz(2) (from dC/dw) is {_nums(back[live])} at z(2) = {_nums(Z[live])} where the "
                  "video's is 1: dC/da(1) = w(2) dC/dz(2)" + (f"; yours is {r.label}" if r.label else "") + " (06:15).")
    return [r]


def _slopes(call, m: Measurement, name):
    out = []
    for pos in probes.POSITIONS:
        l = probes.layer_of(pos)
        mine = call(probes.slope_nets(name, pos), f"parallel one-neuron {name} chains ({pos} layer)")
        twin = call(probes.slope_nets("identity", pos), f"parallel one-neuron identity chains ({pos} layer)") \
            if "identity" in m.accepted else None
        if mine is None:
            continue
        L = len(mine[1])
        k11 = next((r.values[0] for r in m.readings if r.key == ("dC0/da(L)", "factor")), 1.0)
        fallback = 2 * D0 * k11
        (dz, down), (tz, tdown) = _dz(mine, l, fallback), _dz(twin, l, fallback) if twin is not None else (None, None)
        if pos == "last" and not m.linear_cost:
            continue  # your dC0/da(L) depends on a(L) itself: it does not cancel between chains with other a(L)
        if pos == "last":
            raw = dz
            den = tz if tz is not None else np.full_like(raw, fallback)
        else:
            raw = _ratio(dz, W_NEXT * down)
            den = _ratio(tz, W_NEXT * tdown) if tz is not None else np.ones_like(raw)
        if not (np.all(np.isfinite(den)) and np.all(den != 0)):
            den = np.full_like(raw, 2 * D0) if pos == "last" else np.ones_like(raw)
        c = _ratio(raw, den) if np.all(den != 0) else raw
        own_nan = ~np.isfinite(dz)  # NaN or inf in your own dC/dz: a value of yours, shown as such
        c = np.where(own_nan, dz, c)
        defined = own_nan | np.isfinite(c)  # elsewhere a ratio 0/0 of your numbers: not measured there
        if not defined.any():
            continue
        video = SIGMA[name].prime(Z)
        cz, vz = np.where(defined, c, video), video  # the undefined points compare as agreeing
        ok = _close(cz, vz, m.float32)
        r = Reading("sigma'", f"{name}, {pos} layer", cz, video, ok)
        if not ok:
            r.label = _slope_label(name, cz, video, m.float32, defined)
            diff = [i for i in range(Z.size) if defined[i] and not _close(c[i], video[i], m.float32)]
            pts = ", ".join(f"z = {Z[i]:g}: {_num(c[i])}" for i in diff)
            vid = ", ".join(_num(video[i]) for i in diff)
            norm = ("your dC/dw(1)_j0 = dC/dz(1)_j divided by the same for identity chains" if pos == "last" else
                    f"your dC/dz({l}) / (w({l + 1}) dC/dz({l + 1})), read from dC/dw (every a({l - 1}) is 1), "
                    "divided by the same for identity chains")
            where = f"layer {l} of {L}, " + {"last": "the output layer", "first": "the first layer",
                                              "hidden": "a hidden layer"}[pos]
            gaps = ("" if defined.all() else f"; not measured at z = {', '.join(f'{v:g}' for v in Z[~defined])}, "
                    "where that ratio is 0/0 on your numbers")
            r.text = (f"{name}'(z) in the {pos} position ({where}; parallel one-neuron chains, {norm}{gaps}): yours "
                      f"is {pts} where the video's {name}'(z) is {vid}" + (f": {r.label}" if r.label else "")
                      + " (04:27).")
        out.append(r)
        if pos == "hidden":  # the step back below the layer: dC/dz(2) carried back, not dC/da(2)
            out += _below(call, m, name)
    for pos in ("last", "first"):
        bad = []
        for zb in Z_BIG:
            args = probes.slope_nets(name, pos, z=[zb])
            mine = call(args, f"a one-neuron {name} chain at z = {zb:g}")
            if mine is not None and not all(np.isfinite(g).all() for g in mine[0] + mine[1]):
                bad.append(zb)
        r = Reading("overflow", f"{name}, {pos} layer", np.array([z in bad for z in Z_BIG], float),
                    np.zeros(len(Z_BIG)), not bad)
        if bad:
            r.text = (f"On a one-neuron {name} chain with z(1) = {', '.join(f'{b:g}' for b in bad)} ({pos} layer), "
                      "your gradients are NaN or inf where the video's are finite (sigma' is 0 to double precision "
                      "there): exp(|z|) overflows beyond |z| = 709; write sigma and sigma' from e^-|z| (np.tanh, "
                      "scipy.special.expit).")
            r.label = "overflow"
        out.append(r)
    return out


# ---------------------------------------------------------------- 3. dz/dw, dz/db, dz/da(l-1) per position

POS = {1: "first", 2: "hidden", 3: "last"}


def _layers(call, m: Measurement):
    name = probes.layer_activation(m.accepted)
    out = []  # an extra term c w(l) is already taken out of every dC/dw by the caller (see _extra)
    args = probes.layer_net(name)
    mine = call(args, f"a 2-2-2-2 {name} network")
    if mine is not None:
        with np.errstate(all="ignore"):
            t = reference.backprop_trace(*args)
        for l in (1, 2, 3):
            dw, db = mine[0][l - 1], mine[1][l - 1]
            prev = t.a[l - 1][0]
            where = f"layer {l} ({POS[l]}) of a 2-2-2-2 {name} network"
            if not np.any(dw) and not np.any(db) and np.any(t.dC_dw[l - 1]):
                out.append(Reading("dz/dw", f"layer {l} ({POS[l]})", np.zeros(1), np.ones(1), False,
                                   f"In {where}, your dC/dw({l}) and dC/db({l}) are 0 where the video's are "
                                   f"{_nums(t.dC_dw[l - 1])} and {_nums(t.dC_db[l - 1])} (09:03).", "zero"))
                continue
            if not np.any(db) and np.any(dw):
                out.append(Reading("dz/db", f"layer {l} ({POS[l]})", np.zeros(1), np.ones(1), False,
                                   f"In {where}, your dC/db({l}) is 0 where the video's is {_nums(t.dC_db[l - 1])} "
                                   f"and your dC/dw({l}) is not 0: dC/db({l}) = dC/dz({l}) * 1 (05:58).", "zero"))
                continue
            values = _ratio(dw, db[:, None])
            ok = _close(dw, np.outer(db, prev), m.float32, atol_scale=0)
            r = Reading("dz/dw", f"layer {l} ({POS[l]})", values, np.tile(prev, (2, 1)), ok)
            if not ok:
                sp = SIGMA[name].prime(t.z[l - 1][0])
                cands = [(np.outer(db, t.a[l][0]), f"a({l}), this layer's own activation, where a({l - 1}) belongs "
                                                   "(off by one layer)"),
                         (np.outer(prev, db), f"transposed: dC/dw({l})_jk = a({l - 1})_j dC/dz({l})_k"),
                         (np.outer(db * sp, prev), f"consistent with dC/dw({l}) = dC/dz({l}) a({l - 1})^T and a "
                                                   f"dC/db({l}) taken before sigma' (dC/da({l}), not dC/dz({l}))"),
                         (np.outer(db, np.clip(prev, -1, 1)), f"a({l - 1}) clipped to [-1, 1]")]
                if l > 1:
                    cands.insert(1, (np.outer(db, t.z[l - 2][0]), f"z({l - 1}) where a({l - 1}) = sigma(z({l - 1})) "
                                                                  "belongs"))
                r.label = next((lab for cand, lab in cands if _close(dw, cand, m.float32, atol_scale=0)), "")
                if "before sigma'" in r.label:
                    r.factor = "dz/db"
                r.text = (f"In {where} (m = 1), your dC/dw({l}) is not dC/db({l}) a({l - 1})^T: row by row "
                          f"dC/dw({l})_jk / dC/db({l})_j = {_nums(values)} where a({l - 1}) = {_nums(prev)}"
                          + (f": {r.label}" if r.label else "") + " (04:37, 05:58).")
            out.append(r)
    out += _back_steps(call, m, name)
    return out


def _extra(call, m: Measurement):
    """Extra terms: every gradient of the video is 0 where a(L) = y; an L2 term c w(l) is then taken out of every
    later dC/dw (m.decay), so that it does not show up as another factor."""
    name = probes.layer_activation(m.accepted)
    out = []
    exact = call(probes.layer_net(name, exact=True), f"a 2-2-2-2 {name} network with a(L) = y exactly")
    decay = None
    if exact is not None:
        got = exact[0] + exact[1]
        ok = all(_close(g, 0.0, m.float32, atol_scale=1e3) for g in got)  # float32-sized rounding is not a term
        ws, bs = probes.layer_net(name)[:2]
        r = Reading("extra terms", "a(L) = y", np.concatenate([g.ravel() for g in got]),
                    np.zeros(sum(g.size for g in got)), ok)
        if not ok:
            flat_w = np.concatenate([w.ravel() for w in ws])
            flat_g = np.concatenate([g.ravel() for g in exact[0]])
            c = float(flat_g @ flat_w / (flat_w @ flat_w))
            dbz = all(_close(g, 0.0, m.float32) for g in exact[1])
            if _close(flat_g, c * flat_w, m.float32) and dbz:
                decay = c
                r.label = f"an extra term {_num(c)} w(l) in dC/dw(l) (L2 weight decay)"
            r.text = (f"On a 2-2-2-2 {name} network with a(L) = y exactly, every gradient of the video is 0 (C is at "
                      f"its minimum); yours are not: dC/dw(1) = {_nums(exact[0][0])}, dC/db(1) = {_nums(exact[1][0])}"
                      + (f": {r.label}, which the video's cost does not have (01:32)." if decay is not None else
                         ": your forward pass or your cost is not the video's there (02:01)."))
        out.append(r)
    m.decay = decay
    return out


def _back_steps(call, m: Measurement, name):
    name = "identity" if "identity" in m.accepted else name
    args = probes.layer_net(name)
    mine = call(args, f"a 2-2-2-2 {name} network")
    if mine is None:
        return []
    with np.errstate(all="ignore"):
        t = reference.backprop_trace(*args)
    out = []
    for l in (3, 2):
        w, db, dwl = args[0][l - 1], mine[1][l - 1], mine[0][l - 1]
        sp = SIGMA[name].prime(t.z[l - 2][0])
        want = sp * (w.T @ db)
        got = mine[1][l - 2]
        values = _ratio(got, want)
        ok = _close(got, want, m.float32, atol_scale=0)
        where = f"layer {l} ({POS[l]}) to layer {l - 1} ({POS[l - 1]})"
        r = Reading("dz/da", where, values, np.ones_like(values), ok)
        if not ok:
            cands = [(sp * (w[:1].T @ db[:1]), "only the path through neuron j = 0: no sum over the paths j (08:32)"),
                     (sp * (w @ db), f"w({l}) where w({l})^T belongs: the paths summed over the wrong index"),
                     (sp * (args[0][l - 2].T @ db), f"w({l - 1}) where w({l}) belongs"),
                     (np.zeros_like(got), "nothing flows back")]
            lab = next((lab for cand, lab in cands if _close(got, cand, m.float32, atol_scale=0)), "")
            step = w.T @ db - got / sp  # = eta dw^T db if w moved by -eta dw before the step back
            base = dwl.T @ db
            eta = float(step @ base / (base @ base)) if base @ base > 0 else 0.0
            if not lab and eta and _close(got, sp * ((w - eta * dwl).T @ db), m.float32, atol_scale=0):
                lab = f"w({l}) already moved by -{_num(eta)} dC/dw({l}) (an update inside the backward pass)"
            k = values[0]
            if not lab and np.isfinite(k) and _close(values, k, m.float32):
                lab = f"{_num(k)} times that, for every k"
            r.label = lab
            r.text = (f"Going back from {where} of a 2-2-2-2 {name} network (m = 1): your dC/db({l - 1}) is "
                      f"{_nums(got)} where the video's dC/da({l - 1}) = w({l})^T dC/dz({l}), with your dC/dz({l}) "
                      f"= dC/db({l}), gives {_nums(want)}" + (f": {lab}" if lab else "") + " (06:15, 08:32).")
        out.append(r)
    return out


# ---------------------------------------------------------------- all of it

def measure(fn, budget_s: float = BUDGET_S) -> Measurement:
    """Every reading of `fn` on the kit's probes (see the module docstring), calling it for `budget_s` at most."""
    m = Measurement()
    call = _Caller(fn, m, budget_s)
    for name in reference.ACTIVATIONS:
        if call(probes.slope_nets(name, "last"), f"parallel one-neuron {name} chains (last layer)") is not None or \
                call(probes.layer_net(name), f"a 2-2-2-2 {name} network") is not None:
            m.accepted.append(name)
    m.readings += _sizes(call, m)
    if not m.accepted:
        return m
    m.readings += _extra(call, m)
    m.readings += _cost(call, m) or []
    for name in m.accepted:
        if name != "identity":
            m.readings += _slopes(call, m, name)
    m.readings += _layers(call, m)
    forward = [r for r in m.readings if not r.ok and (r.label == "offset" or (r.factor == "extra terms" and
                                                                              m.decay is None))]
    if forward:
        offset = any(r.label == "offset" for r in forward)
        keep = [r for r in m.readings if r.ok or r in forward or (not offset and r.label)]
        left = sum(1 for r in m.readings if r not in keep)
        if left:
            m.hidden.append(f"{left} other deviating reading{'s' * (left > 1)} not shown: they are measured against "
                            "the video's forward pass, and yours is not the video's on these probes (see above)")
        m.readings = keep
    if any(r.factor == "dz/da" and r.where.startswith("layer") and not r.ok for r in m.readings):
        # the first- and hidden-position probes go back through a step that is not the video's: not sigma' alone
        m.readings = [r for r in m.readings if not (r.factor == "sigma'" and not r.where.endswith("last layer"))
                      and not (r.factor == "dz/da" and r.where.startswith("below"))]
        m.skipped = True
    return m


def _sizes(call, m: Measurement):
    """Which sizes your function runs on, when it runs on some and raises on others."""
    name = probes.layer_activation(m.accepted or ["sigmoid"])
    ran, failed = [], {}
    for sizes in probes.SIZES:
        text = "-".join(map(str, sizes))
        before = dict(m.raised)
        if call(probes.size_net(sizes, name), f"a {text} {name} network") is not None:
            ran.append(text)
        else:
            failed[text] = next((v for k, v in m.raised.items() if k not in before or before[k] != v), "")
    if not ran or not failed:
        return []
    errors = "; ".join(f"{k}: {v}" for k, v in list(failed.items())[:3])
    return [Reading("sizes", "n_0, n_1, n_L", np.array([float(t in ran) for t in map(lambda s: "-".join(map(str, s)),
                                                                                      probes.SIZES)]),
                    np.ones(len(probes.SIZES)), False,
                    f"On {name} networks of sizes {', '.join(ran)} (m = 2) your function runs; on "
                    f"{', '.join(failed)} it does not ({errors}): a size fixed in your code? The kit draws every width "
                    "from 1 to 6 and any number of examples (07:15).", "sizes")]


def same_reading(a: Reading, b: Reading, f32=False) -> bool:
    """Two readings of one factor with the same numbers."""
    if a.key != b.key or a.values.shape != b.values.shape:
        return False
    return _close(a.values, b.values, f32) and _close(b.values, a.values, f32)
