"""Defaults of the builder that several modules share."""

from __future__ import annotations

DEFAULT_APT_DIR = "/etc/apt"
"""Where the apt configuration naming the Debian mirrors is read from."""

DEFAULT_MAX_LOG = 1 << 30
"""Bytes of builder output after which a build is killed."""
