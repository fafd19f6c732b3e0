"""Assertion helpers of the conformance suite: compare, then fail with one message shape.

Every failure names the tensor in the video's notation and its worst entry
(``dC/dw(2)[j=1, k=0]``), gives the reference's and every framework's values side by
side, the difference against the allowed error (and which row of the tolerance
table allowed it), the architecture and activations, and a Python snippet that
reproduces the numbers on its own (the arrays as ``np.array`` literals at full
precision).  The comparisons return the worst error as a fraction of the tolerance
(1.0 = at the limit) so the report can show how close each property came.
"""

from __future__ import annotations

import numpy as np

import reference
from conformance.core import frameworks
from conformance.core.bounds import error_bounds, step_bounds
from conformance.core.naming import tensor_name
from conformance.core.tolerances import Tolerance

FIELDS = ("z", "a", "dC_dz", "dC_da", "dC_dw", "dC_db")


class ConformanceError(AssertionError):
    """A framework disagrees with the reference beyond the tolerance.

    ``excess`` is the disagreement as a fraction of the tolerance (> 1), or None where
    nothing could be compared (a shape that differs): what the report's row shows.
    """

    def __init__(self, message: str, excess: float | None = None):
        super().__init__(message)
        self.excess = excess


def _literal(a) -> str:
    """An ``np.array(...)`` literal that rebuilds `a` bit for bit (float repr is exact)."""
    return f"np.array({np.asarray(a, np.float64).tolist()!r})"


def reproducer(case, dtype, *, step: tuple | None = None, entry: tuple | None = None) -> str:
    """A runnable snippet: builds the case's arrays and calls the reference and the adapters.

    ``entry=(field, index, at)`` prints that entry (e.g. ``dC_dw[1][(1, 0)]``) from each;
    ``step=(eta, t)`` makes it a one-step gradient-descent reproduction instead.
    """
    dt = np.dtype(dtype).name
    lines = [
        "import numpy as np",
        "import reference",
        "weights = [" + ", ".join(_literal(w) for w in case.weights) + "]",
        "biases = [" + ", ".join(_literal(b) for b in case.biases) + "]",
        f"activations = {list(case.activations)!r}",
        f"x = {_literal(case.x)}",
        f"y = {_literal(case.y)}",
    ]
    if step is None:
        if entry is None or entry[0] == "C":
            show = "{}.C"
        else:
            field, index, at = entry
            show = "{}." + f"{field}[{index}][{tuple(int(i) for i in at)!r}]"
        lines.append("ref = reference.backprop_trace(weights, biases, activations, x, y)  # float64")
        lines += _framework_lines(dt, show=show)
        lines.append("print('reference', " + show.format("ref") + ")")
    else:
        eta, t = step
        lines += [
            f"eta = {eta!r}  # the state above is the framework's after {t} step(s)",
            "w1, b1 = reference.step(weights, biases, *reference.backprop(weights, biases, activations, x, y), eta)",
            "print('reference', w1, b1)",
        ]
        lines += _framework_lines(dt, step=eta)
    return "\n".join(lines)


def _framework_lines(dt, **kw) -> list[str]:
    """Each framework's lines (the registry's, checked ones first), each run only where it imports."""
    out = []
    for fw in frameworks.known():
        out.append("try:")
        out += ["    " + line for line in fw.reproduction(dt, **kw)]
        out += ["except ImportError:", "    pass"]
    return out


def _ordered(L: int):
    """(field, index) in the order a bug propagates: forward l = 1..L, C, then backward l = L..1."""
    yield ("a", 0)
    for i in range(L):
        yield ("z", i)
        yield ("a", i + 1)
    yield ("C", None)
    yield ("dC_da", L)
    for i in range(L - 1, -1, -1):
        yield ("dC_dz", i)
        yield ("dC_dw", i)
        yield ("dC_db", i)
        yield ("dC_da", i)


def _get(trace_or_dict, field, index):
    value = trace_or_dict[field] if isinstance(trace_or_dict, dict) else getattr(trace_or_dict, field)
    return value if index is None else value[index]


def _resolve(other):
    """`others` may hold callables, run only when a message needs their values (None if they fail)."""
    if not callable(other):
        return other
    try:
        return other()
    except Exception:  # a second framework that cannot run must not hide the first one's failure
        return None


def _fmt(v) -> str:
    return f"{float(v):+.17g}"


