"""Fixtures for the toolchain tests: one store for the whole session.

The seeds are ~400 MB of Debian packages fetched through ``mirror://debian``;
the session store is the cache, so each is downloaded and unpacked once.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore
from sx.store.path import StorePath


@pytest.fixture(scope="session")
def tstore(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    """The session's toolchain store."""
    return LocalStore(str(tmp_path_factory.mktemp("toolchain") / "root"))


def build(store: LocalStore, drvs: Sequence[Derivation]) -> list[StorePath]:
    """Realize ``drvs``; their ``out`` paths in order."""
    outcome = realize(store, list(drvs), BuildOptions(jobs=2))
    return [o["out"] for o in outcome.outputs]
