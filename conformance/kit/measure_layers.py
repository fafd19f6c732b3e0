"""dz/dw = a(l-1), dz/db = 1 and dz/da(l-1) = w(l) with the sum over paths, per layer position (first, hidden,
last) of a 2-2-2-2 network (04:37, 05:58, 06:15, 08:32); extra terms where a(L) = y."""

from __future__ import annotations

import numpy as np

import reference
from reference import SIGMA

from . import probes
from .readings import Measurement, Reading, close, num, nums, ratio

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
                                   f"{nums(t.dC_dw[l - 1])} and {nums(t.dC_db[l - 1])} (09:03).", "zero"))
                continue
            if not np.any(db) and np.any(dw):
                out.append(Reading("dz/db", f"layer {l} ({POS[l]})", np.zeros(1), np.ones(1), False,
                                   f"In {where}, your dC/db({l}) is 0 where the video's is {nums(t.dC_db[l - 1])} "
                                   f"and your dC/dw({l}) is not 0: dC/db({l}) = dC/dz({l}) * 1 (05:58).", "zero"))
                continue
            values = ratio(dw, db[:, None])
            ok = close(dw, np.outer(db, prev), m.float32, atol_scale=0)
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
                r.label = next((lab for cand, lab in cands if close(dw, cand, m.float32, atol_scale=0)), "")
                if "before sigma'" in r.label:
                    r.factor = "dz/db"
                r.text = (f"In {where} (m = 1), your dC/dw({l}) is not dC/db({l}) a({l - 1})^T: row by row "
                          f"dC/dw({l})_jk / dC/db({l})_j = {nums(values)} where a({l - 1}) = {nums(prev)}"
                          + (f": {r.label}" if r.label else "") + " (04:37, 05:58).")
            out.append(r)
    out += _back_steps(call, m, name)
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
        values = ratio(got, want)
        ok = close(got, want, m.float32, atol_scale=0)
        where = f"layer {l} ({POS[l]}) to layer {l - 1} ({POS[l - 1]})"
        r = Reading("dz/da", where, values, np.ones_like(values), ok)
        if not ok:
            cands = [(sp * (w[:1].T @ db[:1]), "only the path through neuron j = 0: no sum over the paths j (08:32)"),
                     (sp * (w @ db), f"w({l}) where w({l})^T belongs: the paths summed over the wrong index"),
                     (sp * (args[0][l - 2].T @ db), f"w({l - 1}) where w({l}) belongs"),
                     (np.zeros_like(got), "nothing flows back")]
            lab = next((lab for cand, lab in cands if close(got, cand, m.float32, atol_scale=0)), "")
            step = w.T @ db - got / sp  # = eta dw^T db if w moved by -eta dw before the step back
            base = dwl.T @ db
            eta = float(step @ base / (base @ base)) if base @ base > 0 else 0.0
            if not lab and eta and close(got, sp * ((w - eta * dwl).T @ db), m.float32, atol_scale=0):
                lab = f"w({l}) already moved by -{num(eta)} dC/dw({l}) (an update inside the backward pass)"
            k = values[0]
            if not lab and np.isfinite(k) and close(values, k, m.float32):
                lab = f"{num(k)} times that, for every k"
            r.label = lab
            r.text = (f"Going back from {where} of a 2-2-2-2 {name} network (m = 1): your dC/db({l - 1}) is "
                      f"{nums(got)} where the video's dC/da({l - 1}) = w({l})^T dC/dz({l}), with your dC/dz({l}) "
                      f"= dC/db({l}), gives {nums(want)}" + (f": {lab}" if lab else "") + " (06:15, 08:32).")
        out.append(r)
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
        ok = all(close(g, 0.0, m.float32, atol_scale=1e3) for g in got)  # float32-sized rounding is not a term
        ws, bs = probes.layer_net(name)[:2]
        r = Reading("extra terms", "a(L) = y", np.concatenate([g.ravel() for g in got]),
                    np.zeros(sum(g.size for g in got)), ok)
        if not ok:
            flat_w = np.concatenate([w.ravel() for w in ws])
            flat_g = np.concatenate([g.ravel() for g in exact[0]])
            c = float(flat_g @ flat_w / (flat_w @ flat_w))
            dbz = all(close(g, 0.0, m.float32) for g in exact[1])
            if close(flat_g, c * flat_w, m.float32) and dbz:
                decay = c
                r.label = f"an extra term {num(c)} w(l) in dC/dw(l) (L2 weight decay)"
            r.text = (f"On a 2-2-2-2 {name} network with a(L) = y exactly, every gradient of the video is 0 (C is at "
                      f"its minimum); yours are not: dC/dw(1) = {nums(exact[0][0])}, dC/db(1) = {nums(exact[1][0])}"
                      + (f": {r.label}, which the video's cost does not have (01:32)." if decay is not None else
                         ": your forward pass or your cost is not the video's there (02:01)."))
        out.append(r)
    m.decay = decay
    return out
