"""Fixtures for the bootstrap tests: the pinned sources and cc1 built by the host's gcc."""

from __future__ import annotations

from pathlib import Path

import pytest
from cc1_support import build_cc1_with_gcc
from sx.derivations.bootstrap.stage1 import sources
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.store.local import LocalStore


@pytest.fixture(scope="session")
def stage1_store(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    """A store for the session's stage1 builds (the fetched sources are cached in it)."""
    return LocalStore(str(tmp_path_factory.mktemp("stage1") / "root"))


@pytest.fixture(scope="session")
def m2libc_dir(stage1_store: LocalStore) -> Path:
    """M2libc from Debian's pinned mescc-tools 1.4.0 source, fetched and unpacked by sx."""
    outcome = realize(stage1_store, [sources.m2libc()], BuildOptions(jobs=2))
    return Path(stage1_store.real_path(outcome.outputs[0]["out"]))


@pytest.fixture(scope="session")
def cc1_gcc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cc1 built by the host's gcc from its C0 sources."""
    return build_cc1_with_gcc(tmp_path_factory.mktemp("cc1-gcc"))
