"""Name the likely mistake behind a failing backprop, from its output on the failing example.

Order: strong signatures over all tensors (the same exact ratio everywhere: 0.5,
2, m, 1/m, 1/n_L; an exact sign flip; transposed shapes), then a match against
each catalogued mistake's output (:mod:`conformance.kit.mistakes`), then where the
error sits (only dC/db wrong; only earlier layers wrong).  When nothing matches
it says so plainly.

A shrunk example is tiny and often degenerate (zeros everywhere, one neuron a
layer, n_L = m = 2), so several explanations can fit it.  The diagnosis therefore
also runs your function on a few *probes*: the same activations with generic
values, once in the failing shape and once one neuron wider per layer and one
example more.  A catalogued mistake is named only if it gives your output on the
failing example and on every probe your function runs on; a ratio only if it
holds on every probe where you still differ from the reference.

>>> import numpy as np
>>> from conformance.suite.strategies import Case
>>> from conformance.kit.mistakes import half_cost_convention
>>> case = Case([np.array([[2.0]])], [np.array([0.5])], ["identity"], np.array([[1.0]]), np.array([[3.0]]))
>>> print(diagnose(case, half_cost_convention))  # doctest: +ELLIPSIS
On this example and on generic networks like it, your dC/dw and dC/db are all exactly half ... (01:32, 04:07).
It also equals the catalogued mistake 'half_cost_convention' ...
"""

from __future__ import annotations

import warnings

import numpy as np

import reference

from .mistakes import CATALOG

RTOL_RATIO = 1e-9

# key: (expected ratio as a function of m and n_L, when it applies, what it means)
RATIOS = {
    "sum_over_examples": (lambda m, n: m, lambda m, n: m > 1,
                          "m = {m} times the reference's: summing over the m examples instead of averaging? C is "
                          "the average of the examples' costs C0 (01:32), so divide by m"),
    "half_cost_convention": (lambda m, n: 0.5, lambda m, n: True,
                             "half the reference's: the 1/2 cost convention? The video's cost C0 = sum_j "
                             "(a(L)_j - y_j)^2 has no 1/2, so dC0/da(L) = 2(a(L) - y) (01:32, 04:07)"),
    "twice": (lambda m, n: 2.0, lambda m, n: True,
              "twice the reference's: a factor 2 too many? dC0/da(L) = 2(a(L) - y) has one 2 (04:07)"),
    "divided_by_m_twice": (lambda m, n: 1.0 / m, lambda m, n: m > 1,
                           "1/m = 1/{m} of the reference's: divided by m twice? dC/da(L) already carries the 1/m"),
    "mean_over_outputs_too": (lambda m, n: 1.0 / n, lambda m, n: n > 1,
                              "1/n_L = 1/{n} of the reference's: averaging over the outputs too (torch.nn.MSELoss's "
                              "convention)? C0 sums over the outputs j (07:15)"),
    "sign_of_a_minus_y": (lambda m, n: -1.0, lambda m, n: True,
                          "the reference's with the opposite sign: the sign of (a - y)? dC0/da(L) = 2(a(L) - y), "
                          "not 2(y - a(L)) (04:07)"),
}


def _arrays(grads):
    """(dC_dw, dC_db) as lists of float arrays, or None if it cannot be read so."""
    try:
        # copies: a function that keeps state may write into what it returned when it is called again
        return [np.array(g, dtype=float) for g in grads[0]], [np.array(g, dtype=float) for g in grads[1]]
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def _close(r, g, rtol=1e-9, atol=1e-7):
    return r.shape == g.shape and bool(np.allclose(g, r, rtol=rtol, atol=atol, equal_nan=True))


def _same(a, b):
    if a is None or b is None or len(a[0]) != len(b[0]) or len(a[1]) != len(b[1]):
        return False
    return all(_close(r, g) for r, g in zip(a[0] + a[1], b[0] + b[1]))


def _common_ratio(ref, yours):
    """The one ratio yours/ref of every entry (ref = 0 needs yours = 0), or None."""
    ratios = []
    for r, g in zip(ref[0] + ref[1], yours[0] + yours[1]):
        if r.shape != g.shape or not np.isfinite(g).all():
            return None
        nz = r != 0
        if np.any(np.abs(g[~nz]) > 1e-12):
            return None
        ratios.append((g[nz] / r[nz]).ravel())
    ratios = np.concatenate(ratios) if ratios else np.array([])
    if ratios.size == 0:
        return None
    k = float(np.median(ratios))
    return k if np.allclose(ratios, k, rtol=RTOL_RATIO, atol=0) else None


def _ratio_keys(ref, yours, m, n):
    """The RATIOS keys that explain yours as a constant multiple of ref."""
    k = _common_ratio(ref, yours)
    if k is None or np.isclose(k, 1.0, rtol=RTOL_RATIO):
        return []
    return [key for key, (value, applies, _) in RATIOS.items()
            if applies(m, n) and np.isclose(k, value(m, n), rtol=RTOL_RATIO, atol=0)]


