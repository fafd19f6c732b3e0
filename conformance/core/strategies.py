"""Hypothesis strategies: random networks and examples in the reference layout.

A drawn :class:`Case` holds ``weights[i]`` (n_{i+1}, n_i), ``biases[i]``
(n_{i+1},), ``activations[i]``, ``x`` (m, n_0) and ``y`` (m, n_L), all
float64.  Sizes are drawn first, then arrays of those sizes
(``st.composite`` for the dependent draws), so Hypothesis shrinks towards
fewer layers, narrower layers, fewer examples and simpler values.

Two value regimes:

* ``extremes=True`` (the conformance default) mixes in, on purpose, exact
  zeros (relu's kink at z = 0, dead neurons) and magnitudes that saturate
  sigmoid and tanh (|z| in the tens).
* ``extremes=False`` keeps every value moderate and away from zero, for
  finite differences, which are only meaningful where the cost is smooth.

What the conformance suite draws (conformance/suite/test_*.py): depth L = 1..4,
widths 1..6 (1 on purpose: Hypothesis shrinks towards it), the activation of each
layer, every w and b (exact zeros and +-20, 40, 60 mixed in), x, y in [-1, 1] and
m = 1..8 examples (:data:`LIMITS`); :func:`learning_rates` for gradient descent.
:meth:`Case.rounded` gives the same case with every value rounded to float32, which
is what a float32 framework and the float64 reference are both given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference import ACTIVATIONS

LIMITS = {"max_depth": 4, "max_width": 6, "max_batch": 8}  # the jax oracle pads to (6, 8, 4)
REACH = {"max_depth": 6, "max_width": 16, "max_batch": 32, "y": 3.0, "magnitudes": (3.0, 20.0), "share": 8}
"""The larger networks of ``cases(reach=True)``: about one draw in ``share`` is one of them."""


@dataclass(frozen=True)
class Case:
    """One drawn network with its examples (the reference layout)."""

    weights: list
    biases: list
    activations: list
    x: np.ndarray
    y: np.ndarray

    @property
    def sizes(self) -> list:
        """[n_0, n_1, ..., n_L]."""
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    def describe(self) -> str:
        """E.g. ``2-3-1 (sigmoid, relu), m=4``."""
        return f"{'-'.join(map(str, self.sizes))} ({', '.join(self.activations)}), m={self.x.shape[0]}"

    def args(self) -> tuple:
        """The positional arguments of ``backprop(weights, biases, activations, x, y)``."""
        return self.weights, self.biases, self.activations, self.x, self.y

    def rounded(self, dtype) -> Case:
        """The same case with every value rounded to `dtype` (kept as float64 arrays)."""
        def r(a):
            return np.asarray(a).astype(dtype).astype(np.float64)
        return Case([r(w) for w in self.weights], [r(b) for b in self.biases], list(self.activations),
                    r(self.x), r(self.y))

    def with_params(self, weights, biases) -> Case:
        """The same examples and activations with other parameters (e.g. after a step)."""
        return Case(list(weights), list(biases), list(self.activations), self.x, self.y)


def moderate_values(low: float = 0.1, high: float = 2.0):
    """Floats with low <= |v| <= high: smooth territory, no exact zeros."""
    magnitude = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.tuples(st.sampled_from([-1.0, 1.0]), magnitude).map(lambda t: t[0] * t[1])


def extreme_values(high: float = 3.0, *, middle: bool = False):
    """Mostly moderate floats, plus exact zeros and sigmoid-saturating magnitudes.

    ``middle=True`` (the larger networks of ``cases(reach=True)``) adds magnitudes between 3 and 20.
    """
    parts = [
        st.floats(-high, high, allow_nan=False, allow_infinity=False),
        st.just(0.0),
        st.sampled_from([-60.0, -40.0, -20.0, 20.0, 40.0, 60.0]),
    ]
    if middle:
        parts.append(moderate_values(REACH["magnitudes"][0], REACH["magnitudes"][1]))
    return st.one_of(*parts)


SMALL = 36
"""Arrays with at most this many entries are drawn entry by entry (Hypothesis shrinks each value);
larger ones (a fixed architecture such as 784-16-16-10, or the larger networks of a scale tier) from
a drawn seed, so that every entry is its own value rather than one repeated fill value."""


@st.composite
def seeded_arrays(draw, shape, *, fan_in: int = 1, extremes: bool = True, target: bool = False,
                  middle: bool = False):
    """A float64 array of `shape` generated from a drawn seed, with the regimes of :func:`extreme_values`.

    Weights (fan_in > 6) are scaled by sqrt(6 / fan_in), so that z has the spread it has in a 6-wide
    layer instead of saturating every sigmoid; a drawn share of exact zeros and of +-20, 40, 60 keeps
    relu's kink and saturation in play.  ``target=True``: uniform in [-1, 1] (the targets y).
    ``middle=True`` (the larger networks of ``cases(reach=True)``): targets in [-3, 3], and a drawn
    share of magnitudes between 3 and 20 as well.
    """
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    if target:
        high = REACH["y"] if middle else 1.0
        return rng.uniform(-high, high, shape)
    scale = np.sqrt(6.0 / fan_in) if fan_in > 6 else 1.0
    if not extremes:
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2.0, shape) * scale
    zeros = draw(st.sampled_from([0.0, 0.05, 0.3]), label="share of exact zeros")
    saturating = draw(st.sampled_from([0.0, 0.01, 0.1]), label="share of +-20, 40, 60")
    values = rng.uniform(-3.0, 3.0, shape) * scale
    values[rng.random(shape) < zeros] = 0.0
    big = rng.random(shape) < saturating
    values[big] = rng.choice([-60.0, -40.0, -20.0, 20.0, 40.0, 60.0], int(big.sum()))
    if middle:
        share = draw(st.sampled_from([0.0, 0.1, 0.3]), label="share of magnitudes 3..20")
        mid = rng.random(shape) < share
        low, high = REACH["magnitudes"]
        values[mid] = rng.choice([-1.0, 1.0], int(mid.sum())) * rng.uniform(low, high, int(mid.sum()))
    return values


def _array(draw, shape, values, label, **seeded):
    if int(np.prod(shape)) <= SMALL and not seeded.get("middle"):
        return draw(hnp.arrays(np.float64, shape, elements=values), label=label)
    return draw(seeded_arrays(shape, **seeded), label=label)


@st.composite
def cases(draw, *, max_depth: int = 4, max_width: int = 6, max_batch: int = 8,
          activations=ACTIVATIONS, extremes: bool = True, sizes=None, min_depth: int = 1, reach: bool = False,
          reach_depth: int = REACH["max_depth"], reach_width: int = REACH["max_width"],
          reach_batch: int = REACH["max_batch"]) -> Case:
    """A random :class:`Case`: depth min_depth..max_depth, widths 1..max_width, batch 1..max_batch.

    ``sizes=(n_0, ..., n_L)`` fixes the architecture (an assignment's, e.g. (784, 16, 16, 10)); the
    activations, the batch and every value are still drawn.

    ``reach=True`` mixes in, about one draw in ``REACH["share"]``, a *larger* network: depth up to
    ``reach_depth`` (unless min_depth == max_depth fixes it), widths up to ``reach_width``, batch up to
    ``reach_batch`` (a fixed ``sizes`` stays fixed), targets y in [-3, 3] and magnitudes between 3 and
    20 besides the usual ones.  The branch is one drawn integer that shrinks to 0, the usual networks;
    its arrays are all drawn from seeds (whatever their size), so that shrinking a width or the batch
    keeps the rest of the draw as it was and a failure found on a larger network shrinks to the
    smallest one that fails (m = 11 for code that drops a partial mini-batch of 10).  Without
    ``reach`` the draws are exactly what they were.
    """
    large = reach and draw(st.integers(0, REACH["share"] - 1), label="larger network") == REACH["share"] - 1
    if large:
        max_batch = max(max_batch, reach_batch)
        if sizes is None and min_depth != max_depth:
            max_depth = max(max_depth, reach_depth)
        max_width = max(max_width, reach_width)
    if sizes is None and large:  # the depth is the list's length: a layer shrinks away with its entry
        sizes = draw(st.lists(st.integers(1, max_width), min_size=min_depth + 1, max_size=max_depth + 1),
                     label="sizes n_0..n_L")
        depth = len(sizes) - 1
    elif sizes is None:
        depth = draw(st.integers(min_depth, max_depth), label="depth L")
        sizes = draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1),
                     label="sizes n_0..n_L")
    else:
        sizes, depth = list(sizes), len(sizes) - 1
    names = draw(st.lists(st.sampled_from(list(activations)), min_size=depth, max_size=depth), label="activations")
    m = draw(st.integers(1, max_batch), label="m examples")
    values = extreme_values(middle=large) if extremes else moderate_values()
    more = {"middle": True} if large else {}
    weights = [_array(draw, (n, n_prev), values, f"w({l})", fan_in=n_prev, extremes=extremes, **more)
               for l, (n_prev, n) in enumerate(zip(sizes, sizes[1:]), start=1)]
    biases = [_array(draw, (n,), values, f"b({l})", extremes=extremes, **more)
              for l, n in enumerate(sizes[1:], start=1)]
    x = _array(draw, (m, sizes[0]), values, "x = a(0)", extremes=extremes, **more)
    y_high = REACH["y"] if large else 1.0
    y = _array(draw, (m, sizes[-1]), st.floats(-y_high, y_high), "y", target=True, **more)
    return Case(weights, biases, names, x, y)


def features(case: Case) -> list[str]:
    """The deliberate extremes this case reaches, for ``hypothesis.event`` (``--hypothesis-show-statistics``).

    So that a run can show they are really drawn: batch 1, a layer of width 1, a relu
    at exactly z = 0 where dC/da != 0 (where relu'(0) = 0 is observable), a sigmoid or
    tanh saturated (|z| >= 37: s(1 - s) is exactly 0 in float64) with dC/da != 0.
    """
    from reference import backprop_trace

    t = backprop_trace(*case.args())
    found = []
    if case.x.shape[0] == 1:
        found.append("batch m = 1")
    if 1 in case.sizes:
        found.append("a layer of width 1")
    layers = list(zip(case.activations, t.z, t.dC_da[1:]))
    if any(n == "relu" and np.any((z == 0) & (g != 0)) for n, z, g in layers):
        found.append("relu at z = 0 exactly, with dC/da != 0")
    if any(n in ("sigmoid", "tanh") and np.any((np.abs(z) >= 37) & (g != 0)) for n, z, g in layers):
        found.append("sigmoid/tanh saturated (|z| >= 37), with dC/da != 0")
    return found


def learning_rates():
    """eta for gradient descent, a float64 number: 0.1, 0.01, 0.001 or any in [0.001, 0.1] (none of them
    float32-exact but by chance; each is later divided by the size of the first gradient, so the first step
    moves no parameter by more than eta, and handed to the float32 rows rounded to float32)."""
    return st.sampled_from([0.1, 0.01, 0.001]) | st.floats(0.001, 0.1)


def exact_floats(dtype):
    """Any finite float of `dtype`: +-0.0, subnormals, the largest: for exact round trips."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(width=width, allow_nan=False, allow_infinity=False)


@st.composite
def parameters(draw, dtype=np.float64, max_depth: int = 4, max_width: int = 6):
    """(weights, biases, activations) in `dtype`, any finite values: for round trips."""
    depth = draw(st.integers(1, max_depth), label="depth L")
    sizes = draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1), label="sizes")
    names = draw(st.lists(st.sampled_from(list(ACTIVATIONS)), min_size=depth, max_size=depth), label="activations")
    el = exact_floats(dtype)
    weights = [draw(hnp.arrays(dtype, (n, k), elements=el), label=f"w({l})")
               for l, (k, n) in enumerate(zip(sizes, sizes[1:]), start=1)]
    biases = [draw(hnp.arrays(dtype, (n,), elements=el), label=f"b({l})") for l, n in enumerate(sizes[1:], start=1)]
    return weights, biases, names
