"""Defaults of the builder that several modules share."""

from __future__ import annotations

# The limits are settings (flag, environment, configuration file): their
# defaults are defined once, with the other settings.
from sx.store.config import DEFAULT_MAX_LOG, DEFAULT_MAX_PIDS

__all__ = ["DEFAULT_APT_DIR", "DEFAULT_MAX_LOG", "DEFAULT_MAX_PIDS"]

DEFAULT_APT_DIR = "/etc/apt"
"""Where the apt configuration naming the Debian mirrors is read from."""
