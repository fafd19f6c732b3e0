"""The project's pytest plugins, loaded for every run from the repository root.

tests.support.plugin: Hypothesis profiles (dev / ci, the default / thorough), --device=cpu|cuda|auto,
                      --allow-tf32, the conformance header, summary table and --conformance-report=PATH.
tests.kit.plugin:     --impl / BACKPROP_IMPL, the kit that checks your own backprop.
"""

pytest_plugins = ["tests.support.plugin", "tests.kit.plugin"]