def failure_message(*, what: str, case, dtype, tol: Tolerance, mode: str, checked: str, ref_value,
                    values: dict, allowed: float, excess: float, bound: float, snippet: str) -> str:
    """The one message shape (see the module docstring)."""
    width = max(len(k) for k in ["reference", *values])
    lines = [f"{what} disagrees: {checked} vs reference ({mode})"]
    lines.append(f"  {'reference':<{width}} = {_fmt(ref_value)}   (numpy float64)")
    for name, v in values.items():
        lines.append(f"  {name:<{width}} = {_fmt(v) if v is not None else 'n/a'}")
    diff = abs(float(values[checked]) - float(ref_value))
    lines.append(f"  |{checked} - reference| = {diff:.3g} > allowed {allowed:.3g} "
                 f"(= {tol.safety:g} x error bound {bound:.3g} + atol {tol.atol:g}): {excess:.3g}x the tolerance")
    lines.append(f"  network: {case.describe()}; sizes n_0..n_L = {case.sizes}; dtype {np.dtype(dtype).name}")
    lines.append(f"  tolerance row {mode!r}: {tol.why}")
    lines.append("Reproduce with:\n" + "\n".join("    " + s for s in snippet.splitlines()))
    return "\n".join(lines)


def assert_trace_agrees(case, dtype, tol: Tolerance, mode: str, checked: str, theirs, others=None,
                        ref=None) -> float:
    """Compare `theirs` (a Trace by `checked`) with the reference on `case`; return the worst excess.

    `case` must already hold the values the framework was given (float32-rounded for
    float32).  `others` ({name: Trace, None or a callable giving one}) are shown side by
    side in a failure.
    """
    __tracebackhide__ = True  # pytest: the message says it all
    ref = reference.backprop_trace(*case.args()) if ref is None else ref
    bounds = error_bounds(*case.args(), ref, tol)
    worst = 0.0
    for field, index in _ordered(len(case.weights)):
        r = np.asarray(_get(ref, field, index), np.float64)
        ours = np.asarray(_get(theirs, field, index), np.float64)
        b = np.asarray(_get(bounds, field, index), np.float64)
        if ours.shape != r.shape:
            raise ConformanceError(f"{tensor_name(field, index or 0)}: {checked} gives shape {ours.shape}, "
                                   f"the reference {r.shape}; network {case.describe()}")
        ex = tol.excess(ours, r, scale=b)
        top = float(np.max(ex)) if ex.size else 0.0
        worst = max(worst, top)
        if top > 1.0:
            at = np.unravel_index(int(np.argmax(ex)), ex.shape) if ex.ndim else ()
            values = {checked: ours[at]}
            for name, t in (others or {}).items():
                t = _resolve(t)
                values[name] = None if t is None else np.asarray(_get(t, field, index), np.float64)[at]
            name = "C" if field == "C" else tensor_name(field, index, at)
            raise ConformanceError(failure_message(
                what=name, case=case, dtype=dtype, tol=tol, mode=mode, checked=checked, ref_value=r[at],
                values=values, allowed=float(tol.atol + tol.safety * b[at]), excess=top, bound=float(b[at]),
                snippet=reproducer(case, dtype, entry=(field, index, at))), excess=top)
    return worst


def assert_step_agrees(case, eta, dtype, tol: Tolerance, mode: str, checked: str, after, t: int,
                       others=None) -> float:
    """One gradient-descent step from `case` (the framework's own state after t steps).

    `after` = (weights, biases) the framework reached; compared with
    ``reference.step(case, reference.backprop(case), eta)`` within the step bound.
    """
    __tracebackhide__ = True
    ref = reference.backprop_trace(*case.args())
    bounds = error_bounds(*case.args(), ref, tol)
    w1, b1 = reference.step(case.weights, case.biases, ref.dC_dw, ref.dC_db, eta)
    Dw, Db = step_bounds(case.weights, case.biases, ref.dC_dw, ref.dC_db, eta, bounds, tol)
    worst = 0.0
    for field, refs, ours, bs, k in (("w", w1, after[0], Dw, 0), ("b", b1, after[1], Db, 1)):
        for i, (r, o, b) in enumerate(zip(refs, ours, bs)):
            ex = tol.excess(o, r, scale=b)
            top = float(np.max(ex))
            worst = max(worst, top)
            if top > 1.0:
                at = np.unravel_index(int(np.argmax(ex)), ex.shape)
                values = {checked: o[at]}
                for name, st in (others or {}).items():
                    st = _resolve(st)
                    values[name] = None if st is None else st[k][i][at]
                raise ConformanceError(failure_message(
                    what=f"{tensor_name(field, i, at)} after step {t + 1} (eta={eta!r})", case=case, dtype=dtype,
                    tol=tol, mode=mode, checked=checked, ref_value=r[at], values=values,
                    allowed=float(tol.atol + tol.safety * b[at]), excess=top, bound=float(b[at]),
                    snippet=reproducer(case, dtype, step=(eta, t))), excess=top)
    return worst
