"""Fixtures every test folder may use: a fresh store and the sx command line.

Each test gets its own physical store root under pytest's ``tmp_path``; no
test ever touches the default root. Folders that need more add their own
``conftest.py`` (a fixture defined there overrides one of the same name
here). Type hints for the ``sx`` fixture: ``from sx_runner import Sx``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sx.derivations.examples import busybox_tree
from sx.derivations.model import Source
from sx.store.local import LocalStore
from sx_runner import Sx

BUSYBOX = shutil.which("busybox") or "/bin/busybox"


@pytest.fixture
def root(tmp_path: Path) -> str:
    """A fresh physical store root (not created yet)."""
    return str(tmp_path / "root")


@pytest.fixture
def store(root: str) -> Iterator[LocalStore]:
    """A store at ``root``, opened in this process."""
    s = LocalStore(root)
    yield s
    s.temp_roots.close()


@pytest.fixture
def sx(root: str) -> Sx:
    """The sx command line on ``root``: ``sx("store", "add", p)``, ``sx.raw(..)``, ``sx.ok(..)``."""
    return Sx(root)


@pytest.fixture(scope="session")
def busybox(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A static busybox as a source tree ``bin/{busybox,sh}`` (sandboxed builders use it)."""
    return busybox_tree(str(tmp_path_factory.mktemp("busybox")), BUSYBOX)
