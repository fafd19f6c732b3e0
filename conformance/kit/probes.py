"""The probe networks the kit designs to measure a backprop one chain-rule factor at a time (00:43-06:33).

Each design isolates one factor of the video's chain rule, so that what your function
returns on it can be divided by your own numbers one step downstream and compared with
the video's factor alone (an error elsewhere cancels out of the ratio):

* :func:`cost_grid`, :func:`cost_reductions`: 1-1 networks whose output layer has a known slope
  (identity where you accept it), ``x = 1``, ``w = 0``: dC/db(1) is dC0/da(L) itself, over a
  grid of (a(L), a(L) - y) and for m = 1, 3 examples and n_L = 1, 5 outputs;
* :func:`slope_nets`: parallel one-neuron chains (diagonal weights, one neuron per z of
  :data:`Z`) with the activation under test in the last, the first or a hidden position; and
  one-neuron chains at |z| = 800, where exp overflows (one call each: a NaN would spread
  through a matrix product);
* :func:`layer_net`: a 2-2-2-2 network (first, hidden, last layer) with |x| > 1, no symmetric
  weight, m = 1: dz/dw = a(l-1), dz/db = 1, dz/da(l-1) = w(l) and the sum over paths (08:32);
  the same with a(L) = y exactly (every gradient of the video 0: any answer is an extra term).

Every design is a plain ``(weights, biases, activations, x, y)`` tuple of float64 arrays, with
activations as given; gradients stay below 1 in magnitude except where the cost grid asks
for large a - y on purpose (so that clipping shows there and nowhere else).

>>> w, b, acts, x, y = slope_nets("relu", "hidden")
>>> acts, [g.shape for g in w], x.shape
(['identity', 'relu', 'identity'], [(1, 1), (9, 1), (9, 9)], (1, 1))
"""

from __future__ import annotations

import numpy as np

from reference import SIGMA

Z = np.array([-30.0, -4.0, -1.0, -0.25, 0.0, 0.25, 1.0, 4.0, 30.0])
"""Where sigma' is measured: saturation (+-30), the kink (0), and between."""
Z_BIG = (-800.0, 800.0)
"""Where exp(|z|) overflows in float64 (and float32)."""
D0 = 0.25
"""a(L) - y on the slope probes: the video's dC0/da(L) = 0.5."""
W_NEXT = 1.5
"""The diagonal of w(l+1) after the layer under test."""
POSITIONS = ("last", "first", "hidden")
COST_POINTS = ((0.25, 0.125), (0.75, 0.125), (0.5, -0.25), (0.5, 0.5), (0.5, -2.0), (0.5, 8.0), (0.5, -60.0),
               (0.5, 60.0))
"""(a(L), a(L) - y) of the cost grid: a moved at fixed a - y, then small to large a - y (clipping shows)."""
SMALL = 4  # the first SMALL points of COST_POINTS have |a - y| <= 0.5
REDUCTIONS = ((3, 1), (1, 5), (3, 5))
"""(m, n_L) of the reduction probes (2, 3 and 5 are primes: one reading of a product of conventions)."""


def output_point(accepted):
    """(activation, z, slope) of the cost probes' output layer: identity if accepted, else a known slope."""
    for name, z in (("identity", None), ("relu", 1.0), ("tanh", 0.0), ("sigmoid", 0.0)):
        if name in accepted:
            return name, z, 1.0 if z is None else float(SIGMA[name].prime(np.array(z)))
    return None


def _one_layer(name, a_or_z, y, m=1):
    """L = 1, n_0 = 1, x = 1, w = 0: z(1) = b(1) per output (a for identity)."""
    b = np.asarray(a_or_z, dtype=float).ravel()
    n = b.size
    return ([np.zeros((n, 1))], [b.copy()], [name], np.ones((m, 1)), np.asarray(y, dtype=float).reshape(m, n))


def cost_grid(accepted):
    """[(a, d, args)]: one call per COST_POINTS entry (m = n_L = 1); a is sigma(z) where not identity."""
    name, z, _ = output_point(accepted)
    out = []
    for a, d in COST_POINTS:
        if name != "identity":
            a = float(SIGMA[name].sigma(np.array(z)))
        out.append((a, d, _one_layer(name, [a if name == "identity" else z], [[a - d]])))
    return out


