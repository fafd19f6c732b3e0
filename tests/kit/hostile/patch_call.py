"""The same patches as patch_import.py, made at the first call instead of at import."""

from _common import half
from _patches import patch_everything

_done = []


def backprop(weights, biases, activations, x, y):
    if not _done:
        _done.append(patch_everything())
    return half(weights, biases, activations, x, y)
