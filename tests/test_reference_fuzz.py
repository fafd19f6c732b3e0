"""Junk in, the project's own errors out: every public function of ``reference`` under bad input.

Each example starts from valid arguments and replaces one argument, or one entry of a per-layer
list, with junk: None, strings, bytes, ragged lists, object / complex / masked / longdouble arrays,
torch tensors that require grad (when torch is installed), huge ints, NaN and inf, odd containers.
Only ``ReferenceValueError`` / ``ReferenceTypeError`` may come out (or a valid result), no warning
(warnings are errors here), and nothing given may change.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reference
from reference import ReferenceTypeError, ReferenceValueError

HAS_TORCH = importlib.util.find_spec("torch") is not None


def network():
    """A valid 3-2-1 network with 4 examples."""
    rng = np.random.default_rng(0)
    return dict(weights=[rng.standard_normal((2, 3)), rng.standard_normal((1, 2))], biases=[np.zeros(2), np.ones(1)],
                activations=["sigmoid", "tanh"], x=rng.standard_normal((4, 3)), y=rng.random((4, 1)))


def grads():
    n = network()
    return dict(weights=n["weights"], biases=n["biases"], dC_dw=[np.ones((2, 3)), np.ones((1, 2))],
                dC_db=[np.ones(2), np.ones(1)], eta=0.1)


ENTRIES = {  # entry point: (function, valid keyword arguments)
    "backprop": (reference.backprop, lambda: {**network(), "dtype": np.float64}),
    "backprop_trace": (reference.backprop_trace, lambda: {**network(), "dtype": np.float32}),
    "forward": (reference.forward, lambda: {k: v for k, v in network().items() if k != "y"}),
    "cost": (reference.cost, lambda: dict(a_L=np.full((4, 2), 0.5), y=np.ones((4, 2)))),
    "chain_backprop": (reference.chain_backprop,
                       lambda: dict(w=[0.5, -1.0], b=[0.0, 0.25], activations=["sigmoid", "relu"], x=1.0, y=0.0)),
    "chain_steps": (reference.chain_steps,
                    lambda: dict(w=[0.5], b=[0.25], activations=["tanh"], x=1.0, y=0.5)),
    "step": (reference.step, grads),
    "train": (reference.train, lambda: {**network(), "eta": 0.5, "epochs": 2, "batch_size": 3, "seed": 1,
                                        "on_step": lambda *args: None}),
    "init_network": (reference.init_network, lambda: dict(sizes=[3, 2, 1], seed=4)),
}
OURS = (ReferenceValueError, ReferenceTypeError)
HUGE = [10**400, -10**400, 2**64, 2**63, -(2**63), -1]


def variants(like):
    """Junk shaped like a valid argument: the same numbers as object, complex, masked, ... arrays."""
    try:
        base = np.asarray(like, dtype=np.float64)
    except (TypeError, ValueError):
        return []
    out = [base.astype(object), base.astype(complex), np.ma.masked_array(base, mask=np.ones(base.shape, bool)),
           np.ma.masked_array(base), base.astype(np.longdouble), np.full_like(base, np.nan), np.full_like(base, np.inf),
           base.astype(str), base[..., None], base.reshape(-1)[:0], np.where(base == 0, 1e308, base * 1e300)]
    if HAS_TORCH:
        import torch
        out.append(torch.tensor(base, requires_grad=True))
    return out


def junk(like):
    plain = st.one_of(
        st.none(), st.text(max_size=3), st.just(b"junk"), st.sampled_from(HUGE), st.booleans(),
        st.floats(allow_nan=True, allow_infinity=True), st.just(object()), st.just({}), st.just({1, 2}),
        st.just(1j), st.just([[1.0, 2.0], [3.0]]), st.just([[1.0], "a"]), st.just([None, None]),
        st.lists(st.lists(st.floats(-3, 3), max_size=3), max_size=3), st.just(np.float64(np.nan)),
    )
    shaped = variants(like)
    return st.one_of(plain, st.sampled_from(shaped)) if shaped else plain


@st.composite
def junk_calls(draw):
    """(entry name, function, keyword arguments with one argument or one list entry replaced by junk)."""
    name = draw(st.sampled_from(sorted(ENTRIES)), label="entry point")
    fn, make = ENTRIES[name]
    kwargs = make()
    arg = draw(st.sampled_from(sorted(kwargs)), label="argument")
    original = kwargs[arg]
    if isinstance(original, list) and draw(st.booleans(), label="one entry of the list"):
        i = draw(st.integers(0, len(original) - 1), label="entry")
        kwargs[arg] = original[:i] + [draw(junk(original[i]), label="junk entry")] + original[i + 1:]
    else:
        kwargs[arg] = draw(junk(original), label="junk")
    return name, fn, kwargs


def same(before, after) -> bool:
    """Deep equality that understands arrays (masks, NaN), tensors and opaque objects."""
    if type(before) is not type(after):
        return False
    if isinstance(before, np.ma.MaskedArray):
        return same(before.data, after.data) and np.array_equal(np.ma.getmaskarray(before), np.ma.getmaskarray(after))
    if isinstance(before, np.ndarray):
        return before.dtype == after.dtype and before.shape == after.shape and \
            np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
    if isinstance(before, (list, tuple)):
        return len(before) == len(after) and all(same(p, q) for p, q in zip(before, after))
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(same(before[k], after[k]) for k in before)
    if type(before).__module__.split(".")[0] == "torch":
        return bool((before.detach() == after.detach()).all()) and before.requires_grad == after.requires_grad
    if isinstance(before, (int, float, complex, str, bytes, bool, set, type(None), np.floating)):
        return before == after or (before != before and after != after)  # NaN equals NaN here
    return True  # an opaque object: copied, it cannot be compared; its identity is checked by the caller


@given(junk_calls())
def test_junk_gets_the_projects_errors_and_changes_nothing(call):
    name, fn, kwargs = call
    before = copy.deepcopy(kwargs)
    try:
        fn(**kwargs)
    except OURS:
        pass
    assert kwargs.keys() == before.keys()
    for arg in kwargs:
        assert same(before[arg], kwargs[arg]), f"{name} changed its argument {arg}"


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_a_tensor_that_requires_grad_is_refused_with_a_hint_to_detach():
    import torch
    n = network()
    n["x"] = torch.tensor(n["x"], requires_grad=True)
    with pytest.raises(ReferenceTypeError, match=r"x is a torch tensor that requires grad: detach it"):
        reference.backprop(**n)
    n = network()
    n["weights"][1] = torch.tensor(n["weights"][1], requires_grad=True)
    with pytest.raises(ReferenceTypeError, match=r"weights\[1\] \(w\(2\)\) is a torch tensor that requires grad"):
        reference.forward(n["weights"], n["biases"], n["activations"], n["x"])
    n = network()
    n["x"] = torch.tensor(n["x"])  # no grad: read like any array
    np.testing.assert_array_equal(reference.backprop(**n)[0][0], reference.backprop(**network())[0][0])


@pytest.mark.parametrize("call, error, message", [
    (lambda n: reference.backprop(**{**n, "x": np.ma.masked_array(n["x"], mask=n["x"] > 0)}),
     ReferenceTypeError, r"x is a masked array: its mask would be ignored"),
    (lambda n: reference.backprop(**{**n, "y": None}), ReferenceTypeError, r"y \(the targets, \(m, n_L\)\) is None"),
    (lambda n: reference.backprop_trace(**{**n, "y": None}), ReferenceTypeError, r"y \(the targets"),
    (lambda n: reference.step(n["weights"][0], n["biases"], n["weights"], n["biases"], 0.1),
     ReferenceTypeError, r"weights must be a list with one entry per layer, got ndarray"),
    (lambda n: reference.step(5, n["biases"], n["weights"], n["biases"], 0.1),
     ReferenceTypeError, r"weights must be a list with one entry per layer, got int"),
    (lambda n: reference.step(n["weights"], n["biases"], n["weights"], n["biases"], 10**400),
     ReferenceValueError, r"eta \(the learning rate\) must be a finite number > 0, got 1000"),
    (lambda n: reference.train(**n, eta=0.1, epochs=1, seed="x"), ReferenceValueError, r"seed must be a whole number"),
    (lambda n: reference.train(**n, eta=0.1, epochs=1, seed=-1), ReferenceValueError,
     r"seed must be a whole number >= 0"),
    (lambda n: reference.train(**n, eta=0.1, epochs=10**400), ReferenceValueError,
     r"epochs must be a whole number >= 0 and at most"),
    (lambda n: reference.train(**n, eta=0.1, epochs=1, on_step=3), ReferenceTypeError,
     r"on_step must be a function or None, got int"),
    (lambda n: reference.init_network([3, 2], seed=-1), ReferenceValueError, r"seed must be a whole number >= 0"),
    (lambda n: reference.init_network(None), ReferenceTypeError, r"sizes must be a list of layer sizes"),
    (lambda n: reference.init_network(5), ReferenceTypeError, r"sizes must be a list of layer sizes"),
    (lambda n: reference.init_network([3, 2**62, 2**62]), ReferenceValueError, r"more than memory can address"),
    (lambda n: reference.chain_backprop([1.0, [2.0, 3.0]], [0.0, 0.0], ["identity"] * 2, 1.0, 0.0),
     ReferenceValueError, r"w is not a rectangular array"),
    (lambda n: reference.chain_backprop([1.0], [0.0, 1.0], ["identity"], 1.0, 0.0),
     ReferenceValueError, r"w, b and activations must have one entry per layer"),
    (lambda n: reference.cost([[1e200]], [[0.0]]), ReferenceValueError, r"cost overflowed"),
], ids=["masked x", "y None", "trace y None", "step on an array", "step on an int", "eta 10**400", "seed str",
        "seed negative", "epochs huge", "on_step not callable", "init seed", "sizes None", "sizes int",
        "sizes huge", "chain ragged", "chain lengths", "cost inf"])
def test_each_junk_named_in_issue_13(call, error, message):
    with pytest.raises(error, match=message):
        call(network())


def test_cost_never_rounds_y_down_to_float32():
    a_L, y = np.float32([[0.1]]), np.array([[0.3]])  # 0.3 is not a float32
    assert reference.cost(a_L, y) == (float(np.float32(0.1)) - 0.3) ** 2
    assert reference.cost(a_L, y.astype(np.float32)) == float((np.float32(0.1) - np.float32(0.3)) ** 2)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_a_callers_seterr_changes_no_answer(entry):
    """Underflow in exp is the right answer (e^-800 = 0); np.seterr(all="raise") must not turn it into an error."""
    fn, make = ENTRIES[entry]
    kwargs = make()
    if "weights" in kwargs:  # z = 800 (x) w: e^-|z| underflows in the sigmoid and in tanh'
        kwargs["weights"] = [w * 400 for w in kwargs["weights"]]
    if "w" in kwargs:
        kwargs["w"] = [v * 900 for v in kwargs["w"]]
    if "a_L" in kwargs:
        kwargs["a_L"] = np.full((4, 2), 1e-200)  # (a - y)^2 underflows
        kwargs["y"] = np.zeros((4, 2))
    quiet = fn(**copy.deepcopy(kwargs))
    old = np.seterr(all="raise")
    try:
        loud = fn(**copy.deepcopy(kwargs))
    finally:
        np.seterr(**old)
    assert np.geterr() == old
    assert bits(loud) == bits(quiet)


def bits(result):
    """Every float of a result, as exact bits (arrays, lists, dicts, Trace, numbers)."""
    if isinstance(result, np.ndarray):
        return (result.dtype.str, result.shape, result.tobytes())
    if dataclasses.is_dataclass(result):
        return bits(dataclasses.astuple(result))
    if isinstance(result, (list, tuple)):
        return [bits(v) for v in result]
    if isinstance(result, dict):
        return {k: bits(v) for k, v in result.items()}
    return float(result).hex()


def test_seterr_raise_underflow_case_really_underflows():
    """The test above is only worth something if exp underflows there: it does."""
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="underflow"):
        np.exp(np.array(-800.0))
