"""Test helpers: small closures, and reading and rewriting image layouts independently of sx."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import stat
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zstandard
from sx.store import nar
from sx.store.fsutil import canonicalize
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.path import StorePath, make_path


def read_json(path: str) -> Any:
    """Parse a JSON file."""
    with open(path, "rb") as f:
        return json.load(f)


def blob(layout: str, digest: str) -> str:
    """The file of a blob."""
    algo, hexdigest = digest.split(":")
    return os.path.join(layout, "blobs", algo, hexdigest)


def image(layout: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(index, manifest, config) of a single-image layout."""
    index = read_json(os.path.join(layout, "index.json"))
    manifest = read_json(blob(layout, index["manifests"][0]["digest"]))
    config = read_json(blob(layout, manifest["config"]["digest"]))
    return index, manifest, config


def layer_tar(layout: str, desc: dict[str, Any]) -> bytes:
    """The uncompressed tar bytes of a layer."""
    with open(blob(layout, desc["digest"]), "rb") as f:
        data = f.read()
    if desc["mediaType"].endswith("+gzip"):
        return gzip.decompress(data)
    if desc["mediaType"].endswith("+zstd"):
        return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    return data


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


def write_blob(layout: str, data: bytes) -> str:
    """Store bytes as a blob; returns the digest."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob(layout, digest), "wb") as f:
        f.write(data)
    return digest


def replace_layer(layout: str, index: int, data: bytes, fix_digests: bool = True) -> None:
    """Replace layer ``index``'s blob by ``data`` (uncompressed layers only).

    With ``fix_digests`` the new digest is chained up through the config's
    diff_ids, the manifest and index.json, as a careful forger would; without
    it the new bytes are written under the old digest.
    """
    idx, manifest, config = image(layout)
    old = manifest["layers"][index]
    if not fix_digests:
        path = blob(layout, old["digest"])
        os.chmod(path, 0o644)
        with open(path, "wb") as f:
            f.write(data)
        return
    digest = write_blob(layout, data)
    old["digest"], old["size"] = digest, len(data)
    config["rootfs"]["diff_ids"][index] = digest
    cfg = json.dumps(config).encode()
    manifest["config"]["digest"], manifest["config"]["size"] = write_blob(layout, cfg), len(cfg)
    man = json.dumps(manifest).encode()
    idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = write_blob(layout, man), len(man)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(idx, f)


def rewrite_manifest(layout: str, manifest: dict[str, Any]) -> None:
    """Store a changed manifest and point index.json at it."""
    idx = read_json(os.path.join(layout, "index.json"))
    man = json.dumps(manifest).encode()
    idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = write_blob(layout, man), len(man)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(idx, f)


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
