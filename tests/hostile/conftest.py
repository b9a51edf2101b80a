"""Hypothesis profiles for the fuzz tests, and the count of inputs each target tried.

``make test`` runs a bounded, derandomized profile (``SX_FUZZ_EXAMPLES``
inputs per target, default 200, with a per-input deadline); ``make fuzz``
selects the ``fuzz`` profile: random seeds and as many inputs as
``SX_FUZZ_EXAMPLES`` says. The counts are printed at the end of the run.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from hostile_helpers import TRIED
from hypothesis import HealthCheck, settings

_EXAMPLES = int(os.environ.get("SX_FUZZ_EXAMPLES", "200"))
_COMMON = {
    "max_examples": _EXAMPLES,
    "database": None,  # no .hypothesis directory in the checkout
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                              HealthCheck.function_scoped_fixture],
    "deadline": timedelta(seconds=10),
}
settings.register_profile("ci", derandomize=True, **_COMMON)
settings.register_profile("fuzz", derandomize=False, **_COMMON)
settings.load_profile(os.environ.get("SX_FUZZ_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many inputs each fuzz target tried."""
    if TRIED:
        line = ", ".join(f"{name} {n}" for name, n in sorted(TRIED.items()))
        terminalreporter.write_line(f"fuzz inputs tried: {line}")
