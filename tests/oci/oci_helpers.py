"""Test helpers: small closures, and reading and rewriting image layouts independently of sx."""

from __future__ import annotations

import io
import os
import random
import stat
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layout_tools import (
    image,
    layer_tar,
)
from sx.store import nar
from sx.store.fsutil import canonicalize
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.path import StorePath, make_path


def layer_members(layout: str, desc: dict[str, Any]) -> list[tarfile.TarInfo]:
    """The members of a layer, in archive order."""
    with tarfile.open(fileobj=io.BytesIO(layer_tar(layout, desc))) as t:
        return t.getmembers()


def image_files(layout: str) -> dict[str, tuple[str, bytes, bool]]:
    """Every entry of every layer: name -> (kind, content or link target, executable)."""
    out: dict[str, tuple[str, bytes, bool]] = {}
    for desc in image(layout)[1]["layers"]:
        with tarfile.open(fileobj=io.BytesIO(layer_tar(layout, desc))) as t:
            for m in t.getmembers():
                if m.isdir():
                    out[m.name] = ("dir", b"", False)
                elif m.issym():
                    out[m.name] = ("link", m.linkname.encode(), False)
                else:
                    f = t.extractfile(m)
                    assert f is not None
                    out[m.name] = ("file", f.read(), bool(m.mode & 0o100))
    return out


def tree_files(root: str, prefix: str) -> dict[str, tuple[str, bytes, bool]]:
    """The same view of a directory on disk, names under ``prefix``."""
    out: dict[str, tuple[str, bytes, bool]] = {}

    def one(path: str, name: str) -> None:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            out[name] = ("link", os.fsencode(os.readlink(path)), False)
        elif stat.S_ISDIR(st.st_mode):
            out[name] = ("dir", b"", False)
            for child in os.listdir(path):
                one(os.path.join(path, child), f"{name}/{child}")
        else:
            with open(path, "rb") as f:
                out[name] = ("file", f.read(), bool(st.st_mode & 0o100))

    one(root, prefix)
    return out








def all_bytes(root: str) -> dict[str, bytes]:
    """Every file under ``root`` (relative name -> bytes), for byte-identity checks."""
    out = {}
    for d, _, files in os.walk(root):
        for name in files:
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = f.read()
    return out


def many_paths(store: LocalStore, tmp_path: Path, n: int) -> list[StorePath]:
    """``n`` paths, each referring to the previous one and to path 0."""
    paths: list[StorePath] = []
    for i in range(n):
        src = tmp_path / f"m{i}"
        (src / "sub").mkdir(parents=True)
        (src / "sub" / f"file{i}").write_text(f"content {i}\n" * (i + 1))
        (src / "top").write_bytes(os.urandom(100 + i))
        refs = {paths[-1], paths[0]} if paths else set()
        (src / "refs").write_text("".join(f"{r}\n" for r in sorted(refs)))
        paths.append(store.add_tree(str(src), f"m{i}", refs).path)
    return paths


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
                        registered=int(time.time()), ca=f"output:{nar_hash}")
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


RunSx = Callable[..., tuple[int, str, str]]
