"""First-order running error bounds: how far a correct framework may be from the reference.

:func:`error_bounds` walks the same forward and backward pass as the reference, in
float64, on absolute values, and returns for every entry of every tensor a bound B
on the rounding error of a correct implementation working at unit roundoff ``u``
(matmul products at ``u_matmul``).  The numbers (u, ulps of sigma, the underflow
floor, the safety factor) live in :mod:`conformance.core.tolerances`; the rules are:

=====================================  =====================================================
computed                               error bound (|.| elementwise, g_n = n u / (1 - n u))
=====================================  =====================================================
z(l) = w(l) a(l-1) + b(l)              |w| Da(l-1) + g_{n+1} (|w| |a(l-1)| + |b|)
a(l) = sigma(z(l))                     S Dz(l) + ulps u |a(l)|, S the largest |sigma'| within
                                       Dz of z (relu: 1 if z + Dz > 0)
dC/da(L) = 2(a(L) - y) / m             (2/m) Da(L) + g_3 |dC/da(L)|
sigma'(z(l))                           |sigma''|max Dz + ulps u (sigmoid, tanh: absolute, this
                                       is the saturation rule); relu: 1 where |z| <= 2 Dz,
                                       unless every term of z is an exact 0 (then z = 0
                                       everywhere and relu'(0) = 0 is required)
dC/dz(l) = dC/da(l) sigma'(z(l))       D(dC/da) S + (|dC/da| + D(dC/da)) D(sigma') + u |dC/dz|
dC/dw(l) = dC/dz(l)^T a(l-1)           D(dC/dz)^T |a| + |dC/dz|^T Da + g_m |dC/dz|^T |a|
dC/db(l) = sum over examples           sum D(dC/dz) + g_m sum |dC/dz|
dC/da(l-1) = dC/dz(l) w(l)             D(dC/dz) |w| + g_n |dC/dz| |w|
C = (1/m) sum (a(L) - y)^2             (2/m) sum |a(L) - y| Da(L) + g_{m n_L + 3} C
=====================================  =====================================================

plus ``floor`` per operation for underflow, plus every term with a subnormal factor
(XLA on the CPU treats subnormal *inputs* as 0, in float64 too: the thorough profile
found w(1) = -1.1e-308 read as 0 by jax, turning relu'(6.7e-307) = 1 into relu'(0) = 0).
Inputs are the same on both sides (the float32 comparison rounds the case to float32
first), so Da(0) = 0.
"""

from __future__ import annotations

import numpy as np

import reference

from .tolerances import Tolerance

# sup |sigma''|: sigmoid 1/(6 sqrt 3) at z = +-1.317; tanh 4/(3 sqrt 3) at z = +-0.658
_SUP_SECOND = {"sigmoid": 0.0963, "tanh": 0.770, "identity": 0.0, "relu": 0.0}
_MAX_SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "identity": 1.0, "relu": 1.0}


def _gamma(n, u):
    return n * u / (1.0 - n * u)


def _slope_bound(name, z, dz):
    """The largest |sigma'| on [z - dz, z + dz] (bounded above by first order)."""
    if name == "relu":
        return (z + dz > 0).astype(np.float64)
    if name == "identity":
        return np.ones_like(z)
    sp = reference.SIGMA[name][1](z)
    return np.minimum(sp + _SUP_SECOND[name] * dz, _MAX_SLOPE[name])


def _slope_error(name, z, dz, inexact, tol: Tolerance):
    """Bound on |framework sigma'(z~) - reference sigma'(z)| where |z~ - z| <= dz.

    `inexact`: where z has any nonzero term (a z whose every term is an exact 0, e.g.
    a zero row of w, zero inputs and b = 0, is exactly 0 in every implementation).
    """
    if name == "relu":
        # the kink: within its own error of 0 either slope is legitimate, unless z is exactly 0
        return ((np.abs(z) <= tol.safety * dz) & inexact).astype(np.float64)
    if name == "identity":
        return np.zeros_like(z)
    return _SUP_SECOND[name] * dz + tol.act_ulps * tol.u + tol.floor


def _sub(a, tiny):
    """|a| where it is subnormal (below the smallest normal `tiny`), else 0: what flushing may drop."""
    a = np.abs(a)
    return np.where(a < tiny, a, 0.0)


