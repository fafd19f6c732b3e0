"""backprop-reference: backpropagation as 3Blue1Brown's "Backpropagation calculus" derives it.

numpy only.  The notation is the video's: z(l) = w(l) a(l-1) + b(l),
a(l) = sigma(z(l)), C0 = sum_j (a(L)_j - y_j)^2, and the cost over m
examples is their average.  Read the modules in this order:

- :mod:`reference.activations`     - each sigma beside its derivative
- :mod:`reference.cost_function`   - C0, C and dC/da(L) = 2(a(L) - y)
- :mod:`reference.chain`           - the one-neuron-per-layer chain, in floats
- :mod:`reference.backpropagation` - the same for whole layers and batches
- :mod:`reference.descent`         - stepping downhill
- :mod:`reference.init`            - a seeded random network
- :mod:`reference.checks`, :mod:`reference.errors` - the input checks, beside the math
"""

from ._version import __version__  # noqa: F401  (reference.__version__)
from .activations import SIGMA
from .backpropagation import Trace, backprop, backprop_trace, forward
from .chain import chain_backprop, chain_steps
from .cost_function import cost
from .descent import step, train
from .errors import ReferenceTypeError, ReferenceValueError
from .init import init_network

ACTIVATIONS = tuple(sorted(SIGMA))

__all__ = [
    "ACTIVATIONS", "SIGMA", "Trace", "ReferenceTypeError", "ReferenceValueError",
    "backprop", "backprop_trace", "chain_backprop", "chain_steps", "cost", "forward",
    "init_network", "step", "train",
]
