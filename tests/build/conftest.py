"""Fixtures for the builder tests: a fresh store per test, helpers (busybox: tests/conftest.py)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_helpers import Shell
from sx.derivations.model import Source
from sx.store.fsutil import remove_tree
from sx.store.local import LocalStore


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    """A fresh store under the test's temp dir."""
    return LocalStore(str(tmp_path / "root"))


@pytest.fixture(params=["plain", "mapped"])
def both_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalStore]:
    """A fresh store, once where builds must use plain mode and once where they can be mapped.

    Mapped mode (root only) needs every directory above the store searchable
    by others; the test's temp dir is not, so the mapped store lives in a
    searchable directory of its own.
    """
    if request.param == "plain":
        yield LocalStore(str(tmp_path / "root"))
        return
    base = tempfile.mkdtemp(prefix="sx-mapped-")
    os.chmod(base, 0o711)
    try:
        yield LocalStore(os.path.join(base, "root"))
    finally:
        remove_tree(base)


@pytest.fixture
def sh(busybox: Source) -> Shell:
    """``sh(name, script, inputs)`` -> a derivation run by busybox sh in the sandbox."""
    return Shell(busybox)
