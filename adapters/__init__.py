"""Adapters: the reference's networks in PyTorch and JAX, and their autodiff gradients.

Importing this package needs numpy only; each adapter imports its framework:

- :mod:`adapters.torch_adapter` - ``nn.Sequential`` / tensors <-> reference lists,
  ``backprop`` and ``backprop_trace`` by ``torch.autograd``
- :mod:`adapters.jax_adapter`   - pytrees / flax parameter dicts <-> reference lists,
  ``backprop``, ``backprop_trace`` and ``sgd_step`` by ``jax.grad``, jitted, with
  optional padding so one compilation serves every network of a given depth

Both return numpy arrays on the CPU in the reference's layout, so their results
compare directly with :func:`reference.backprop_trace`.  Nothing here imports torch
or jax (no ``__all__`` naming the submodules either, so ``from adapters import *`` is safe).
"""
