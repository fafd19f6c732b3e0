"""dC0/da(L) measured on 1-1 networks of a known output slope: its constant over m and n_L, and its form
(sign, clipping, the cross-entropy dC/da, (a - y)^2, an offset), as a function of a(L) and y (01:32, 04:07)."""

from __future__ import annotations

import numpy as np

from . import factors, probes
from .readings import TOL, Measurement, Reading, close, num, nums, ratio


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
    r = ratio(g, video)
    small = r[:probes.SMALL]
    k11 = float(small[0]) if np.isfinite(small[0]) else 1.0
    # -- the reductions over examples and outputs
    measured, notes = [(k11, 1, 1)], []
    form = ratio(r, k11)
    form_ok = close(form, 1.0, m.float32)
    for mm, n, dd, args in probes.cost_reductions(m.accepted):
        out = call(args, f"the {net} with m = {mm}, n_L = {n}")
        if out is None:
            return None
        vid = 2 * slope * dd.sum(axis=0) / mm
        first = 2 * slope * dd[0] / mm  # example 0's share
        ks, labels = [], []
        for got in (out[1][0], out[0][0][:, 0]):
            kv, k0 = ratio(got, vid), ratio(got, first)
            if close(kv, kv[0], m.float32):
                ks.append(float(kv[0]))
                labels.append("")
            elif mm > 1 and close(k0, k0[0], m.float32):
                ks.append(float(k0[0]))
                labels.append("taken from example 0 alone, not summed over the examples")
            else:
                ks.append(None)
                labels.append("")
        if not form_ok:
            continue  # a cost that is not linear in a - y: its reductions would only repeat that
        if None in ks:
            kb = ratio(out[1][0], vid)
            notes.append(Reading("dC0/da(L)", "outputs", kb, np.ones(n), False,
                                 f"On the {net} with m = {mm}, n_L = {n}, your dC/db(1)_j is not one multiple of the "
                                 f"video's 2 sum_i (a_ij - y_ij)/m for every output j: ratios {nums(kb)}; each "
                                 "output's dC0/da(L)_j = 2(a(L)_j - y_j) depends on its own a(L)_j and y_j alone "
                                 "(07:15)."))
            continue
        (kb, kw), (lb, lw) = ks, labels
        agree = close(kb, kw, m.float32) and lb == lw
        k = kb if agree or not close(kw, k11, m.float32) or lw else kw
        measured.append((k, mm, n))
        for part, kp, lab, sym in (("dz/db", kb, lb, "dC/db(1)"), ("dz/dw", kw, lw, "dC/dw(1)")):
            if mm > 1 and (lab or not close(kp, k, m.float32)) and k != 0:
                rel = kp / k
                known = {0.0: "0 (never computed)", 1.0 / mm: "averaged over the examples a second time (a second 1/m)",
                         float(mm): "summed over the examples without the 1/m the other gradient has"}
                lab = lab or next((v for key, v in known.items() if close(rel, key, m.float32)), "")
                if any(r.key == (part, f"over m = {mm} examples") for r in notes):
                    continue
                notes.append(Reading(part, f"over m = {mm} examples", np.array([rel, float(bool(lab))]),
                                     np.array([1.0, 0.0]), False,
                                     f"On the {net} with m = {mm} examples (x = 1, so dC/dw(1) = dC/db(1) in the "
                                     f"video), your {sym} is "
                                     + (f"{lab}" if lab.startswith("taken") else
                                        f"{num(kp)} times the video's where your dC0/da(L) is {num(k)} times it"
                                        + (f": {lab}" if lab else ""))
                                     + " (05:58).", lab))
    linear = close(small, small[0], m.float32)  # a multiple of a - y where |a - y| is small (clipping aside)
    m.linear_cost = linear
    factor_ok = all(close(k, 1.0, m.float32) for k, *_ in measured)
    readings = [Reading("dC0/da(L)", "factor", np.array([k for k, *_ in measured]), np.ones(len(measured)), factor_ok)]
    if not linear:
        readings = []  # no constant to read: the form says what it is
    elif not factor_ok:
        readings[0].text, readings[0].label = _factor_text(measured, net, m.float32)
        pts = ", ".join(f"{num(k)} (m = {mm}, n_L = {n})" for k, mm, n in measured)
        that = f", that is {readings[0].label}:" if readings[0].label else ","
        readings[0].short = f"dC0/da(L), on {net}: {pts} times the video's 2(a(L) - y)/m{that} the factor above."
    # -- the form: a function of a - y alone, linear, not clipped
    if not form_ok:
        text, label = _form_text(a, d, g, video, k11, slope, net, m.float32)
        readings.append(Reading("dC0/da(L)", "form", form, np.ones_like(form), False, text, label))
    return readings + notes


def _factor_text(measured, net, f32):
    rtol = TOL[f32][0] * 10
    pts = "; ".join(f"{num(k)} for m = {mm}, n_L = {n}" for k, mm, n in measured)
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
    pts = "; ".join(f"a - y = {num(dd)} (a = {num(aa)}): {num(gg)} where the video's is {num(vv)}"
                    for aa, dd, gg, vv in zip(a, d, g, video))
    head = f"dC0/da(L) as a function of a(L) and y, on {net}: yours is not one multiple of 2(a(L) - y): {pts}"
    if not np.any(g):
        return head + ": 0 at every point.", "0"
    s = probes.SMALL
    small_ok = close(ratio(g[:s], video[:s]), k11, f32)
    big = np.abs(g[s:])
    if small_ok and np.all(np.isfinite(big)) and np.ptp(big) <= TOL[f32][0] * 10 * big.max() and \
            big.max() < np.abs(k11 * video[s:]).min():
        c = float(big.max())
        return (head + f". It is the video's (times {num(k11)}) where that is small and {num(c)} in magnitude "
                f"wherever that is larger: your gradients are cut at +-{num(c)} (clipping), so a large "
                "error gives a small step (04:07).", f"clipped at +-{num(c)}")
    if np.all((a > 0) & (a < 1)):
        ce = slope * d / (a * (1 - a))
        kk = ratio(g, ce)
        if close(kk, kk[0], f32):
            return (head + f". It equals {num(kk[0])} (a - y)/(a(1 - a)) at every point: the cross-entropy cost's "
                    "dC/da, not the squared error's 2(a - y) (01:32, 04:07).", "cross-entropy dC/da")
    sq = ratio(g, slope * d * d)
    if close(sq, sq[0], f32):
        return (head + f". It equals {num(sq[0])} (a - y)^2 at every point: the cost itself where its derivative "
                "2(a - y) belongs (04:07).", "(a - y)^2")
    A = np.stack([2 * d * slope, np.full_like(d, 2 * slope)], axis=1)
    coef, *_ = np.linalg.lstsq(A, g, rcond=None)
    if close(A @ coef, g, f32) and abs(coef[1]) > 0:
        e = coef[1] / coef[0]
        return (head + f". It equals {num(coef[0])} x 2(a - y + {num(e)}) at every point: as if your a(L) were "
                f"off by {num(e)} (an extra constant in z or a, an epsilon?) (02:01).", "offset")
    return head + ".", ""
