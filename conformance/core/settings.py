"""What a session of the suite chose (device, TF32, what a framework's warning does), importing nothing.

numpy-free on purpose: the suite's pytest plugin reads :data:`ENV` while pytest starts in any
project where the package is installed, and must not import numpy to do so.
:mod:`conformance.core.frameworks` re-exports all three names.
"""

from __future__ import annotations

from dataclasses import dataclass

ENV = "CONFORMANCE_FRAMEWORK"  # the frameworks to check, when --framework names none (comma-separated specs)


@dataclass
class Settings:
    """What the plugin chose: the device ("cpu"/"cuda"), whether TF32 is allowed, and what a warning the
    framework under test emits does: "report" (counted in the report, the test goes on) or "error" (it fails)."""

    device: str = "cpu"
    tf32: bool = False
    warnings: str = "report"


SETTINGS = Settings()
