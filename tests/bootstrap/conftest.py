"""Fixtures of the bootstrap tests: cc0's tools, the pinned sources, cc1 built by the host's gcc."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cc0_support import Tools, realized_tools
from cc1_support import GCC_C0_FLAGS, build_cc1_with_gcc, cc1_sources, run
from sx.derivations.bootstrap.stage1 import sources
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation
from sx.store.local import LocalStore


@pytest.fixture(scope="session")
def stage1_store(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    """A store for the session's stage1 builds (the fetched sources are cached in it).

    ``make bootstrap`` sets ``SX_TEST_STAGE1_ROOT`` (empty: the default root) so
    its tests reuse what the chain just built instead of compiling tcc again.
    """
    if "SX_TEST_STAGE1_ROOT" in os.environ:
        return LocalStore(os.environ["SX_TEST_STAGE1_ROOT"] or None)
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


@pytest.fixture(scope="session")
def host_cc1(tmp_path_factory: pytest.TempPathFactory) -> Derivation:
    """cc1 built by the host's gcc (static, so it runs in the empty sandbox), as a store file.

    For tests only: it stands in for the cc0-built cc1 of ``stage0-cc1``.
    """
    d = tmp_path_factory.mktemp("host-cc1")
    unit = d / "cc1_all.c"
    unit.write_text("".join(p.read_text() for p in cc1_sources()))
    exe = d / "cc1"
    run(["gcc", *GCC_C0_FLAGS, "-static", "-o", str(exe), str(unit)])
    return derivation("cc1-host", BUILTIN_WRITE,
                      env={"hex": exe.read_bytes().hex(), "executable": "1"}, system="builtin")


@pytest.fixture(scope="session")
def cc0_tools(tmp_path_factory: pytest.TempPathFactory) -> Tools:
    """cc0, M0, hex2 and catm, realized once through sx from the hex0 seed."""
    return realized_tools(tmp_path_factory.mktemp("cc0-store") / "root")
