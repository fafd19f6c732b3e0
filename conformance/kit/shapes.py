"""Wrong shapes explained: each gradient of the wrong shape mapped to the computation that gives it.

Every cause is checked on your failing example: a sentence says "equals" only where your numbers
equal that computation on the reference's own dC/dz(l) and a(l); otherwise it says which shape was
expected and what such a shape usually comes from ("usually", not "yours").

>>> import numpy as np
>>> from conformance.core.strategies import Case
>>> from conformance.core.mistakes import CATALOG
>>> case = Case([np.ones((2, 3))], [np.zeros(2)], ["sigmoid"], np.ones((4, 3)), np.zeros((4, 2)))
>>> print(explain(case, CATALOG["bias_gradient_over_wrong_axis"].function(*case.args()))[0])  # doctest: +ELLIPSIS
dC/db(1) has shape (4,), one entry per example, where b(1) is (2,): it equals the reference's dC/dz(1) summed over \
the neurons (axis=1) ...
"""

from __future__ import annotations

import re

import numpy as np

import reference


def _eq(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-12 * max(1.0, float(np.abs(b).max(
        initial=0)))))


PROBLEM = re.compile(r"(dC/d[wb])\((\d+)\) has shape \(([^)]*)\), expected")


def from_problem(case, problem) -> list:
    """Sentences for the wrong shape the kit's structure check reported (``problem``: its text), when the values are
    not at hand (the function runs in a worker process, which hands back only well-formed answers): what such a
    shape comes from, and which catalogued mistakes give that shape on this example."""
    found = PROBLEM.search(problem or "")
    if found is None:
        return []
    sym, l, shape = found.group(1), int(found.group(2)), tuple(int(v) for v in found.group(3).split(",") if v.strip())
    dw, db = [np.zeros(w.shape) for w in case.weights], [np.zeros(b.shape) for b in case.biases]
    (dw if sym == "dC/dw" else db)[l - 1] = np.zeros(shape)
    notes = explain(case, (dw, db), values=False)
    from conformance.core.mistakes import CATALOG
    same = []
    for mk in CATALOG.values():
        try:
            with np.errstate(all="ignore"):
                out = mk.function(*case.args())
            if np.shape((out[0] if sym == "dC/dw" else out[1])[l - 1]) == shape:
                same.append(mk.name)
        except Exception:  # noqa: BLE001
            continue
    if same:
        notes.append(f"On this example, {sym}({l}) of that shape is what the catalogued mistake"
                     f"{'s' * (len(same) > 1)} {', '.join(repr(n) for n in same)} give{'s' * (len(same) == 1)}.")
    return notes


def explain(case, yours, values=True) -> list:
    """Sentences for the gradients in `yours` = (dC_dw, dC_db) whose shapes are not w(l)'s and b(l)'s.

    `values`: whether the entries of `yours` are the function's (False: only the shapes are known)."""
    try:
        dw, db = [np.asarray(g, dtype=float) for g in yours[0]], [np.asarray(g, dtype=float) for g in yours[1]]
    except (TypeError, ValueError, IndexError):
        return []
    ws, bs = case.weights, case.biases
    L, m = len(ws), case.x.shape[0]
    with np.errstate(all="ignore"):
        t = reference.backprop_trace(*case.args())
    notes = []
    if len(dw) != L or len(db) != len(bs):
        extra = "" if len(dw) != L + 1 else (" (one per entry of sizes, the input layer counted as a layer: there are "
                                             "L = len(weights) layers of weights)")
        return [f"You returned {len(dw)} weight gradients and {len(db)} bias gradients for a network of {L} layer"
                f"{'s' * (L > 1)}: one dC/dw(l) and one dC/db(l) per layer l = 1..L, in the order of weights{extra}."]
    want = [w.shape for w in ws]
    if [g.shape for g in dw] == want[::-1] and want != want[::-1]:
        notes.append("Your dC_dw list has the shapes of weights in reverse order: the gradients are listed last layer "
                     "first (built while going backwards, 09:03, and not reversed): dC_dw[l-1] must be dC/dw(l).")
        return notes
    for l, (g, w) in enumerate(zip(dw, ws), start=1):
        if g.shape == w.shape:
            continue
        n_l, n_prev = w.shape
        dz, own = t.dC_dz[l - 1], t.a[l]
        if g.shape == (n_prev, n_l):
            right = values and _eq(g.T, t.dC_dw[l - 1])
            notes.append(f"dC/dw({l}) has shape {g.shape}, w({l}) transposed, where w({l}) is {w.shape}"
                         + (": its entries are the reference's, transposed" if right else "") + f". dC/dw({l})_jk has "
                         f"row j (layer {l}) and column k (layer {l - 1}) like w_jk (07:33): dC/dz({l})^T a({l - 1}), "
                         f"not a({l - 1})^T dC/dz({l}).")
        elif g.shape == (n_l, n_l):
            built = values and _eq(g, dz.T @ own)
            notes.append(f"dC/dw({l}) has shape {g.shape}, (n_{l}, n_{l}), where w({l}) is {w.shape}, (n_{l}, "
                         f"n_{l - 1})" + (f": it equals dC/dz({l})^T a({l}), built from this layer's own activation"
                                          if built else ": a (n_l, n_l) gradient is usually built from a(l)")
                         + f"; dz({l})/dw({l}) = a({l - 1}), the layer before (04:37).")
        else:
            notes.append(f"dC/dw({l}) has shape {g.shape} where w({l}) is {w.shape}: dC/dw({l}) = dC/dz({l})^T "
                         f"a({l - 1}), (n_{l}, m) times (m, n_{l - 1}), summed over the m examples (04:37).")
    for l, (g, b) in enumerate(zip(db, bs), start=1):
        if g.shape == b.shape:
            continue
        n_l, dz = b.shape[0], t.dC_dz[l - 1]
        if g.shape == (m,) and m != n_l:
            wrong = values and _eq(g, dz.sum(axis=1))
            notes.append(f"dC/db({l}) has shape {g.shape}, one entry per example, where b({l}) is {b.shape}"
                         + (f": it equals the reference's dC/dz({l}) summed over the neurons (axis=1)" if wrong else
                            ": a sum over the wrong axis gives that shape") + " instead of over the examples (axis=0, "
                         "the rows): dC/db(l)_j = sum over examples of dC/dz(l)_j (05:58).")
        elif g.shape == (m, n_l) and m != 1:
            notes.append(f"dC/db({l}) has shape {g.shape}, one row per example: dC/db({l}) is dC/dz({l}) summed over "
                         "the m examples (axis=0), one entry per neuron (05:58).")
        elif g.size == b.size:
            right = values and _eq(g.reshape(b.shape), t.dC_db[l - 1])
            notes.append(f"dC/db({l}) has shape {g.shape}: " + ("the right entries with an extra axis of length 1 "
                         "(a column vector, or keepdims=True?)" if right else f"an extra axis of length 1 where "
                         f"b({l}) is {b.shape}" + (", and its entries differ from the reference's too" if values
                                                   else "")) +
                         f": return it shaped like b({l}), {b.shape}, e.g. with .reshape(b.shape).")
        else:
            notes.append(f"dC/db({l}) has shape {g.shape} where b({l}) is {b.shape}: one entry per neuron j of layer "
                         f"{l}, dC/dz({l}) summed over the examples (05:58).")
    return notes
