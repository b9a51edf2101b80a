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


@pytest.fixture(params=["private", "searchable"])
def both_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalStore]:
    """A fresh store in a private directory (the test's, 0700) and in a world-searchable one.

    As root both build in mapped mode (bwrap's set-up reaches root's
    private directories); run by anyone else, in plain mode. Plain mode as
    root is asked for explicitly where it is tested (``BwrapSandbox(mapped=False)``).
    """
    if request.param == "private":
        yield LocalStore(str(tmp_path / "root"))
        return
    base = tempfile.mkdtemp(prefix="sx-searchable-")
    os.chmod(base, 0o711)
    try:
        yield LocalStore(os.path.join(base, "root"))
    finally:
        remove_tree(base)


@pytest.fixture
def sh(busybox: Source) -> Shell:
    """``sh(name, script, inputs)`` -> a derivation run by busybox sh in the sandbox."""
    return Shell(busybox)
