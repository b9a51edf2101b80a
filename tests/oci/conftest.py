"""Fixtures for the OCI tests: stores in tmp_path, small closures, a static binary."""

from __future__ import annotations

import os
import shutil

import pytest
from oci_helpers import GREETING, Closure, RunSx, build_closure
from sx.cli.main import main
from sx.store.path import StorePath


@pytest.fixture
def closure(tmp_path: os.PathLike[str]) -> Closure:
    """A small closure in a fresh store under tmp_path."""
    return build_closure(os.path.join(tmp_path, "root"), os.fspath(tmp_path))


@pytest.fixture
def busybox(closure: Closure, tmp_path: os.PathLike[str]) -> tuple[StorePath, StorePath]:
    """Busybox (a static binary) and a greeting file, as two store paths of the closure's store."""
    bb = os.path.join(tmp_path, "bb")
    os.makedirs(os.path.join(bb, "bin"))
    shutil.copy(shutil.which("busybox") or "/bin/busybox", os.path.join(bb, "bin", "busybox"))
    msg = os.path.join(tmp_path, "msg")
    os.makedirs(msg)
    with open(os.path.join(msg, "greeting"), "w") as f:
        f.write(GREETING)
    store = closure.store
    return store.add_tree(bb, "busybox").path, store.add_tree(msg, "greeting").path


@pytest.fixture
def sx(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunSx:
    """Run the sx CLI in-process against a store root: ``sx(root, *args) -> (code, out, err)``."""

    def run(root: str, *args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("SX_ROOT", root)
        capsys.readouterr()
        code = main(["--root", root, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
