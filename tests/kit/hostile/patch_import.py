"""A wrong backprop (the 1/2 cost convention) whose module, at import, patches the reference, numpy,
the kit, its tolerances and strategies, pytest's reports and Hypothesis' profile, and registers
os._exit(0) at exit."""

from _common import half
from _patches import patch_everything

patch_everything()


def backprop(weights, biases, activations, x, y):
    return half(weights, biases, activations, x, y)
