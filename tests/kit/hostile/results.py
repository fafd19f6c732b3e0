"""Functions that return something other than gradients, or the gradients in a lying container."""

import numpy as np
from _common import backprop as _correct


class LenRaises(tuple):
    def __len__(self):
        raise RuntimeError("len() of this result raises")


def len_raises(*args):
    return LenRaises(_correct(*args))


class Shifty(list):
    """A list that says it has L entries and raises when it is iterated."""

    def __iter__(self):
        raise ZeroDivisionError("iterating over this list raises")


def lying_list(*args):
    dw, db = _correct(*args)
    return Shifty(dw), db


class ArrayLike:
    def __array__(self, *args, **kwargs):
        raise MemoryError("no array here")


def array_like_raises(*args):
    dw, db = _correct(*args)
    return [ArrayLike() for _ in dw], db


class Evil:
    def __reduce__(self):
        return (print, ("this must never run in the kit's process",))


def object_array(*args):
    dw, db = _correct(*args)
    return [np.array([[Evil()]], dtype=object) for _ in dw], db


def nan_twice(weights, biases, activations, x, y):
    dw, db = _correct(weights, biases, activations, x, y)
    return [np.full_like(g, np.nan) for g in dw], [np.full_like(g, np.nan) for g in db]
