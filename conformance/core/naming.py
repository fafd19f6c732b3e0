"""Names in the video's notation, and array literals for reproductions: one module for the suite and the kit.

The suite (``conformance/suite/assertions.py``), the kit's messages (``conformance/kit/check.py``)
and its diagnosis all spell names and the network with these (numpy only).

>>> tensor_name("dC_dw", 1, (1, 0)), tensor_name("dC_db", 0, (2,)), tensor_name("a", 2, (0, 1))
('dC/dw(2)[j=1, k=0]', 'dC/db(1)[j=2]', 'a(2)[example=0, j=1]')
>>> layer_name("dC/dw", 3), entry_name("dC/db", 1, (0,))
('dC/dw(3)', 'dC/db(1)[j=0]')
>>> literal(np.array([[0.1, 2.0]]))
'np.array([[0.1, 2.0]])'
"""

from __future__ import annotations

import numpy as np

SYMBOLS = {"z": "z", "a": "a", "dC_dz": "dC/dz", "dC_da": "dC/da", "dC_dw": "dC/dw", "dC_db": "dC/db",
           "w": "w", "b": "b"}


def tensor_name(field: str, index, entry: tuple = ()) -> str:
    """The video's name of a tensor or one entry: ``a(2)[example=0, j=1]``, ``dC/dw(1)[j=0, k=2]``, ``C``.

    `index` is the list index of the field: layer l itself for a and dC_da, l - 1 for the others
    (``weights[l - 1]`` is w(l)), as in :class:`reference.Trace`.
    """
    if field == "C":
        return "C"
    l = index if field in ("a", "dC_da") else index + 1
    return entry_name(SYMBOLS[field], l, entry) if entry else layer_name(SYMBOLS[field], l)


def layer_name(symbol: str, l: int) -> str:
    """``dC/dw(3)``: a symbol of the video with its layer number l = 1..L (or 0..L for a)."""
    return f"{symbol}({l})"


def entry_name(symbol: str, l: int, entry: tuple) -> str:
    """One entry: j (layer l) and k (layer l-1) for w and its gradient, j for b, (example, j) otherwise."""
    if symbol in ("dC/dw", "w"):
        labels = ("j", "k")
    elif symbol in ("dC/db", "b"):
        labels = ("j",)
    else:
        labels = ("example", "j")
    return f"{symbol}({l})[" + ", ".join(f"{n}={int(i)}" for n, i in zip(labels, entry)) + "]"


def literal(arr) -> str:
    """An ``np.array(...)`` literal that rebuilds `arr` bit for bit (repr of a float is exact)."""
    def rows(a):
        if a.ndim == 0:
            return repr(float(a))
        return "[" + ", ".join(rows(v) for v in a) + "]"
    return f"np.array({rows(np.asarray(arr, dtype=float))})"


def case_in_video_notation(case) -> str:
    """The network as the video writes it: sizes, sigma per layer, w(l), b(l), x = a(0), y."""
    L = len(case.weights)
    m = case.x.shape[0]
    lines = [f"  sizes    {', '.join(f'n({l})={n}' for l, n in enumerate(case.sizes))}   (L = {L}, "
             f"m = {m} example{'s' if m > 1 else ''})",
             f"  sigma    {', '.join(f'layer {l}: {n}' for l, n in enumerate(case.activations, start=1))}"]
    for l, (w, b) in enumerate(zip(case.weights, case.biases), start=1):
        lines.append(f"  w({l}) = {literal(w)[9:-1]}   # w({l})[j, k] joins neuron k of layer {l - 1} "
                     f"to neuron j of layer {l}")
        lines.append(f"  b({l}) = {literal(b)[9:-1]}")
    lines.append(f"  x = a(0) = {literal(case.x)[9:-1]}   # one example per row")
    lines.append(f"  y = {literal(case.y)[9:-1]}")
    return "\n".join(lines)
