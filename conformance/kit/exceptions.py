"""Exceptions explained: the kit's own read-only trap, the expected signature, names compared with ``is``.

Each sentence rests on what was measured: the exception record the worker kept (type, text), the
layout the kit handed the inputs in, and calls made here (the same probe with writable copies; the
same activation names as other str objects that are equal but not identical).

>>> print(explain({"raised": {"type": "TypeError", "text": "backprop() takes 4 positional arguments but 5 were given"}},
...               None, None)[0])  # doctest: +ELLIPSIS
Your function raised TypeError: the kit calls backprop(weights, biases, activations, x, y) with 5 positional ...
"""

from __future__ import annotations

import warnings

import numpy as np

SIGNATURE = ("backprop(weights, biases, activations, x, y) with 5 positional arguments: weights, a list of L float64 "
             "arrays w(l) of shape (n_l, n_(l-1)); biases, a list of L arrays b(l) of shape (n_l,); activations, a "
             "list of L names (str: 'sigmoid', 'relu', 'tanh', 'identity'); x, (m, n_0), one example per row; y, "
             "(m, n_L); it must return (dC_dw, dC_db), two lists shaped like weights and biases")
READ_ONLY = ("read-only", "is not writeable", "not writable")


def _run(fn, args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            fn(*args)
            return None
        except Exception as exc:  # noqa: BLE001
            return f"{type(exc).__name__}: {exc}"


def _probe_args(names):
    from .probes import slope_nets
    w, b, _, x, y = slope_nets("identity", "hidden")
    return w, b, list(names), x, y


def fresh_names(names):
    """The same names as new str objects: equal (==) but not the same object (is)."""
    return ["".join(list(n)) if len(n) > 1 else n for n in names]


def compares_names_by_identity(fn) -> str | None:
    """A sentence when `fn` answers differently for equal names that are other objects (measured), else None."""
    if fn is None or not callable(fn) or hasattr(fn, "probe"):  # in a worker process every name is a new object
        return None
    names = ["identity", "relu", "identity"]
    same = _probe_args(names)
    other = _probe_args(fresh_names(names))
    out = []
    for args in (same, other):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                dw, db = fn(*args)
                out.append([np.asarray(g, float) for g in list(dw) + list(db)])
            except Exception as exc:  # noqa: BLE001
                out.append(f"{type(exc).__name__}: {exc}")
    a, b = out
    differs = (isinstance(a, str) != isinstance(b, str)) or (isinstance(a, str) and a != b) or (
        not isinstance(a, str) and any(p.shape != q.shape or not np.allclose(p, q, equal_nan=True)
                                       for p, q in zip(a, b)))
    if not differs:
        return None
    what = b if isinstance(b, str) else "a different answer"
    return ("Your function compares activation names by identity: called with the names 'identity', 'relu', "
            "'identity' as the literal strings it answers, and with equal strings that are other objects (as a file, "
            f"a config or another process gives them) it gives {what}. Compare names with ==, never with `is` "
            "(`is` asks whether two objects are the same object; Python warns: SyntaxWarning: \"is\" with a literal).")


def explain(failure, case, fn) -> list:
    """Sentences for the exception in `failure` (the kit's record), measured on `fn` where a call can tell."""
    raised = (failure or {}).get("raised") or {}
    kind, text = raised.get("type", ""), raised.get("text", "")
    notes = []
    if not kind:
        return notes
    if any(s in text for s in READ_ONLY):
        layout = (failure or {}).get("layout")
        handed = ("the kit handed this example's inputs read-only (arr.flags.writeable is False, as a caller may "
                  "pass them)" if layout == "readonly" else "an array it wrote into was read-only")
        msg = (f"Your function raised {kind}: {text}: numpy refuses to write into a read-only array, and {handed}, so "
               "your function writes into one of its inputs or a view of one (x -= ..., w[...] = ..., out=, an "
               "in-place update).")
        if case is not None and fn is not None:
            again = _run(fn, tuple(_writable(case.args())))
            msg += (" Called with writable copies of the same inputs it runs" if again is None else
                    f" With writable copies it raises too ({again})") + "."
        notes.append(msg + " Leave the inputs as they are: compute into new arrays (x = x - ..., w.copy()).")
    elif kind == "TypeError":
        notes.append(f"Your function raised TypeError: the kit calls {SIGNATURE}.")
    if kind in ("ValueError", "KeyError", "NotImplementedError", "AssertionError") or not notes:
        named = [n for n in ("sigmoid", "relu", "tanh", "identity") if n in text]
        if named and case is not None and all(n in case.activations for n in named):
            notes.append(f"The exception names {', '.join(repr(n) for n in named)}, a valid activation name of this "
                         f"example. If your function compares names with `is`: the kit passes each name as a str "
                         "equal to it (==) but not always the same object, so compare with ==.")
    return notes


def _writable(args):
    w, b, acts, x, y = args
    return [np.array(a, dtype=float) for a in w], [np.array(a, dtype=float) for a in b], list(acts), \
        np.array(x, dtype=float), np.array(y, dtype=float)
