"""Adapters: the reference's networks in four frameworks, and their autodiff gradients.

Importing this package needs numpy only; each adapter imports its framework:

- :mod:`adapters.torch_adapter`    - ``nn.Sequential`` / tensors <-> reference lists,
  ``backprop`` and ``backprop_trace`` by ``torch.autograd``
- :mod:`adapters.jax_adapter`      - pytrees / flax parameter dicts <-> reference lists,
  ``backprop``, ``backprop_trace`` and ``sgd_step`` by ``jax.grad``, jitted, with
  optional padding so one compilation serves every network of a given depth
- :mod:`adapters.flax_adapter`     - flax models (linen ``Dense`` / ``nn.Sequential``, nnx ``Linear``)
  <-> reference lists
- :mod:`adapters.autograd_adapter` - parameter lists <-> reference lists, ``backprop``,
  ``backprop_trace`` and ``sgd_step`` by HIPS autograd (reverse mode over plain numpy)

Each returns numpy arrays on the CPU in the reference's layout, so their results
compare directly with :func:`reference.backprop_trace`.  Nothing here imports a framework
(no ``__all__`` naming the submodules either, so ``from adapters import *`` is safe).
"""
