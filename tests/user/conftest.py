"""Fixtures for the unprivileged runs: a home directory the user owns.

As root the commands run as uid/gid 65534 without capabilities; as anyone
else, as that user (see tests/unpriv.py). The store is the default root of
a user without ``/sx``: ``$HOME/.local/share/sx``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import unpriv


@pytest.fixture(params=["private", "searchable"])
def home(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A home directory the user owns, 0700 or 0755, under the system temp dir."""
    d = unpriv.user_dir(request.param, "sx-home-")
    try:
        yield d
    finally:
        unpriv.remove_dir(d)


@pytest.fixture
def default_root(home: Path) -> Path:
    """Where sx keeps the user's store when no root is given."""
    return home / ".local" / "share" / "sx"
