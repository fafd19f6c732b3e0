"""pytest plugin of the conformance suite (profiles for now; report and options to come)."""

from . import profiles  # noqa: F401  (registers and loads the Hypothesis profiles)
