"""What torch autograd, jax.grad and HIPS autograd say where an answer differs from the reference's.

They *inform* the message (``Oracles: ...``); they never decide the verdict, which is the acceptance
rule's alone (:mod:`conformance.kit.rule`): a grade must not depend on which frameworks happen to be
installed.  They come from the framework registry (``conformance/core/frameworks.py``).
"""

from __future__ import annotations

import sys

JAX_X64_ON_DEMAND = False
"""Set by the kit's plugin in a kit session: JAX is imported (and put in float64) only when an oracle is
needed, not at start-up."""


def frameworks() -> dict:
    """{title: backprop} of the registry's frameworks importable here.

    JAX joins only in float64: in a kit session (``JAX_X64_ON_DEMAND``) its registry entry turns x64 on
    when first asked; elsewhere (the notebook API) only if the caller has x64 on already, so that the
    kit never flips a setting of the caller's session.
    """
    from conformance.core import frameworks as registry

    jax = sys.modules.get("jax")
    skip_jax = not JAX_X64_ON_DEMAND and not (jax is not None and jax.config.jax_enable_x64)
    return {(fw.title or fw.name): fw.backprop for fw in registry.known()
            if not (skip_jax and fw.name == "jax") and fw.availability()[0]}


def opinions(case, ref, yours, rule) -> dict:
    """{oracle: what it says} for an answer that differs from the reference on `case` (for the message)."""
    said = {"reference": "differs from yours"}
    for name, fn in frameworks().items():
        try:
            theirs = fn(*case.args())
        except Exception as exc:  # noqa: BLE001
            said[name] = f"could not run ({type(exc).__name__}: {exc})"
            continue
        if not rule.differences(theirs, yours)[0]:
            said[name] = "agrees with yours (the verdict is the reference's: docs/grading.md)"
        elif not rule.differences(ref, theirs)[0]:
            said[name] = "agrees with the reference"
        else:
            said[name] = "differs from both"
    return said