def cost_reductions(accepted):
    """[(m, n, d, args)]: a - y = d, (m, n), distinct entries of magnitude <= 0.5, a = 0.5 (identity)."""
    name, z, _ = output_point(accepted)
    out = []
    for m, n in REDUCTIONS:
        d = (np.arange(1, m * n + 1).reshape(m, n) % 7 - 3.0) / 8.0 + 0.0625  # no zero, no two columns alike
        a = 0.5 if name == "identity" else float(SIGMA[name].sigma(np.array(z)))
        zb = np.full(n, a if name == "identity" else z)
        out.append((m, n, d, _one_layer(name, zb, a - d, m=m)))
    return out


def slope_nets(name, position, z=Z):
    """Parallel one-neuron chains, one per entry of z, with `name` in the last, first or hidden layer."""
    z = np.asarray(z, dtype=float)
    n = z.size
    s = SIGMA[name].sigma
    eye = np.eye(n)
    if position == "last":
        return _one_layer(name, z, (s(z) - D0)[None, :])
    if position == "first":
        a2 = W_NEXT * s(z)
        return ([np.zeros((n, 1)), W_NEXT * eye], [z.copy(), np.zeros(n)], [name, "identity"], np.ones((1, 1)),
                (a2 - D0)[None, :])
    a3 = W_NEXT * s(z)  # hidden: identity (one neuron, a(1) = 1), name, identity
    return ([np.zeros((1, 1)), np.ones((n, 1)), W_NEXT * eye], [np.ones(1), z - 1.0, np.zeros(n)],
            ["identity", name, "identity"], np.ones((1, 1)), (a3 - D0)[None, :])


def below_net(name, z=Z):
    """identity, `name`, identity chains side by side (w(2) = 1): the step back *below* the layer under test."""
    z = np.asarray(z, dtype=float)
    n = z.size
    eye = np.eye(n)
    a3 = W_NEXT * SIGMA[name].sigma(z)
    return ([np.zeros((n, 1)), eye.copy(), W_NEXT * eye], [np.ones(n), z - 1.0, np.zeros(n)],
            ["identity", name, "identity"], np.ones((1, 1)), (a3 - D0)[None, :])


def layer_of(position) -> int:
    """The layer l of the activation under test in :func:`slope_nets` (1-based)."""
    return {"last": 1, "first": 1, "hidden": 2}[position]


W_LAYERS = (np.array([[0.6, -0.3], [0.4, 0.9]]), np.array([[0.7, 0.2], [-0.5, 0.8]]),
            np.array([[0.9, -0.6], [0.3, 0.5]]))
B_LAYERS = (np.array([0.3, 0.2]), np.array([0.1, 0.4]), np.array([-0.2, 0.1]))
X_LAYERS = np.array([[2.5, 0.4]])  # |x| > 1: clipped inputs show


def layer_activation(accepted):
    """The activation of :func:`layer_net`: one whose a differs from z (sigmoid, tanh, relu), else identity."""
    return next((n for n in ("sigmoid", "tanh", "relu") if n in accepted), "identity")


def layer_net(name, exact=False):
    """2-2-2-2, every layer `name`, m = 1; y = a(L) - 0.1 (or a(L) itself with `exact`).  With relu every z > 0."""
    from reference import forward
    ws, bs = [w.copy() for w in W_LAYERS], [b.copy() for b in B_LAYERS]
    if name == "relu":  # every z > 0: relu' = 1 there, the kink stays in slope_nets
        ws = [np.abs(w) for w in ws]
        bs = [np.abs(b) for b in bs]
    acts = [name] * 3
    _, a = forward(ws, bs, acts, X_LAYERS)
    y = a[-1] if exact else a[-1] - np.array([[0.1, -0.15]])
    return ws, bs, acts, X_LAYERS.copy(), np.array(y, dtype=float)


SIZES = ((1, 2, 1), (2, 2, 1), (3, 2, 1), (2, 1, 1), (2, 3, 1), (2, 2, 3))
"""n_0-n_1-n_2 of the size probes: each width of 1 to 3 in each place."""


def size_net(sizes, name, m=2):
    """A generic network of the given sizes, every layer `name`, m examples (values of magnitude 0.3-1.1)."""
    rng = np.random.default_rng(sum(sizes))
    ws = [rng.uniform(0.3, 1.1, (n, k)) * rng.choice([-1.0, 1.0], (n, k)) for k, n in zip(sizes, sizes[1:])]
    bs = [rng.uniform(0.3, 1.1, n) for n in sizes[1:]]
    return ws, bs, [name] * (len(sizes) - 1), rng.uniform(-1, 1, (m, sizes[0])), rng.uniform(-1, 1, (m, sizes[-1]))
