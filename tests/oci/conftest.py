"""Fixtures for the OCI tests: stores in tmp_path, small closures, a static binary."""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sx.cli.main import main
from sx.store import nar
from sx.store.fsutil import canonicalize
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.path import StorePath, make_path

GREETING = "hello from sx\n"


@dataclass
class Closure:
    """A small closure: ``lib`` <- ``app`` <- ``root`` (and ``drv``, the root's deriver)."""

    store: LocalStore
    lib: StorePath
    app: StorePath
    root: StorePath
    drv: StorePath


def make_lib_tree(dest: str) -> None:
    """Files that exercise the tar writer: long and non-ASCII names, links, modes, empties."""
    os.makedirs(os.path.join(dest, "lib", "deep" * 10, "er" * 30))
    os.makedirs(os.path.join(dest, "empty-dir"))
    with open(os.path.join(dest, "lib", "libfoo.so"), "wb") as f:
        f.write(random.Random(7).randbytes(200_000))
    with open(os.path.join(dest, "lib", "deep" * 10, "er" * 30, "leaf.txt"), "w") as f:
        f.write("a path longer than a ustar name field\n")
    with open(os.path.join(dest, "caf\u00e9.txt"), "w") as f:
        f.write("non-ascii name\n")
    open(os.path.join(dest, "empty"), "wb").close()
    tool = os.path.join(dest, "tool.sh")
    with open(tool, "w") as f:
        f.write("#!/bin/sh\necho tool\n")
    os.chmod(tool, 0o755)
    os.symlink("lib/libfoo.so", os.path.join(dest, "libfoo-link"))
    os.symlink("x" * 150, os.path.join(dest, "long-target-link"))


def add_output(store: LocalStore, data: bytes, name: str, refs: tuple[StorePath, ...],
               deriver: StorePath) -> StorePath:
    """Register a one-file ``output`` path with a deriver (as a build would)."""
    with store.temp_dir() as tmp:
        obj = os.path.join(tmp.path, "obj")
        with open(obj, "wb") as f:
            f.write(data)
        canonicalize(obj)
        nar_hash, size = nar.hash_path(obj)
        path = make_path("output", nar_hash, name, refs)
        info = PathInfo(path, nar_hash, size, refs, deriver=deriver,
                        registered=int(time.time()))
        return store.install(tmp, obj, info).path


def build_closure(root_dir: str, src_dir: str) -> Closure:
    """The same closure in any store: same contents, so the same store paths."""
    store = LocalStore(root_dir)
    tree = os.path.join(src_dir, "lib-src")
    if not os.path.exists(tree):
        make_lib_tree(tree)
    lib = store.add_tree(tree, "lib").path
    app = store.add_bytes(f"#!{lib}/tool.sh\n".encode(), "app", references=[lib],
                          executable=True).path
    drv = store.add_bytes(b"not really a derivation", "root.drv", kind="drv").path
    root = add_output(store, f"uses {app}\n".encode(), "root", (app,), drv)
    return Closure(store, lib, app, root, drv)


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


RunSx = Callable[..., tuple[int, str, str]]


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
