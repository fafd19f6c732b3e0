"""The factor-by-factor report: every factor that deviates, in numbers, and the catalogued mistake it equals.

A catalogued mistake (:mod:`conformance.core.mistakes`) is named *for the factors it explains*: the
catalogue's engine is measured on the very same probes, and an entry is named when every reading
in which it deviates from the video equals yours (so 1/2 cost plus a leaky relu names the 1/2 cost
entry for dC0/da(L), and the relu'(z) readings are still described, in numbers, with no name).

>>> from conformance.core.mistakes import CATALOG
>>> print("\\n".join(report(measure(CATALOG["tanh_prime_without_square"].function))))  # doctest: +ELLIPSIS
Measured factor by factor, ... probe networks the kit designs (00:43-06:33; your function accepts identity, relu, \
sigmoid, tanh):
  - tanh'(z) in the last position ...: 1 - tanh(z), without the square (04:27). The same in the first, hidden positions.
  Catalogued mistake for the factors it explains: 'tanh_prime_without_square' (tanh'(z)): tanh' without the square: ...
  Agree with the video on these probes: ...
"""

from __future__ import annotations

from conformance.core.mistakes import CATALOG

from .measure import measure, same_reading

_CACHE: dict = {}


def _restricted(fn, accepted):
    """`fn`, refusing activations outside `accepted` (what the function under test refused)."""
    allowed = set(accepted)

    def backprop(weights, biases, activations, x, y):
        if not set(activations) <= allowed:
            raise ValueError("not an activation the function under test accepts")
        return fn(weights, biases, activations, x, y)
    return backprop


def catalog_measurements(float32: bool, accepted) -> dict:
    """{entry name: Measurement} of every catalogued mistake on the same probes (computed once per process)."""
    key = (bool(float32), tuple(accepted))
    if key not in _CACHE:
        _CACHE[key] = {name: measure(_restricted(mk.function32 if float32 else mk.function, accepted))
                       for name, mk in CATALOG.items()}
    return _CACHE[key]


def explained(m) -> list:
    """[(Mistake, keys)]: catalogued mistakes whose every deviating reading equals yours, and the keys they explain."""
    mine = {r.key: r for r in m.deviating()}
    measured = {r.key for r in m.readings}
    found = []
    for name, cm in catalog_measurements(m.float32, m.accepted).items():
        dev = [r for r in cm.deviating() if r.key in measured]
        if dev and all(r.key in mine and same_reading(r, mine[r.key], m.float32) for r in dev):
            found.append((CATALOG[name], frozenset(r.key for r in dev)))
    return [(mk, keys) for mk, keys in found if not any(keys < other for _, other in found)]


def _family(r, agrees=False) -> str:
    if r.factor == "sigma'":
        return f"{r.where.split(',')[0]}'(z)"
    if r.factor == "extra terms":
        return "no extra terms" if agrees else "extra terms"
    if r.factor == "overflow":
        return "no overflow at |z| = 800" if agrees else f"overflow of {r.where.split(',')[0]} at |z| = 800"
    return {"dz/da": "dz/da(l-1) = w(l) (the step back, the sum over paths)", "dz/dw": "dz/dw = a(l-1)",
            "dz/db": "dz/db = 1", "dC0/da(L)": "dC0/da(L) = 2(a(L) - y)/m", "sizes": "every size"}.get(r.factor,
                                                                                                   r.factor)


def _groups(readings):
    """Deviating sigma' readings of one activation with the same numbers in several positions, as one."""
    out = []
    for r in readings:
        same = next((g for g in out if g[0].factor == r.factor == "sigma'" and g[0].where.split(",")[0] ==
                     r.where.split(",")[0] and g[0].label == r.label and same_reading(
                         type(r)(r.factor, g[0].where, r.values, r.video, r.ok), g[0])), None)
        if same is not None:
            same.append(r)
        else:
            out.append([r])
    return out


def report(m, skip=(), said=()) -> list:
    """The lines of the factor report for the Measurement `m` (names in `skip` are already named elsewhere; readings
    whose key is in `said` are already explained elsewhere: their short form only)."""
    if not m.accepted:
        errors = sorted(set(m.raised.values()))[:2]
        return ["Your function ran on none of the kit's probe networks (one-neuron chains of each activation), so no "
                "factor could be measured" + (f" (it {'; '.join(errors)})" if errors else "") + "."]
    lines = [f"Measured factor by factor, {m.calls} calls on probe networks the kit designs (00:43-06:33; your "
             f"function accepts {', '.join(m.accepted)}):"]
    dev = m.deviating()
    for group in _groups(dev):
        text = group[0].short if group[0].key in said and group[0].short else group[0].text
        if len(group) > 1:
            others = [g.where.split(", ")[1].replace(" layer", "") for g in group[1:]]
            text += f" The same in the {', '.join(others)} position{'s' * (len(others) > 1)}."
        lines.append("  - " + text)
    if m.skipped:
        lines.append("  (sigma' in the first and hidden positions is not shown: those probes go back through the step "
                     "measured above, so they would not measure sigma' alone.)")
    for note in m.hidden:
        lines.append(f"  ({note}.)")
    if m.reshaped:
        lines.append(f"  (read with {', '.join(sorted(m.reshaped))}: the shapes are explained above.)")
    covered = set()
    for mk, keys in explained(m) if dev else []:
        covered |= keys
        if mk.name in skip:
            continue
        fams = ", ".join(dict.fromkeys(_family(r) for r in dev if r.key in keys))
        lines.append(f"  Catalogued mistake for the factors it explains: {mk.name!r} ({fams}): {mk.title}. "
                     f"Fix: {mk.hint} ({mk.timestamp}).")
    rest = [r for r in dev if r.key not in covered]
    if dev and covered and rest:
        lines.append("  Not explained by any catalogued mistake, described above in numbers: "
                     + ", ".join(dict.fromkeys(_family(r) for r in rest)) + ".")
    bad = {_family(r, True) for r in dev}
    good = [f for f in dict.fromkeys(_family(r, True) for r in m.readings) if f not in bad]
    if good:
        lines.append("  Agree with the video on these probes: " + "; ".join(good) + ".")
    skipped = [e for e in m.raised.values() if e.startswith("not run")]
    if skipped:
        lines.append(f"  ({len(skipped)} probe network{'s' * (len(skipped) > 1)} {skipped[0]}.)")
    failed = {k: v for k, v in m.raised.items() if not v.startswith("not run")}
    if failed:
        groups = {}
        for probe, error in failed.items():
            groups.setdefault(error, []).append(probe)
        shown = "; ".join(f"{', '.join(ps[:2])}{f' and {len(ps) - 2} more' if len(ps) > 2 else ''}: {e}"
                          for e, ps in list(groups.items())[:3])
        lines.append(f"  On {len(failed)} probe network{'s' * (len(failed) > 1)} your function raised or returned "
                     f"other shapes ({shown}).")
    return lines
