"""Fixtures for the toolchain tests: one store for the whole session.

The seeds are ~100 MB of Debian packages (~430 MB unpacked), fetched through
``mirror://debian``; the session store is the cache, so each is downloaded
and unpacked once.
"""

from __future__ import annotations

import pytest
from sx.derivations.bootstrap.toolchain import binutils
from sx.store.local import LocalStore
from sx.store.path import StorePath
from toolchain_helpers import build


@pytest.fixture(scope="session")
def tstore(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    """The session's toolchain store."""
    return LocalStore(str(tmp_path_factory.mktemp("toolchain") / "root"))


@pytest.fixture(scope="session")
def binutils_out(tstore: LocalStore) -> StorePath:
    """binutils (with make, the static tcc and musl-2 below it) in the session store."""
    [path] = build(tstore, [binutils.binutils()])
    return path
