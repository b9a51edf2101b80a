"""Fixtures for the toolchain tests: one store for the whole session.

The seeds are ~100 MB of Debian packages (~430 MB unpacked), fetched through
``mirror://debian``; the session store is the cache, so each is downloaded
and unpacked once.
"""

from __future__ import annotations

import pytest
from sx.store.local import LocalStore


@pytest.fixture(scope="session")
def tstore(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    """The session's toolchain store."""
    return LocalStore(str(tmp_path_factory.mktemp("toolchain") / "root"))


@pytest.fixture(scope="session", autouse=True)
def _keep_spawning_threads() -> None:
    """Work around a builder bug that kills builds longer than ~10 s.

    The sandbox runs with ``bwrap --die-with-parent`` (PR_SET_PDEATHSIG), and
    trio starts processes from a worker thread that exits after 10 s idle:
    the kernel then sends SIGKILL to bwrap ("bwrap exited -9"). musl takes
    7-10 s to build, so it hit this; longer thread idling avoids it until the
    builder spawns from a thread that outlives its builds.
    """
    from trio._core import _thread_cache

    _thread_cache.IDLE_TIMEOUT = 24 * 3600
