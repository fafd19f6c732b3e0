"""The worker protocol: how the kit (:mod:`conformance.kit.isolation`) and the worker process
(:mod:`conformance.kit.worker`) talk, written once for both sides.

Framing: each message is an 8-byte little-endian length, then a pickle (protocol 4).  Requests go
parent -> worker (trusted); answers go worker -> parent and are read with :class:`PlainUnpickler`,
which knows no class at all: builtins and bytes only, arrays written as ``{"__nd__": [dtype, shape,
bytes]}`` (floating point only) and rebuilt by :func:`decode`.

Requests (:func:`load_request`, :func:`run_request`, :func:`call_request`)::

    {"op": "load", "spec": TEXT, "forbid": [MODULE, ...]}  -> {"ok": bool, "error", "forbidden", ...}
    {"op": "run", weights, biases, activations, x, y, layout, seed, calls}
                                            -> {"event": "calling", "which": CALL}* then {"event": "done", "outcomes"}
    {"op": "call", "args": (weights, biases, activations, x, y), "seed"}
                                            -> {"event": "calling", "which": "probe"} then {"event": "done", ...}

>>> decode(pickle.loads(pickle.dumps({"a": encode_array(np.array([1.0, 2.0]))})))["a"].tolist()
[1.0, 2.0]
"""

from __future__ import annotations

import io
import os
import pickle
import struct

import numpy as np

HEADER = struct.Struct("<Q")
MAX_MESSAGE = 2**31  # bytes: far more than the gradients of any network the kit draws
FLOAT_DTYPES = {np.dtype(t).str for t in (np.float16, np.float32, np.float64, np.longdouble)}

CALL_NAMES = {"first": "first call", "again": "second call (the same inputs again)",
              "update": "call after the inputs were updated in place",
              "updated_fresh": "call with the updated values in new arrays", "probe": "diagnosis' probe call",
              "import": "import of your module"}
"""What each call of one example is called in messages (the worker announces each by this key)."""


def frame(obj) -> bytes:
    """One message: its length, then its pickle."""
    data = pickle.dumps(obj, protocol=4)
    return HEADER.pack(len(data)) + data


def write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_request(fd: int):
    """The worker's side: the next request from the parent (trusted), or EOFError."""
    (n,) = HEADER.unpack(_read_exact(fd, HEADER.size))
    return pickle.loads(_read_exact(fd, n))


def split(buffer: bytes):
    """The parent's side: (message bytes or None, the rest); ValueError if the length is absurd."""
    if len(buffer) < HEADER.size:
        return None, buffer
    (n,) = HEADER.unpack(buffer[:HEADER.size])
    if n > MAX_MESSAGE:
        raise ValueError(f"it announced an answer of {n} bytes")
    if len(buffer) < HEADER.size + n:
        return None, buffer
    return buffer[HEADER.size:HEADER.size + n], buffer[HEADER.size + n:]


class PlainUnpickler(pickle.Unpickler):
    """Builtins only: a pickle naming any class or function (a student's object) is refused."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"the worker sent an object of {module}.{name}: only plain data may cross")


def read_answer(data: bytes):
    """A worker's answer as plain data, arrays rebuilt (:func:`decode`)."""
    return decode(PlainUnpickler(io.BytesIO(data)).load())


def decode(obj):
    """The worker's plain data with every {"__nd__": [dtype, shape, bytes]} made a float ndarray again."""
    if isinstance(obj, dict):
        if set(obj) == {"__nd__"}:
            dtype, shape, data = obj["__nd__"]
            if dtype not in FLOAT_DTYPES:
                raise pickle.UnpicklingError(f"the worker sent an array of dtype {dtype!r}")
            return np.frombuffer(data, dtype=np.dtype(dtype)).reshape([int(n) for n in shape]).copy()
        return {k: decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    return obj


def encode_array(arr) -> dict:
    """A floating array as plain data; TypeError for any other dtype."""
    if arr.dtype.kind != "f":
        raise TypeError(f"only floating arrays cross to the kit, not {arr.dtype}")
    arr = np.ascontiguousarray(arr)
    return {"__nd__": [str(arr.dtype.str), [int(n) for n in arr.shape], bytes(arr.tobytes())]}


def load_request(spec_text: str, forbid) -> dict:
    return {"op": "load", "spec": spec_text, "forbid": list(forbid)}


def run_request(case, calls, layout="plain", seed=0) -> dict:
    """One drawn example's calls (``calls``: a subset of first, no_mutation, again, update)."""
    return {"op": "run", "weights": list(case.weights), "biases": list(case.biases),
            "activations": list(case.activations), "x": case.x, "y": case.y, "layout": layout,
            "seed": int(seed), "calls": list(calls)}


def call_request(args, seed) -> dict:
    """One bare call (the diagnosis' probes)."""
    return {"op": "call", "args": args, "seed": int(seed)}
