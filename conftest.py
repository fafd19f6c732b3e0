"""pytest plugins of the project (loaded for every test run from the repo root)."""

import tests.support.profiles  # noqa: F401  (registers and loads the Hypothesis profiles)
