"""One remote execution cluster for the whole session (BuildGrid, PostgreSQL, two sx workers).

Starting BuildGrid and PostgreSQL takes a while; tests share them and each
uses fresh client store roots, so results cross between tests only through
the engine's caches (which is what the tests look at). A test that kills a
worker starts it again (:func:`cluster` restores the two workers).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster import Cluster, have_cluster_tools
from sx.store.fsutil import remove_tree

WORKERS = {"w-root": False, "w-nobody": True}
"""The session's workers: name -> runs unprivileged."""


@pytest.fixture(scope="session")
def session_cluster() -> Iterator[Cluster]:
    """PostgreSQL, BuildGrid and the two workers, started once."""
    why = have_cluster_tools()
    if why:
        pytest.fail(f"remote cluster cannot start: {why}")
    # World-searchable: PostgreSQL and the unprivileged worker run as other users.
    base = Path(tempfile.mkdtemp(prefix="sx-remote-"))
    os.chmod(base, 0o755)
    c = Cluster(base)
    try:
        c.start()
        for name, unprivileged in WORKERS.items():
            c.add_worker(name, unprivileged)
        yield c
    finally:
        c.close()
        remove_tree(str(base))


@pytest.fixture
def cluster(session_cluster: Cluster) -> Iterator[Cluster]:
    """The session's cluster, with its two workers running before and after the test."""
    _revive(session_cluster)
    yield session_cluster
    _revive(session_cluster)


def _revive(session_cluster: Cluster) -> None:
    for name, unprivileged in WORKERS.items():
        w = session_cluster.workers.get(name)
        if w is None or w.proc.poll() is not None:
            session_cluster.workers.pop(name, None)
            session_cluster.add_worker(name, unprivileged)
