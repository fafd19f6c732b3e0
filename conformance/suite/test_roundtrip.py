"""Adapter round trips are exact: reference lists -> framework -> reference lists, bit for bit.

Any finite float32 / float64 (+-0.0, subnormals, the largest) survives every route a framework's
registry entry declares (``Framework.round_trips``): ``to_sequential``/``from_sequential`` and
``to_tensors``/``from_tensors`` (torch), ``to_pytree``/``from_pytree`` and ``to_flax``/``from_flax``
(jax), ``to_params``/``from_params`` (autograd), with its dtype and shape, and the activations
survive the trip through ``nn.Sequential``.  A framework that declares no route is skipped, saying so.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.core.strategies import parameters
from conformance.suite import oracles, report
from conformance.suite.parametrize import implementations


def _bits(a):
    a = np.asarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


@implementations("round_trip")
def test_round_trips_are_exact(impl):
    if not oracles.round_trips(impl, [np.ones((1, 1))], [np.zeros(1)], ["identity"], np.float64):
        report.record("round_trip", impl, status="skipped", details={"reason": f"{impl} declares no round trips"})
        pytest.skip(f"{impl} declares no round trips (Framework.round_trips returns none)")
    check_round_trips(impl)


@given(data=st.sampled_from([np.float64, np.float32]).flatmap(
    lambda dt: st.tuples(st.just(dt), parameters(dt))))
def check_round_trips(impl, data):
    dtype, (weights, biases, names) = data
    with report.checking("round_trip", f"{impl} {np.dtype(dtype).name}") as example:  # a raise fails it too
        for route, back in oracles.round_trips(impl, weights, biases, names, dtype).items():
            assert len(back[0]) == len(weights) and len(back[1]) == len(biases), route
            for l, (ours, theirs) in enumerate(zip(weights + biases, back[0] + back[1])):
                what = f"w({l + 1})" if l < len(weights) else f"b({l - len(weights) + 1})"
                assert theirs.dtype == ours.dtype and theirs.shape == ours.shape, (
                    f"{impl} {route} changed {what}'s dtype or shape: {ours.dtype} {ours.shape} -> "
                    f"{theirs.dtype} {theirs.shape}")
                assert np.array_equal(_bits(theirs), _bits(ours)), (
                    f"{impl} {route} changed {what}: {ours!r} -> {theirs!r}")
            if len(back) == 3:
                assert list(back[2]) == list(names), f"{impl} {route} changed the activations"
        example["worst"] = 0.0
