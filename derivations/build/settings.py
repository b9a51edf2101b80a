"""Defaults of the builder that several modules share."""

from __future__ import annotations

DEFAULT_APT_DIR = "/etc/apt"
"""Where the apt configuration naming the Debian mirrors is read from."""

DEFAULT_MAX_LOG = 1 << 30
"""Bytes of builder output after which a build is killed."""

DEFAULT_MAX_PIDS = 2048
"""Processes and threads one build may have at once: stops a fork bomb, not make -j."""
