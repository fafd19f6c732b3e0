"""The project's pytest plugins, loaded for every run from the repository root.

tests.support.plugin: Hypothesis profiles, the conformance report, --device.
tests.kit.plugin:     --impl / BACKPROP_IMPL, the kit that checks your own backprop.
"""

pytest_plugins = ["tests.support.plugin", "tests.kit.plugin"]