def _transposed(ref, yours):
    return [l for l, (r, g) in enumerate(zip(ref[0], yours[0]), start=1)
            if r.shape != g.shape and g.shape == r.shape[::-1]]


def _shape_notes(ref, yours):
    """Sentences for gradients with the right entries in the wrong shape (other than dC/dw(l) transposed)."""
    notes = []
    for sym, refs, ours in (("dC/dw", ref[0], yours[0]), ("dC/db", ref[1], yours[1])):
        for l, (r, g) in enumerate(zip(refs, ours), start=1):
            if r.shape == g.shape or (sym == "dC/dw" and g.shape == r.shape[::-1]) or g.size != r.size:
                continue
            like = "w" if sym == "dC/dw" else "b"
            if g.squeeze().shape == r.squeeze().shape:
                notes.append(f"{sym}({l}) has shape {g.shape}, the right entries with an extra axis of length 1 "
                             f"(a column vector, as in Nielsen's layout?): return it shaped like {like}({l}), "
                             f"{r.shape}, e.g. with .reshape({like}.shape).")
            else:
                notes.append(f"{sym}({l}) has shape {g.shape} and {g.size} entries like {like}({l}) {r.shape}: "
                             "check which axis each index j, k and each example runs along.")
    return notes


def _misplaced(ref, yours):
    """Layers l whose dC/dw(l) equals the reference's transposed and reshaped to w(l)'s shape (and is wrong)."""
    return [l for l, (r, g) in enumerate(zip(ref[0], yours[0]), start=1)
            if r.shape == g.shape and r.ndim == 2 and not _close(r, g) and _close(r.T.reshape(r.shape), g)]


def _float32_like(ref, yours):
    """The worst relative difference when yours is the reference's up to float32-sized rounding, else None."""
    worst = 0.0
    for r, g in zip(ref[0] + ref[1], yours[0] + yours[1]):
        if r.shape != g.shape or not np.isfinite(g).all():
            return None
        scale = max(float(np.max(np.abs(r), initial=0.0)), 1e-300)
        worst = max(worst, float(np.max(np.abs(g - r), initial=0.0)) / scale)
    return worst if 1e-12 < worst <= 1e-4 else None


