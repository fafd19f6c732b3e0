"""A correct backprop as widely copied textbook code writes it, with habits the kit must tolerate.

Its docstrings hold invalid escapes (\d, \s), a SyntaxWarning under Python 3.12 (a DeprecationWarning
before): a run with warnings as errors must still load it.  It sets numpy to raise on every floating
point error, for the whole process, and computes under its own errstate.
"""  # noqa: W605

import numpy as np
from _common import backprop as _correct

np.seterr(all="raise")


def backprop(weights, biases, activations, x, y):
    """Gradients of C with respect to w and b: see \d\s in the book."""  # noqa: W605
    np.seterr(all="raise")
    return _correct(weights, biases, activations, x, y)
