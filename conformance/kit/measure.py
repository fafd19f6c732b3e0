"""Your chain rule, factor by factor: what your backprop does on the kit's probe networks (:mod:`.probes`).

:func:`measure` runs your function on every probe design and returns :class:`Reading` s, one per
factor and place: dC0/da(L) (its constant and its form), sigma'(z) of every activation your
function accepts in the last, first and hidden position, dz/dw = a(l-1), dz/db = 1,
dz/da(l-1) = w(l) with the sum over paths, and extra terms.  Each reading is a ratio of your
numbers to your own numbers one step downstream, so that one wrong factor does not show up as
another (two defects at once are two readings).  A reading that deviates carries a sentence with
the numbers measured and, where the numbers equal a known variant exactly, its name; nothing in
a sentence is claimed beyond the probe it names.

>>> from conformance.core.mistakes import CATALOG
>>> bad = [r for r in measure(CATALOG["tanh_prime_without_square"].function).readings if not r.ok]
>>> sorted({r.factor for r in bad}), bad[0].label
(["sigma'"], '1 - tanh(z), without the square')
"""

from __future__ import annotations

import numpy as np

import reference

from . import probes
from .measure_cost import _cost
from .measure_layers import _extra, _layers
from .measure_slopes import _slopes
from .readings import BUDGET_S, Caller, Measurement, Reading, same_reading

__all__ = ["BUDGET_S", "Measurement", "Reading", "measure", "same_reading"]


def measure(fn, budget_s: float = BUDGET_S) -> Measurement:
    """Every reading of `fn` on the kit's probes (see the module docstring), calling it for `budget_s` at most."""
    m = Measurement()
    call = Caller(fn, m, budget_s)
    for name in reference.ACTIVATIONS:
        if call(probes.slope_nets(name, "last"), f"parallel one-neuron {name} chains (last layer)") is not None or \
                call(probes.layer_net(name), f"a 2-2-2-2 {name} network") is not None:
            m.accepted.append(name)
    m.readings += _sizes(call, m)
    if not m.accepted:
        return m
    m.readings += _extra(call, m)
    m.readings += _cost(call, m) or []
    for name in m.accepted:
        if name != "identity":
            m.readings += _slopes(call, m, name)
    m.readings += _layers(call, m)
    forward = [r for r in m.readings if not r.ok and (r.label == "offset" or (r.factor == "extra terms" and
                                                                              m.decay is None))]
    if forward:
        offset = any(r.label == "offset" for r in forward)
        keep = [r for r in m.readings if r.ok or r in forward or (not offset and r.label)]
        left = sum(1 for r in m.readings if r not in keep)
        if left:
            m.hidden.append(f"{left} other deviating reading{'s' * (left > 1)} not shown: they are measured against "
                            "the video's forward pass, and yours is not the video's on these probes (see above)")
        m.readings = keep
    if any(r.factor == "dz/da" and r.where.startswith("layer") and not r.ok for r in m.readings):
        # the first- and hidden-position probes go back through a step that is not the video's: not sigma' alone
        m.readings = [r for r in m.readings if not (r.factor == "sigma'" and not r.where.endswith("last layer"))
                      and not (r.factor == "dz/da" and r.where.startswith("below"))]
        m.skipped = True
    return m


def _sizes(call, m: Measurement):
    """Which sizes your function runs on, when it runs on some and raises on others."""
    name = probes.layer_activation(m.accepted or ["sigmoid"])
    ran, failed = [], {}
    for sizes in probes.SIZES:
        text = "-".join(map(str, sizes))
        before = dict(m.raised)
        if call(probes.size_net(sizes, name), f"a {text} {name} network") is not None:
            ran.append(text)
        else:
            failed[text] = next((v for k, v in m.raised.items() if k not in before or before[k] != v), "")
    if not ran or not failed:
        return []
    errors = "; ".join(f"{k}: {v}" for k, v in list(failed.items())[:3])
    return [Reading("sizes", "n_0, n_1, n_L", np.array([float(t in ran) for t in map(lambda s: "-".join(map(str, s)),
                                                                                      probes.SIZES)]),
                    np.ones(len(probes.SIZES)), False,
                    f"On {name} networks of sizes {', '.join(ran)} (m = 2) your function runs; on "
                    f"{', '.join(failed)} it does not ({errors}): a size fixed in your code? The kit draws every width "
                    "from 1 to 6 and any number of examples (07:15).", "sizes")]