def _call(fn, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _arrays(fn(*args))
        except Exception:  # noqa: BLE001  (a probe your function cannot run tells nothing)
            return None


def probes(case, seed: int = 0) -> list:
    """Argument tuples: generic values in the case's shape, then one wider and one example more."""
    rng = np.random.default_rng(seed)
    names, m = list(case.activations), case.x.shape[0]
    out = []
    for sizes, rows in ((case.sizes, m), ([n + 1 for n in case.sizes], m + 1)):
        def draw(*shape):
            return rng.uniform(0.3, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
        ws = [draw(n, n_prev) for n_prev, n in zip(sizes, sizes[1:])]
        bs = [draw(n) for n in sizes[1:]]
        out.append((ws, bs, names, draw(rows, sizes[0]), rng.uniform(-1.0, 1.0, (rows, sizes[-1]))))
    return out


def _observations(case, yours_fn):
    """[(args, ref, yours, differs)] for the case and each probe where your function runs."""
    obs = []
    for i, args in enumerate([case.args()] + probes(case)):
        ref = _arrays(reference.backprop(*args))
        yours = _call(yours_fn, args)
        if i == 0 or yours is not None:
            obs.append((args, ref, yours, not _same(ref, yours)))
    return obs


def diagnose(case, yours_fn) -> str:
    """The diagnosis paragraph for the function `yours_fn`, which failed on `case`."""
    obs = _observations(case, yours_fn)
    (args0, ref0, yours0, _) = obs[0]
    if yours0 is None:
        return "No diagnosis: your output cannot be read as (dC_dw, dC_db) lists of arrays."
    m, n_L = case.x.shape[0], case.y.shape[1]
    lines = []
    again = _call(yours_fn, case.args())
    stateful = not _same(yours0, again)
    if stateful:
        lines.append("Your function gave a different answer when called again with the same inputs: it keeps state "
                     "between calls (a cache, a module-level buffer, gradients accumulated with +=), so the "
                     "numbers above depend on the calls before them, and the reproduction may pass on its own.")
        return "\n".join(lines)  # matching signatures against an answer that drifts would only mislead
    shape_notes = _shape_notes(ref0, yours0)
    lines += shape_notes
    if (tr := _transposed(ref0, yours0)):
        lines.append(f"{', '.join(f'dC/dw({l})' for l in tr)} came back transposed, (n_(l-1), n_l) instead of "
                     "w(l)'s (n_l, n_(l-1)): dC/dw(l)_jk has row j (layer l) and column k (layer l-1) like w_jk "
                     "(07:33): dC/dz(l)^T a(l-1), not a(l-1)^T dC/dz(l).")
    misplaced = _misplaced(ref0, yours0)
    for _args, ref, yours, differs in obs[1:2]:  # the generic probe in the failing shape must agree
        if yours is not None and differs:
            misplaced = [l for l in misplaced if l in _misplaced(ref, yours)]
    if misplaced:
        lines.append(f"{', '.join(f'dC/dw({l})' for l in misplaced)} holds the right numbers in the wrong places: it "
                     "equals the reference's transposed, then reshaped to w(l)'s shape. A .reshape where a "
                     "transpose belongs? dC/dw(l)_jk has row j (layer l) and column k (layer l-1) like w_jk (07:33): "
                     "dC/dz(l) a(l-1)^T for column vectors, dC/dz(l)^T a(l-1) with examples as rows.")
    keys = _ratio_keys(ref0, yours0, m, n_L)
    both = any(np.any(r != 0) for r in ref0[0])
    for args, ref, yours, differs in obs[1:]:
        if not differs:
            continue
        confirmed = _ratio_keys(ref, yours, args[3].shape[0], args[4].shape[1])
        keys = [k for k in keys if k in confirmed]
        both = both or bool(confirmed and any(np.any(r != 0) for r in ref[0]))
    if keys:
        what = "your dC/dw and dC/db are all" if both else "your dC/db (dC/dw are 0 here) are"
        text = " or ".join(RATIOS[k][2].format(m=m, n=n_L) for k in keys)
        probed = any(differs for *_, differs in obs[1:])
        sentence = f"{what} exactly {text}."
        lines.append(f"On this example and on generic networks like it, {sentence}" if probed
                     else sentence[0].upper() + sentence[1:])
    # as close as float32 rounding: no catalogued mistake explains it (some equal the reference on this example)
    rounding = None if (keys or tr or misplaced or shape_notes) else _float32_like(ref0, yours0)
    matches = [mk for mk in CATALOG.values() if rounding is None
               and all(_same(_call(mk.function, args), yours) for args, _, yours, _ in obs)]
    if not matches and rounding is None:  # too strict when a probe is odd for your code: the failing case alone
        matches = [mk for mk in CATALOG.values() if _same(_call(mk.function, args0), yours0)]
    if matches:
        sig = bool(lines)
        lead = "It also equals" if sig else "Likely mistake: your output equals"
        if len(matches) == 1:
            mk = matches[0]
            fix = "" if sig else f" Fix: {mk.hint} ({mk.timestamp})."
            lines.append(f"{lead} the catalogued mistake {mk.name!r} on this example: {mk.title}{fix}")
        else:
            lines.append(f"{lead} each of these catalogued mistakes (the example cannot tell them apart):")
            lines += [f"  - {mk.name}: {mk.title} Fix: {mk.hint} ({mk.timestamp})." for mk in matches]
    generic = [(ref, yours) for args, ref, yours, differs in obs[1:2] if differs]  # same shape, generic values
    where = _where(*(generic[0] if generic else (ref0, yours0)))
    if where:
        lines.append(where)
    if rounding is not None:
        lines.append(f"Your gradients are the reference's up to rounding the size of float32's (worst difference "
                     f"{rounding:.1e} of the largest entry of its tensor), but they are not float32 arrays: "
                     "somewhere you compute in float32 (np.float32, dtype='float32', torch's default dtype) and "
                     "return float64. Compute in float64 throughout, or return float32 arrays (the kit then uses "
                     "its float32 tolerance).")
    if not (keys or matches or tr or misplaced or shape_notes or rounding is not None):
        lines.insert(0, "No known signature or catalogued mistake matches your output. Compare your code with "
                        "reference/backprop.py one layer at a time; `python -m reference explain` prints every "
                        "factor of the chain rule for one example.")
    return "\n".join(lines)


def _where(ref, yours):
    """A sentence locating the error (only dC/db; only layers before L), or None."""
    if any(r.shape != g.shape for r, g in zip(ref[0] + ref[1], yours[0] + yours[1])):
        return None
    if all(_close(r, g) for r, g in zip(ref[1], yours[1])) or _common_ratio(ref, yours) is not None:
        return None
    if all(_close(r, g) for r, g in zip(ref[0], yours[0])) and any(np.any(r != 0) for r in ref[0]):
        return ("Where: your dC/dw are right but your dC/db differ: dC/db(l) = dC/dz(l) * 1 (05:46, 05:58), "
                "summed over all m examples.")
    L = len(ref[0])
    last_ok = _close(ref[0][-1], yours[0][-1]) and _close(ref[1][-1], yours[1][-1])
    if L > 1 and last_ok and (np.any(ref[0][-1] != 0) or np.any(ref[1][-1] != 0)):
        bad = [str(l) for l in range(1, L)
               if not (_close(ref[0][l - 1], yours[0][l - 1]) and _close(ref[1][l - 1], yours[1][l - 1]))]
        return (f"Where: layer {L}'s gradients are right, layer(s) {', '.join(bad)} are not: the error is in going "
                "backwards, dC/da(l-1)_k = sum_j w(l)_jk sigma'(z(l)_j) dC/da(l)_j (06:15, 08:32).")
    return None
