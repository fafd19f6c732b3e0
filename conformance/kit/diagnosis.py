"""Explain a failing backprop: localise, measure every chain-rule factor, name what the numbers equal.

The diagnosis only explains: the kit's checks decide pass or fail before it runs.  A shrunk example is
tiny and often degenerate (zeros, one neuron a layer, one example), so the diagnosis runs your function on
networks it chooses, in this order:

1. *Exceptions and shapes* (:mod:`.exceptions`, :mod:`.shapes`): the kit's read-only trap translated, the
   expected signature on a TypeError, activation names compared with ``is`` (called again with equal names
   that are other str objects), and each wrong shape mapped to the computation that gives it.
2. *Where*: which tensors and layers differ on your failing example and on a mixed probe network
   (:func:`probes`: 4 layers mixing the example's activations, m = 3, n_L = 5), NaN and inf with the z that
   produce them.  This locates numbers; it names no factor.
3. *Factors and names on the whole output*: a constant multiple of the video's gradients written as named
   cost conventions (:mod:`conformance.kit.factors`); a catalogued mistake (:mod:`conformance.core.mistakes`)
   named when it gives exactly your output, every tensor, on your example and every probe it runs on.
4. *Factor by factor* (:mod:`.measure`, :mod:`.explain`): each factor of the video's chain rule measured alone
   on probe networks designed for it (:mod:`.probes`), for every activation your function accepts; each
   deviating factor in numbers, and each catalogued mistake named for the factors it explains.
5. *Activations*: the ``--activations`` option that fits when the failure is confined to some; pictures of the
   measurement with ``BACKPROP_PICTURES=DIR`` (:mod:`.pictures`).

>>> import numpy as np
>>> from conformance.core.strategies import Case
>>> from conformance.core.mistakes import half_sum_cost
>>> case = Case([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
>>> print(diagnose(case, half_sum_cost))  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
Where: every dC/dw and dC/db differs, in every layer, by the same factor.
Every dC/dw and dC/db is exactly m/2 times the video's (m = 3, n_L = 5 on the probe networks: 1.5; 0.5 on your
failing example, m = 1, n_L = 1): the 1/2 cost convention and a sum over the m examples instead of their mean. ...
It also equals the catalogued mistake 'half_sum_cost' ...
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

import reference
from conformance.core.mistakes import CATALOG
from conformance.core.naming import layer_name

from . import exceptions, explain, factors, measure, pictures, shapes

EXP_LIMIT = {"float64": 709.0, "float32": 88.0}  # |z| beyond which exp(|z|) overflows
STABLE = {
    "sigmoid": "sigmoid(z) = exp(-logaddexp(0, -z)) (or scipy.special.expit), sigmoid'(z) = sigmoid(z) sigmoid(-z)",
    "tanh": "np.tanh(z), tanh'(z) = 1 - np.tanh(z)**2",
    "relu": "np.maximum(z, 0), relu'(z) = (z > 0)",
    "identity": "a = z, da/dz = 1",
}


@dataclass
class Observation:
    """Your function and the reference on one network."""

    label: str  # "your failing example", "the mixed probe", "the relu probe", ...
    kind: str  # "case", "mixed", "pure"
    args: tuple
    ref: tuple  # (dC_dw, dC_db) of the reference, float64
    yours: tuple | None  # yours as float64 arrays, None if it raised or cannot be read
    float32: bool = False  # every tensor you returned is float32

    @property
    def m(self):
        return self.args[3].shape[0]

    @property
    def n_L(self):
        return self.args[4].shape[1]

    @property
    def names(self):
        return list(self.args[2])


# ---------------------------------------------------------------- calling, comparing

def _arrays(grads):
    """((dC_dw, dC_db) as float64 arrays, every tensor float32?), or (None, False) if it cannot be read."""
    try:
        dw, db = list(grads[0]), list(grads[1])
        raw = [np.asarray(g) for g in dw + db]
        f32 = bool(raw) and all(g.dtype == np.float32 for g in raw)
        # copies: a function that keeps state may write into what it returned when it is called again
        return ([np.array(g, dtype=float) for g in dw], [np.array(g, dtype=float) for g in db]), f32
    except (TypeError, ValueError, IndexError, KeyError):
        return None, False


def _copies(args):
    return [w.copy() for w in args[0]], [b.copy() for b in args[1]], list(args[2]), args[3].copy(), args[4].copy()


def _call(fn, args):
    args = _copies(args)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return _arrays(fn(*args))
        except Exception:  # noqa: BLE001  (a probe your function cannot run tells nothing)
            return None, False


def _close(r, g, f32=False):
    """Equal up to rounding (float32's when `f32`), NaN where NaN, the same shape."""
    if r.shape != g.shape:
        return False
    scale = float(np.max(np.abs(r[np.isfinite(r)]), initial=0.0))
    rtol, atol = (2e-3, 2e-3 * scale + 1e-6) if f32 else (1e-8, 1e-10 * scale + 1e-300)
    with np.errstate(all="ignore"):
        return bool(np.allclose(g, r, rtol=rtol, atol=atol, equal_nan=True))


def _same(a, b, f32=False):
    if a is None or b is None or len(a[0]) != len(b[0]) or len(a[1]) != len(b[1]):
        return False
    return all(_close(r, g, f32) for r, g in zip(a[0] + a[1], b[0] + b[1]))


def _tensors(pair):
    """[(symbol, layer, array)] for dC/dw(1..L), dC/db(1..L)."""
    return ([("dC/dw", l, g) for l, g in enumerate(pair[0], start=1)]
            + [("dC/db", l, g) for l, g in enumerate(pair[1], start=1)])


# ---------------------------------------------------------------- probes

def probes(case, seed: int = 0) -> list:
    """[(label, kind, args)]: the small networks the diagnosis runs your function on (see the module docstring)."""
    rng = np.random.default_rng(seed)
    names = list(dict.fromkeys(case.activations))

    def draw(*shape):
        return rng.uniform(0.3, 1.5, shape) * rng.choice([-1.0, 1.0], shape)

    def net(sizes, acts, m):
        ws = [draw(n, k) for k, n in zip(sizes, sizes[1:])]
        bs = [draw(n) for n in sizes[1:]]
        return [ws, bs, acts, draw(m, sizes[0]), rng.uniform(-1.0, 1.0, (m, sizes[-1]))]

    sizes = [3, 4, 2, 4, 5]
    mixed = net(sizes, [names[i % len(names)] for i in range(4)], 3)
    out = [(f"a mixed probe network {'-'.join(map(str, sizes))} ({', '.join(mixed[2])}), m=3", "mixed", mixed)]
    for name in names:
        args = net([3, 4, 5], [name, name], 3)
        if name == "relu":  # example 0 is all zeros and b(1) = 0: z(1) = 0 exactly, relu's kink
            args[3][0] = 0.0
            args[1][0] = np.zeros(4)
        elif name in ("sigmoid", "tanh"):  # example 0 drives z(1) to +-800, where exp overflows
            args[3][0] = [800.0, 0.0, 0.0]
            args[0][0][:, 0] = [1.0, -1.0, 1.0, -1.0]
        extra = {"relu": " (z = 0 in example 0)", "sigmoid": " (|z| = 800 in example 0)",
                 "tanh": " (|z| = 800 in example 0)"}.get(name, "")
        out.append((f"a probe network 3-4-5 ({name}, {name}){extra}, m=3", "pure", args))
    return [(label, kind, tuple(args)) for label, kind, args in out]


def observe(case, fn) -> list:
    """[Observation] for the failing example and every probe."""
    obs = []
    for label, kind, args in [("your failing example", "case", case.args())] + probes(case):
        with np.errstate(all="ignore"):
            ref, _ = _arrays(reference.backprop(*args))
        yours, f32 = _call(fn, args)
        obs.append(Observation(label, kind, args, ref, yours, f32))
    return obs


# ---------------------------------------------------------------- 1. where

def _status(ref, yours, f32):
    """{(symbol, layer): 'right' | 'wrong' | 'shape' | 'nonfinite'}."""
    out = {}
    for (sym, l, r), (_, _, g) in zip(_tensors(ref), _tensors(yours)):
        if r.shape != g.shape:
            out[(sym, l)] = "shape"
        elif (~np.isfinite(g) & np.isfinite(r)).any():
            out[(sym, l)] = "nonfinite"
        else:
            out[(sym, l)] = "right" if _close(r, g, f32) else "wrong"
    return out


def _layers(ls):
    ls = sorted(ls)
    return f"layer {ls[0]}" if len(ls) == 1 else "layers " + ", ".join(map(str, ls))


def _differ(ls):
    return "differs" if len(ls) == 1 else "differ"


def where(ob) -> str | None:
    """One sentence locating the difference on one observation."""
    if ob.yours is None or len(ob.yours[0]) != len(ob.ref[0]) or len(ob.yours[1]) != len(ob.ref[1]):
        return None
    st = _status(ob.ref, ob.yours, ob.float32)
    L = len(ob.ref[0])
    bad = {k for k, v in st.items() if v != "right"}
    if not bad:
        return None
    bad_w = sorted(l for s, l in bad if s == "dC/dw")
    bad_b = sorted(l for s, l in bad if s == "dC/db")
    if len(bad) == 2 * L and _common_ratio(ob.ref, ob.yours, ob.float32) is not None:
        return "every dC/dw and dC/db differs, in every layer, by the same factor"
    if not bad_w and all(not np.any(r) for r in ob.ref[0]):
        return (f"dC/db differs in {_layers(bad_b)}; dC/dw is 0 here, in yours and the reference's alike, so "
                "this example cannot tell whether it is right")
    if not bad_w:
        return f"dC/dw is right in every layer; dC/db differs in {_layers(bad_b)}"
    if not bad_b:
        return f"dC/db is right in every layer; dC/dw differs in {_layers(bad_w)}"
    if L > 1 and set(bad_w) == set(bad_b) == {L}:
        return f"only the last layer's gradients, dC/dw({L}) and dC/db({L}), differ; layers 1..{L - 1} are right"
    if L > 1 and L not in bad_w and L not in bad_b:
        return (f"the last layer's gradients are right, {_layers(set(bad_w) | set(bad_b))} "
                f"{_differ(set(bad_w) | set(bad_b))} (this locates where "
                "the numbers differ, not which factor: see the factors measured below)")
    if bad == set(st):
        return "every dC/dw and dC/db differs, in every layer (not by one common factor)"
    return f"dC/dw differs in {_layers(bad_w)}, dC/db in {_layers(bad_b)}; the rest is right"


def _nonfinite(obs) -> list:
    """Sentences for NaN / inf where the reference is finite: which tensors, the z that produce them, the fix."""
    for ob in obs:
        if ob.yours is None:
            continue
        st = _status(ob.ref, ob.yours, ob.float32)
        hit = [k for k, v in st.items() if v == "nonfinite"]
        if not hit:
            continue
        names = ", ".join(layer_name(s, l) for s, l in sorted(hit, key=lambda t: (t[1], t[0] != "dC/dw")))
        with np.errstate(all="ignore"):
            t = reference.backprop_trace(*ob.args)
        limit = EXP_LIMIT["float32" if ob.float32 else "float64"]
        big = []
        for l, (z, name) in enumerate(zip(t.z, ob.names), start=1):
            if name not in ("sigmoid", "tanh"):
                continue
            for at in {np.unravel_index(int(np.argmin(z)), z.shape), np.unravel_index(int(np.argmax(z)), z.shape)}:
                if abs(z[at]) > limit:
                    big.append((l, name, float(z[at]), at))
        verb = "is" if len(hit) == 1 else "are"
        text = f"On {ob.label}, your {names} {verb} NaN or inf where the reference is finite."
        if big:
            zs = "; ".join(f"z({l}) = {v:g} (example {at[0]}, j={at[1]}) in a {name} layer"
                           for l, name, v, at in sorted(big, key=lambda t: (t[0], t[2])))
            fixes = "; ".join(f"{name}: {STABLE[name]}" for name in dict.fromkeys(n for _, n, _, _ in big))
            text += (f" There {zs}: exp(|z|) overflows beyond |z| = {limit:g} and inf/inf or inf - inf gives NaN. "
                     f"Stable formulas: {fixes}.")
        else:
            text += (" No z is beyond exp's range there: look for 0/0, inf - inf or log(0) in your formulas (stable "
                     "forms: " + "; ".join(f"{n}: {STABLE[n]}" for n in dict.fromkeys(ob.names)) + ").")
        return [text]
    return []


# ---------------------------------------------------------------- 2. factors

def _common_ratio(ref, yours, f32=False):
    """The one ratio yours/ref of every entry (ref = 0 needs yours = 0), or None."""
    ratios = []
    for (_, _, r), (_, _, g) in zip(_tensors(ref), _tensors(yours)):
        if r.shape != g.shape or not np.isfinite(g).all():
            return None
        scale = max(float(np.max(np.abs(r), initial=0.0)), 1e-300)
        nz = np.abs(r) > (1e-3 if f32 else 1e-9) * scale
        if np.any(np.abs(g[~nz]) > (1e-2 if f32 else 1e-7) * max(scale, float(np.max(np.abs(g), initial=0)))):
            return None
        ratios.append((g[nz] / r[nz]).ravel())
    ratios = np.concatenate(ratios) if ratios else np.array([])
    if ratios.size == 0:
        return None
    k = float(np.median(ratios))
    return k if np.allclose(ratios, k, rtol=1e-3 if f32 else 1e-7, atol=0) and not np.isclose(k, 1.0) else None


def _factor(obs) -> list:
    """Sentences when every gradient is one constant multiple of the video's on every network it runs on."""
    ran = [ob for ob in obs if ob.yours is not None and not _same(ob.ref, ob.yours, ob.float32)]
    measured = []
    for ob in ran:
        k = _common_ratio(ob.ref, ob.yours, ob.float32)
        if k is None:
            return []
        measured.append((k, ob.m, ob.n_L, ob))
    if not measured or measured[0][3].kind != "case":
        return []
    rtol = 1e-3 if any(ob.float32 for *_, ob in measured) else 1e-7
    reading = factors.explain([(k, m, n) for k, m, n, _ in measured], rtol)
    probed = [(k, m, n) for k, m, n, ob in measured if ob.kind != "case"]
    k0, m0, n0, _ = measured[0]
    if reading is None:
        options = factors.candidates([(k, m, n) for k, m, n, _ in measured], rtol)[:4]
        alts = " or ".join(f"{factors.formula(*t)} ({', '.join(n for n, _ in factors.terms(*t))})" for t in options)
        return [f"Every dC/dw and dC/db is exactly {k0:.6g} times the video's on your failing example "
                f"(m = {m0}, n_L = {n0})" + ("" if probed else ", and your function did not run on the probe "
                                             "networks") + (f": possibly {alts}." if alts else ".")]
    form, names, video = reading
    where_ = []
    if probed:
        k, m, n = probed[0]
        where_.append(f"m = {m}, n_L = {n} on the probe networks: {k:.6g}")
    where_.append(f"{k0:.6g} on your failing example, m = {m0}, n_L = {n0}")
    return [f"Every dC/dw and dC/db is exactly {form} times the video's ({'; '.join(where_)}): "
            f"{' and '.join(names)}. " + " ".join(v[0].upper() + v[1:] + "." for v in video)]


# ---------------------------------------------------------------- shapes and rounding

def _misplaced(ref, yours):
    """Layers l whose dC/dw(l) equals the reference's transposed and reshaped to w(l)'s shape (and is wrong)."""
    return [l for l, (r, g) in enumerate(zip(ref[0], yours[0]), start=1)
            if r.shape == g.shape and r.ndim == 2 and not _close(r, g) and _close(r.T.reshape(r.shape), g)]


def _float32_like(ref, yours):
    """The worst relative difference when yours is the reference's up to float32-sized rounding, else None."""
    worst = 0.0
    for (_, _, r), (_, _, g) in zip(_tensors(ref), _tensors(yours)):
        if r.shape != g.shape or not np.isfinite(g).all():
            return None
        scale = max(float(np.max(np.abs(r), initial=0.0)), 1e-300)
        worst = max(worst, float(np.max(np.abs(g - r), initial=0.0)) / scale)
    return worst if 1e-12 < worst <= 1e-4 else None


def _within_float32(ref, yours) -> bool:
    """Yours is the reference's up to float32 rounding (or underflow to 0), every tensor."""
    for (_, _, r), (_, _, g) in zip(_tensors(ref), _tensors(yours)):
        if r.shape != g.shape or not np.isfinite(g).all():
            return False
        scale = float(np.max(np.abs(r), initial=0.0))
        if np.max(np.abs(g - r), initial=0.0) > 1e-4 * scale + 1e-30:
            return False
    return len(ref[0]) == len(yours[0]) and len(ref[1]) == len(yours[1])


def _dtypes_note(fn, case) -> str:
    """Which of your tensors are float64 when others are float32 (the kit then uses float64's tolerance)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            dw, db = fn(*_copies(case.args()))
        kinds = [(sym, l, np.asarray(g).dtype) for sym, part in (("dC/dw", dw), ("dC/db", db))
                 for l, g in enumerate(part, start=1)]
    except Exception:  # noqa: BLE001
        return "they are float64 arrays"
    f64 = [f"{s}({l})" for s, l, d in kinds if d != np.float32]
    if len(f64) < len(kinds):
        return (f"{', '.join(f64)} {'is' if len(f64) == 1 else 'are'} float64 while the rest are float32, and one "
                "float64 tensor makes the kit judge the whole answer with float64's tolerance")
    return "they are float64 arrays"


# ---------------------------------------------------------------- 3. names

def matches(obs) -> list:
    """Catalogued mistakes that give your output, every tensor, on every network your function ran on."""
    ran = [ob for ob in obs if ob.yours is not None]
    if all(_same(ob.ref, ob.yours, ob.float32) for ob in ran):
        return []  # right wherever it ran: an entry that equals it there is a twin of the correct backprop
    found = []
    for mk in CATALOG.values():
        if mk.name == "float32_leak":
            if all(not ob.float32 and _within_float32(ob.ref, ob.yours) for ob in ran) and any(
                    _float32_like(ob.ref, ob.yours) is not None for ob in ran):
                found.append(mk)
            continue
        ok = True
        for ob in ran:
            fn = mk.function32 if ob.float32 else mk.function
            theirs, _ = _call(fn, ob.args)
            if not _same(theirs, ob.yours, ob.float32):
                ok = False
                break
        if ok:
            found.append(mk)
    return found


# ---------------------------------------------------------------- 4. activations

def _activation_note(obs, named, measured=None) -> list:
    pure = {ob.names[0]: ob for ob in obs if ob.kind == "pure"}
    if len(pure) < 2:
        return []
    good = [n for n, ob in pure.items() if ob.yours is not None and _same(ob.ref, ob.yours, ob.float32)]
    bad = [n for n in pure if n not in good]
    if not good or not bad:
        return []
    if named and not any(mk.name == "every_layer_sigmoid" for mk in named):
        return []  # a catalogued mistake confined to one activation explains it better
    raised = [n for n in bad if pure[n].yours is None]
    if measured is not None and measured.accepted and not raised and not any(
            not r.ok and r.factor in ("sigma'", "overflow") and r.where.split(",")[0] in bad
            for r in measured.readings):
        return [f"Activations: your function gets probe networks of only {', '.join(good)} right and "
                f"{', '.join(bad)} wrong, but {', '.join(bad)}'s sigma' measured on one-neuron chains agrees with "
                "the video's: the difference on those networks comes from a factor measured below."]
    return [f"Activations: your function gets probe networks of only {', '.join(good)} right and "
            f"{', '.join(bad)} wrong" + (f" ({', '.join(raised)}: it raised)" if raised else "") + ". If your "
            f"backprop supports only {', '.join(good)}, draw only those: "
            f"--activations={','.join(good)}; otherwise check sigma and sigma' of {', '.join(bad)} (02:01, 04:27)."]


# ---------------------------------------------------------------- the diagnosis

def _every_activation(case):
    """A stand-in case drawing every activation (for the probe that separates twins)."""
    from conformance.core.strategies import Case
    names = list(dict.fromkeys(list(case.activations) + list(reference.ACTIVATIONS)))
    return Case(case.weights, case.biases, names, case.x, case.y)


def diagnose(case, yours_fn, failure: dict | None = None) -> str:
    """The diagnosis paragraph for the function `yours_fn`, which failed on `case`.

    `failure`: what the kit's check found, when known: ``check`` (its name), ``summary``, ``raised`` (the
    worker's record of an exception: kind, type, text, traceback; or None), ``problem`` (a structure
    problem's text, or None) and ``layout`` (how the inputs were handed over: plain, readonly, strided).
    """
    failure = failure or {}
    lines = exceptions.explain(failure, case, yours_fn)
    identity = exceptions.compares_names_by_identity(yours_fn)
    if identity:
        lines.append(identity)
    obs = observe(case, yours_fn)
    first = obs[0]
    measured = measure.measure(yours_fn)
    if first.yours is None:
        lines += shapes.from_problem(case, failure.get("problem"))
        if not lines:
            lines.append("Your output on the failing example cannot be read as (dC_dw, dC_db) lists of arrays.")
        return "\n".join(lines + explain.report(measured) + _pictures(measured))
    again, _ = _call(yours_fn, case.args())
    if not _same(first.yours, again, first.float32):
        return ("Your function gave a different answer when called again with the same inputs: it keeps state "
                "between calls (a cache, a module-level buffer, gradients accumulated with +=), so the "
                "numbers above depend on the calls before them, and the reproduction may pass on its own.")
    lines += _writes_into_inputs(yours_fn, case, failure)
    sentence = where(first)
    if sentence:
        lines.append(f"Where: {sentence}.")
    mixed = next((ob for ob in obs if ob.kind == "mixed"), None)
    if mixed is not None:
        other = where(mixed)
        if other and other != sentence:
            lines.append(f"On {mixed.label}: {other}.")
    lines += _nonfinite(obs)
    shape_notes = shapes.explain(case, first.yours)
    lines += shape_notes
    misplaced = _misplaced(first.ref, first.yours)
    if mixed is not None and mixed.yours is not None and not _same(mixed.ref, mixed.yours):
        misplaced = [l for l in misplaced if l in _misplaced(mixed.ref, mixed.yours)]
    if misplaced:
        lines.append(f"{', '.join(f'dC/dw({l})' for l in misplaced)} holds the right numbers in the wrong places: it "
                     "equals the reference's transposed, then reshaped to w(l)'s shape. A .reshape where a "
                     "transpose belongs? dC/dw(l)_jk has row j (layer l) and column k (layer l-1) like w_jk (07:33): "
                     "dC/dz(l) a(l-1)^T for column vectors, dC/dz(l)^T a(l-1) with examples as rows.")
    factor = _factor(obs)
    lines += factor
    named = matches(obs)
    if len(named) > 1:  # twins on the activations drawn: one more probe with every activation tells them apart
        label, kind, args = probes(_every_activation(case), seed=1)[0]
        with np.errstate(all="ignore"):
            ref, _ = _arrays(reference.backprop(*args))
        yours, f32 = _call(yours_fn, args)
        if yours is not None:
            extra = Observation(label, kind, args, ref, yours, f32)
            named = [mk for mk in named if mk in matches([extra])] or named
            obs.append(extra)
    if any(mk.name == "float32_leak" for mk in named):
        worst = _float32_like(first.ref, first.yours) or 0.0
        lines.append(f"Your gradients are the reference's up to rounding the size of float32's (worst difference "
                     f"{worst:.1e} of the largest entry of its tensor), but {_dtypes_note(yours_fn, case)}: "
                     "somewhere you compute in float32 (np.float32, dtype='float32', torch's default dtype) and "
                     "return float64. Compute in float64 throughout, or return every tensor as float32 (the kit "
                     "then uses its float32 tolerance).")
    ran = sum(ob.yours is not None for ob in obs[1:])
    scope = (f"on your failing example and the {ran} probe network{'s' * (ran != 1)} it ran on" if ran else
             "on your failing example (your function ran on no probe network to tell them apart)")
    if len(named) == 1:
        mk = named[0]
        lead = "It also equals" if lines and (factor or shape_notes or misplaced) else "Likely mistake:"
        lines.append(f"{lead} the catalogued mistake {mk.name!r} ({scope}, every tensor): {mk.title}. "
                     f"Fix: {mk.hint} ({mk.timestamp}).")
    elif named:
        lines.append(f"Each of these catalogued mistakes gives exactly your output {scope}:")
        lines += [f"  - {mk.name}: {mk.title}. Fix: {mk.hint} ({mk.timestamp})." for mk in named]
    if any(mk.name == "every_layer_sigmoid" for mk in named):
        lines.append("Your function treats every activation as sigmoid here. If it picks sigma by testing the name "
                     "with `is` (`if name is \"relu\"`), a name that comes from a file, a config or another process "
                     "(the kit runs your function in one) is an equal str but another object: compare names with ==, "
                     "never with `is`.")
    lines += _activation_note(obs, named, measured)
    lines += explain.report(measured, skip={mk.name for mk in named},
                            said={("dC0/da(L)", "factor")} if factor else ())
    if not (factor or named or shape_notes or misplaced or measured.deviating() or any("NaN" in s for s in lines)):
        lines.append("No factor measured on the probe networks deviates and no catalogued mistake matches your output: "
                     "the difference shows only on networks like your failing example. Compare your code with "
                     "reference/backpropagation.py one layer at a time; `python -m reference explain` prints every "
                     "factor of the chain rule for one example.")
    return "\n".join(lines + _pictures(measured))


def _pictures(measured) -> list:
    out = pictures.folder()
    return [pictures.write(measured, out)] if out else []


def _writes_into_inputs(fn, case, failure) -> list:
    """A sentence when `fn` (called here, in this process) changes the arrays it is given."""
    if failure.get("check") not in ("updated_inputs", "deterministic", "independent_results", "no_mutation") or \
            hasattr(fn, "probe"):
        return []
    args = _copies(case.args())
    before = _copies(args)
    _call_raw(fn, args)
    changed = [f"{what}[{i}]" for what, k in (("weights", 0), ("biases", 1)) for i, (a, b) in
               enumerate(zip(args[k], before[k])) if not np.array_equal(a, b, equal_nan=True)]
    changed += [what for what, k in (("x", 3), ("y", 4)) if not np.array_equal(args[k], before[k], equal_nan=True)]
    if not changed:
        return []
    return [f"Measured: your function writes into the arrays it is given ({', '.join(changed)} changed during a call "
            "on copies), so a later call sees the values it wrote, not a cache's: leave the inputs alone and "
            "compute into new arrays."]


def _call_raw(fn, args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            fn(*args)
        except Exception:  # noqa: BLE001
            pass
