"""A module that ends the process while it is imported."""

import os

os._exit(0)


def backprop(*args):
    return None
