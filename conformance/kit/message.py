"""The one writer of a failure's message and record: what failed, the network, the details, the
oracles, the diagnosis and a reproduction that runs on its own.

Bounded at any size: a network of at most :data:`FULL_ENTRIES` numbers is printed in full in the
video's notation (and as literals in the reproduction); a larger one (``--sizes=784,16,16,10``) is
summarised (shape, range, a few entries) and its arrays go to an ``.npz`` file (``--artifacts DIR``, else
a user cache folder) that the reproduction loads.  No line is longer than :data:`MAX_LINE` characters
and the whole message stays under :data:`MAX_MESSAGE` (tests/kit/test_output.py).
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np

from conformance.core.naming import case_in_video_notation, literal

from .rule import AcceptanceRule

FULL_ENTRIES = 400     # numbers of a network printed in full
MAX_LINE = 2000        # characters of one line of a message
MAX_MESSAGE = 16_000   # characters of one message
SHOWN = 6              # entries of a summarised array


def artifacts_dir(asked=None) -> Path:
    """Where a large failing network's arrays go: `asked` (``--artifacts``) or a user cache folder."""
    if asked:
        return Path(asked).expanduser().resolve()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "backprop-reference" / "artifacts"


def entries(case) -> int:
    return sum(int(np.size(a)) for a in (*case.weights, *case.biases, case.x, case.y))


def is_large(case) -> bool:
    return entries(case) > FULL_ENTRIES


def save_case(case, directory) -> Path:
    """The case's arrays in an .npz (w1.., b1.., x, y, activations); the file's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    crc = zlib.crc32(b"".join(np.ascontiguousarray(a).tobytes() for a in (*case.weights, *case.biases, case.x,
                                                                            case.y)))
    path = directory / f"failing-case-{'-'.join(map(str, case.sizes))}-{crc:08x}.npz"
    arrays = {f"w{l}": w for l, w in enumerate(case.weights, start=1)}
    arrays.update({f"b{l}": b for l, b in enumerate(case.biases, start=1)})
    np.savez(path, x=case.x, y=case.y, activations=np.array(case.activations), **arrays)
    return path


def summary(name, arr) -> str:
    """``w(1): shape (16, 784), values in [-3.0, 60.0], 12544 entries, first [0.1, ...]`` (one short line)."""
    arr = np.asarray(arr, dtype=float)
    flat = arr.ravel()
    first = ", ".join(repr(float(v)) for v in flat[:SHOWN]) + (", ..." if flat.size > SHOWN else "")
    zeros = int(np.sum(flat == 0))
    return (f"  {name}: shape {arr.shape}, {flat.size} entries in [{float(flat.min())!r}, {float(flat.max())!r}]"
            f"{f', {zeros} exact zeros' if zeros else ''}, first [{first}]")


def network_text(case, saved=None) -> str:
    """The network in the video's notation: in full when small, else summarised (and where its arrays are)."""
    if not is_large(case):
        return case_in_video_notation(case)
    lines = [f"  sizes    {', '.join(f'n({l})={n}' for l, n in enumerate(case.sizes))}   (L = {len(case.weights)}, "
             f"m = {case.x.shape[0]})",
             f"  sigma    {', '.join(f'layer {l}: {n}' for l, n in enumerate(case.activations, start=1))}"]
    for l, (w, b) in enumerate(zip(case.weights, case.biases), start=1):
        lines += [summary(f"w({l})", w), summary(f"b({l})", b)]
    lines += [summary("x = a(0)", case.x), summary("y", case.y)]
    if saved is not None:
        lines.append(f"  (every array in full: {saved})")
    return "\n".join(lines)


def case_data(case, saved=None) -> dict:
    """The case as plain JSON-able data (a large case: sizes and where its arrays are)."""
    data = {"sizes": case.sizes, "activations": list(case.activations), "m": int(case.x.shape[0]),
            "describe": case.describe()}
    if saved is not None:
        data["arrays"] = str(saved)
        return data
    data.update({"w": [w.tolist() for w in case.weights], "b": [b.tolist() for b in case.biases],
                 "x": case.x.tolist(), "y": case.y.tolist()})
    return data


def _case_lines(case, saved) -> list:
    if saved is None:
        return [f"weights = [{', '.join(literal(w) for w in case.weights)}]",
                f"biases = [{', '.join(literal(b) for b in case.biases)}]",
                f"activations = {list(case.activations)!r}",
                f"x = {literal(case.x)}",
                f"y = {literal(case.y)}"]
    L = len(case.weights)
    return [f"data = np.load({str(saved)!r})  # written by the kit (--artifacts)",
            f"weights = [data[f'w{{l}}'] for l in range(1, {L + 1})]",
            f"biases = [data[f'b{{l}}'] for l in range(1, {L + 1})]",
            "activations = [str(a) for a in data['activations']]",
            "x, y = data['x'], data['y']"]


def reproduction(case, import_lines: str, saved=None) -> str:
    """A script that runs on its own: the case (literals, or loaded from `saved`), your function, the comparison."""
    tol = AcceptanceRule(case, "float64").tol
    return "\n".join([
        "import copy",
        "import numpy as np",
        "from reference import backprop as reference_backprop",
        import_lines,
        "",
        *_case_lines(case, saved),
        "",
        "ref_dw, ref_db = reference_backprop(weights, biases, activations, x, y)",
        "given = copy.deepcopy((weights, biases, activations, x, y))",
        "your_dw, your_db = yours(weights, biases, activations, x, y)",
        "your_dw, your_db = [np.array(g) for g in your_dw], [np.array(g) for g in your_db]  # before a second call",
        "for what, refs, ours in (('dC/dw', ref_dw, your_dw), ('dC/db', ref_db, your_db)):",
        "    for l, (r, g) in enumerate(zip(refs, ours), start=1):",
        f"        same = np.shape(g) == r.shape and np.allclose(g, r, rtol={tol.rtol!r}, atol={tol.atol!r})",
        "        with np.printoptions(threshold=50, edgeitems=3):",
        "            shown = f'differs\\n  reference {r}\\n  yours     {np.asarray(g)}'",
        "            print(f'{what}({l}):', 'same' if same else shown)",
        "for name, before, after in zip(('weights', 'biases', 'activations', 'x', 'y'), given,",
        "                               (weights, biases, activations, x, y)):",
        "    if name == 'activations' and list(before) != list(after) or name != 'activations' and (",
        "            len(before) != len(after) or not all(np.array_equal(b, a) for b, a in zip(before, after))):",
        "        print(f'{name} was modified by your function')",
        "again_dw, again_db = yours(*copy.deepcopy(given))",
        "if not all(np.array_equal(a, np.asarray(b), equal_nan=True)  # NaN in the same place: the same answer",
        "           for a, b in zip(your_dw + your_db, list(again_dw) + list(again_db))):",
        "    print('a second call with the same inputs gave a different answer')",
    ])


def bounded(message: str) -> str:
    """No line over :data:`MAX_LINE` characters, the whole under :data:`MAX_MESSAGE` (the middle cut)."""
    lines = [ln if len(ln) <= MAX_LINE else ln[:MAX_LINE - 60] + f" ... ({len(ln) - MAX_LINE + 60} characters cut)"
             for ln in message.splitlines()]
    text = "\n".join(lines)
    if len(text) <= MAX_MESSAGE:
        return text
    head, tail = text[:MAX_MESSAGE * 2 // 3], text[-MAX_MESSAGE // 4:]
    return (head + f"\n  ... ({len(text) - len(head) - len(tail)} characters cut: the whole record is in the "
            "JSON report, --report)\n" + tail)
