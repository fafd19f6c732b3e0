"""sigma'(z) measured on parallel one-neuron chains in the last, first and hidden position, the step back below a
layer, and overflow at |z| = 800 (04:27, 06:15)."""

from __future__ import annotations

import numpy as np

from reference import SIGMA

from . import probes
from .probes import D0, W_NEXT, Z_BIG, Z
from .readings import Measurement, Reading, close, num, nums, ratio


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
        if close(c[defined], np.asarray(v)[defined], f32):
            return text
    if not defined.all():
        return ""
    if name == "relu":
        neg, pos, zero = c[Z < 0], c[Z > 0], c[Z == 0][0]
        if close(pos, 1.0, f32) and close(neg, neg[0], f32) and np.isfinite(neg[0]) and not close(neg[0], 0.0, f32):
            return f"a leaky relu's: {num(neg[0])} for z < 0 where relu'(z) = 0" + (
                f", and relu'(0) = {num(zero)}" if not close(zero, 0.0, f32) else "")
        if close(pos, 1.0, f32) and close(neg, 0.0, f32):
            return f"relu'(0) = {num(zero)} where the video's relu'(0) = 0 (torch and jax.nn.relu agree)"
    k = c[np.argmax(np.abs(video))] / video[np.argmax(np.abs(video))]
    if np.isfinite(k) and close(c, k * video, f32):
        return f"{num(k)} times {name}'(z)"
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
        return ratio(out[0][0][:, 0], np.diagonal(out[0][1]))
    back = step(mine)
    live = (SIGMA[name].prime(Z) > 1e-3) & np.isfinite(back)  # where dC/dz(2) is not 0 (the video's and yours)
    bden = step(twin) if twin is not None else np.ones_like(back)
    back = ratio(back, bden) if np.all(np.isfinite(bden)) and np.all(bden != 0) else back
    back = np.where(live, back, 1.0)
    r = Reading("dz/da", f"below a {name} layer", back, np.ones_like(back), close(back, 1.0, m.float32))
    if not r.ok:
        inv = ratio(1.0, SIGMA[name].prime(Z))
        if close(back[live], inv[live], m.float32):
            r.label = "dC/da(2) carried back where dC/dz(2) = dC/da(2) sigma'(z(2)) belongs"
        r.text = (f"The step back from a {name} layer (layer 2 of identity, {name}, identity chains, w(2) = 1): your "
                  f"dC/dz(1) / dC/dz(2) (from dC/dw) is {nums(back[live])} at z(2) = {nums(Z[live])} where the "
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
            raw = ratio(dz, W_NEXT * down)
            den = ratio(tz, W_NEXT * tdown) if tz is not None else np.ones_like(raw)
        if not (np.all(np.isfinite(den)) and np.all(den != 0)):
            den = np.full_like(raw, 2 * D0) if pos == "last" else np.ones_like(raw)
        c = ratio(raw, den) if np.all(den != 0) else raw
        own_nan = ~np.isfinite(dz)  # NaN or inf in your own dC/dz: a value of yours, shown as such
        c = np.where(own_nan, dz, c)
        defined = own_nan | np.isfinite(c)  # elsewhere a ratio 0/0 of your numbers: not measured there
        if not defined.any():
            continue
        video = SIGMA[name].prime(Z)
        cz, vz = np.where(defined, c, video), video  # the undefined points compare as agreeing
        ok = close(cz, vz, m.float32)
        r = Reading("sigma'", f"{name}, {pos} layer", cz, video, ok)
        if not ok:
            r.label = _slope_label(name, cz, video, m.float32, defined)
            diff = [i for i in range(Z.size) if defined[i] and not close(c[i], video[i], m.float32)]
            pts = ", ".join(f"z = {Z[i]:g}: {num(c[i])}" for i in diff)
            vid = ", ".join(num(video[i]) for i in diff)
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