def error_bounds(weights, biases, activations, x, y, trace, tol: Tolerance) -> dict:
    """{"C", "z", "a", "dC_dz", "dC_da", "dC_dw", "dC_db"}: bounds shaped like `trace`'s fields.

    `trace` is ``reference.backprop_trace`` of the same float64 arguments.
    """
    u, um, fl = tol.u, tol.u_matmul, tol.floor
    L, m = len(weights), x.shape[0]
    aw = [np.abs(w) for w in weights]
    Da, Dz, inexact = [np.zeros_like(x)], [], []
    for i in range(L):
        n_in = weights[i].shape[1]
        absolute = np.abs(trace.a[i]) @ aw[i].T + np.abs(biases[i])
        propagated = Da[i] @ aw[i].T
        inexact.append((absolute + propagated) > 0)
        # XLA on the CPU reads subnormal inputs as 0 (float32 *and* float64): drop their terms
        daz = _sub(trace.a[i], fl) @ aw[i].T + np.abs(trace.a[i]) @ _sub(weights[i], fl).T + _sub(biases[i], fl)
        Dz.append(propagated + _gamma(n_in + 1, um) * absolute + daz + (n_in + 1) * fl)
        name = activations[i]
        S = _slope_bound(name, trace.z[i], Dz[i])
        extra = 0.0 if name in ("relu", "identity") else tol.act_ulps * u * np.abs(trace.a[i + 1]) + fl
        Da.append(S * Dz[i] + extra)
    aL_y = np.abs(trace.a[L] - y)
    DC = (2.0 / m) * np.sum(aL_y * Da[L]) + _gamma(m * y.shape[1] + 3, u) * trace.C + fl
    Dg = [None] * (L + 1)
    Dg[L] = (2.0 / m) * Da[L] + _gamma(3, u) * np.abs(trace.dC_da[L]) + fl
    Ddz, Ddw, Ddb = [None] * L, [None] * L, [None] * L
    for i in range(L - 1, -1, -1):
        name = activations[i]
        S = _slope_bound(name, trace.z[i], Dz[i])
        dS = _slope_error(name, trace.z[i], Dz[i], inexact[i], tol)
        g = np.abs(trace.dC_da[i + 1])
        dz = np.abs(trace.dC_dz[i])
        Ddz[i] = Dg[i + 1] * S + (g + Dg[i + 1]) * dS + u * dz + fl
        a_prev = np.abs(trace.a[i])
        sub_dz = _sub(trace.dC_dz[i], fl)
        Ddw[i] = (Ddz[i].T @ a_prev + dz.T @ Da[i] + _gamma(m, um) * (dz.T @ a_prev)
                  + dz.T @ _sub(trace.a[i], fl) + sub_dz.T @ a_prev + m * fl)
        Ddb[i] = Ddz[i].sum(axis=0) + _gamma(m, u) * dz.sum(axis=0) + sub_dz.sum(axis=0) + m * fl
        n_out = weights[i].shape[0]
        Dg[i] = (Ddz[i] @ aw[i] + _gamma(n_out, um) * (dz @ aw[i]) + dz @ _sub(weights[i], fl) + sub_dz @ aw[i]
                 + n_out * fl)
    return {"C": DC, "z": Dz, "a": Da, "dC_dz": Ddz, "dC_da": Dg, "dC_dw": Ddw, "dC_db": Ddb}


def step_bounds(weights, biases, dC_dw, dC_db, eta, grad_bounds, tol: Tolerance):
    """Bounds on w - eta dC/dw and b - eta dC/db given bounds on the gradients."""
    fl = tol.floor
    Dw = [eta * D + tol.u * (np.abs(w) + 2 * eta * np.abs(g)) + _sub(w, fl) + eta * _sub(g, fl) + fl
          for w, g, D in zip(weights, dC_dw, grad_bounds["dC_dw"])]
    Db = [eta * D + tol.u * (np.abs(b) + 2 * eta * np.abs(g)) + _sub(b, fl) + eta * _sub(g, fl) + fl
          for b, g, D in zip(biases, dC_db, grad_bounds["dC_db"])]
    return Dw, Db
