"""Property-based fuzzing of everything the store unpacks: archives, streams, images, caches.

Each target starts from valid input, mutates it (bit flips, truncation,
insertions, deletions, duplicated runs, oversized lengths) or builds it from
hostile parts (unsorted or duplicate entries, bad names, long targets,
symlinks that point out and entries beneath them), and feeds it to the
real reader. The property, for every input: either the InvalidInput family
(or, for a cache, NotFound: both exit 1) is raised and nothing was
registered or left behind, or the import succeeds
and what it registered is byte for byte the valid original. Never another
exception, never a file outside the scratch root.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
from hostile_helpers import TRIED
from hypothesis import given
from hypothesis import strategies as st
from layout_tools import replace_layer
from sx.store import nar
from sx.store.cache import open_cache
from sx.store.cache.fetch import fetch_closure
from sx.store.errors import InvalidInput, NotFound
from sx.store.fsutil import remove_tree
from sx.store.local import LocalStore
from sx.store.oci.importer import import_image
from sx.store.path import StorePath
from sx.store.transfer import export_paths, import_paths

# ---- mutations ----------------------------------------------------------------------------

_LENGTHS = [0, 1, 7, 8, 255, 256, 4095, 4096, 1 << 16, 1 << 31, 2**62, 2**64 - 1]


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one to four byte-level mutations."""
    b = bytearray(data)
    for op in draw(st.lists(st.sampled_from(["flip", "cut", "insert", "delete", "dup", "u64"]),
                            min_size=1, max_size=4)):
        if not b:
            break
        i = draw(st.integers(0, len(b) - 1))
        if op == "flip":
            b[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut":
            del b[i:]
        elif op == "insert":
            b[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del b[i:i + draw(st.integers(1, 24))]
        elif op == "dup":
            b[i:i] = b[i:i + draw(st.integers(1, 64))]
        else:
            at = i - i % 8
            b[at:at + 8] = struct.pack("<Q", draw(st.sampled_from(_LENGTHS)))
    return bytes(b)


# ---- scratch roots ------------------------------------------------------------------------


@contextmanager
def scratch() -> Iterator[Path]:
    """A fresh scratch root holding an ``outside`` directory that must stay empty."""
    d = Path(tempfile.mkdtemp(prefix="sx-fuzz-"))
    (d / "outside").mkdir()
    try:
        yield d
        assert os.listdir(d / "outside") == [], "an extractor wrote outside its tree"
    finally:
        remove_tree(str(d))


def assert_refused_cleanly(store: LocalStore) -> None:
    assert store.all_paths() == [] or all(store.is_valid(p) for p in store.all_paths())
    assert os.listdir(store.tmp) == [], os.listdir(store.tmp)


# ---- NAR archives ---------------------------------------------------------------------------


def _s(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data + b"\0" * (-len(data) % 8)


Node = Any  # ("f", bytes, bool) | ("l", bytes) | ("d", [(name, Node)])


def nar_of(node: Node) -> bytes:
    """An archive of a node tree, written as given (order and names unchecked)."""
    def one(n: Node) -> bytes:
        if n[0] == "f":
            ex = _s(b"executable") + _s(b"") if n[2] else b""
            return _s(b"(") + _s(b"type") + _s(b"regular") + ex + _s(b"contents") + \
                _s(n[1]) + _s(b")")
        if n[0] == "l":
            return _s(b"(") + _s(b"type") + _s(b"symlink") + _s(b"target") + _s(n[1]) + _s(b")")
        body = b"".join(_s(b"entry") + _s(b"(") + _s(b"name") + _s(name) + _s(b"node")
                        + one(child) + _s(b")") for name, child in n[1])
        return _s(b"(") + _s(b"type") + _s(b"directory") + body + _s(b")")
    return _s(b"nix-archive-1") + one(node)


_NAMES = st.sampled_from([b"a", b"b", b"B", b"..", b".", b"", b"a/b", b"x\0y", b"n" * 255,
                          b"n" * 256, b"\xff\xfe", b"-", b"lib"])
_TARGETS = st.sampled_from([b"a", b"/", b"../../outside", b"..", b"", b"t" * 4095, b"t" * 4096,
                            b"/etc/passwd", b"a\0b"])


def _nodes(outside: str) -> st.SearchStrategy[Node]:
    leaf = st.one_of(
        st.tuples(st.just("f"), st.binary(max_size=64), st.booleans()),
        st.tuples(st.just("l"), st.one_of(_TARGETS, st.just(outside.encode()))),
    )
    return st.recursive(leaf, lambda kids: st.tuples(
        st.just("d"), st.lists(st.tuples(_NAMES, kids), max_size=5)), max_leaves=12)


def _check_restore(data: bytes, root: Path) -> None:
    dest = root / "out"
    try:
        nar.restore_bytes(data, str(dest), "fuzz")
    except InvalidInput:
        assert not os.path.lexists(dest)
        return
    assert nar.dump_bytes(str(dest)) == data  # the archive is canonical: same bytes back


VALID_TREE: Node = ("d", [(b"bin", ("d", [(b"tool", ("f", b"#!/bin/sh\n", True))])),
                          (b"data", ("f", b"x" * 100, False)),
                          (b"link", ("l", b"bin/tool"))])


@given(st.data())
def test_fuzz_nar_mutations(data: st.DataObject) -> None:
    TRIED["nar (mutated)"] += 1
    with scratch() as root:
        _check_restore(data.draw(mutated(nar_of(VALID_TREE))), root)


@given(st.data())
def test_fuzz_nar_structures(data: st.DataObject) -> None:
    TRIED["nar (built)"] += 1
    with scratch() as root:
        tree = data.draw(_nodes(str(root / "outside")))
        _check_restore(nar_of(tree), root)


# ---- export streams ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalStore, bytes]:
    """A store with a small closure, and its export stream."""
    d = tmp_path_factory.mktemp("origin")
    store = LocalStore(str(d / "root"))
    lib = store.add_bytes(b"library code\n", "lib").path
    tree = d / "app"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin" / "app").write_text(f"#!/bin/sh\nexec {lib}\n")
    (tree / "bin" / "app").chmod(0o755)
    os.symlink("bin/app", tree / "run")
    app = store.add_tree(str(tree), references=[lib]).path
    out = io.BytesIO()
    export_paths(store, [lib, app], out)
    return store, out.getvalue()


def _same_as_origin(origin: LocalStore, store: LocalStore, paths: list[StorePath]) -> None:
    for p in paths:
        assert origin.is_valid(p), f"imported {p}, which the original never held"
        assert nar.dump_bytes(store.real_path(p)) == nar.dump_bytes(origin.real_path(p))


@given(st.data())
def test_fuzz_export_streams(origin: tuple[LocalStore, bytes], data: st.DataObject) -> None:
    TRIED["export stream"] += 1
    source, stream = origin
    with scratch() as root:
        store = LocalStore(str(root / "root"))
        try:
            infos = import_paths(store, io.BytesIO(data.draw(mutated(stream))), "fuzz")
        except InvalidInput:
            assert store.all_paths() == []
            assert_refused_cleanly(store)
        else:
            _same_as_origin(source, store, [i.path for i in infos])
        finally:
            store.close()


# ---- OCI layouts ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def layout(origin: tuple[LocalStore, bytes], tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[Path, StorePath]:
    """A genuine image of the closure's top path (uncompressed layers)."""
    from sx.store.oci.image import export_image
    from sx.store.oci.options import ImageOptions

    store, _ = origin
    app = max(store.all_paths(), key=lambda p: store.require(p).nar_size)
    out = tmp_path_factory.mktemp("img") / "img"
    export_image(store, [app], ImageOptions(max_layers=1), str(out), "dir")
    return out, app


def _members(base: str, outside: str) -> st.SearchStrategy[list[tuple[tarfile.TarInfo, bytes]]]:
    names = st.sampled_from(["bin", "bin/app", "run", "evil", "evil/x", "evil/etc/cron.d/x",
                             "bin/../..", "./x", "n" * 300, "a//b", "data", "hl"])
    kinds = st.sampled_from(["dir", "file", "sym", "hard", "fifo"])
    targets = st.sampled_from(["bin/app", outside, "../../../..", "/", "/etc/shadow",
                               f"sx/store/{base}/bin/app", "t" * 5000])

    def member(name: str, kind: str, target: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
        m = tarfile.TarInfo(f"sx/store/{base}/{name}")
        m.mode = 0o555
        if kind == "dir":
            m.type = tarfile.DIRTYPE
        elif kind == "file":
            m.size = len(data)
            return m, data
        elif kind == "sym":
            m.type, m.linkname = tarfile.SYMTYPE, target
        elif kind == "hard":
            m.type, m.linkname = tarfile.LNKTYPE, target
        else:
            m.type = tarfile.FIFOTYPE
        return m, b""

    return st.lists(st.builds(member, names, kinds, targets, st.binary(max_size=32)),
                    max_size=8)


def _tar(members: list[tuple[tarfile.TarInfo, bytes]], base: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name in ("sx", "sx/store", f"sx/store/{base}"):
            m = tarfile.TarInfo(name)
            m.type = tarfile.DIRTYPE
            t.addfile(m)
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if m.isreg() else None)
    return out.getvalue()


def _check_import(image: Path, root: Path, genuine: tuple[LocalStore, StorePath]) -> None:
    store = LocalStore(str(root / "root"))
    try:
        infos = import_image(store, str(image))
    except InvalidInput:
        assert store.all_paths() == []
        assert_refused_cleanly(store)
    else:
        _same_as_origin(genuine[0], store, [i.path for i in infos])
    finally:
        store.close()


@given(st.data())
def test_fuzz_oci_layers(origin: tuple[LocalStore, bytes], layout: tuple[Path, StorePath],
                         data: st.DataObject) -> None:
    TRIED["oci layer"] += 1
    src, path = layout
    with scratch() as root:
        img = root / "img"
        shutil.copytree(src, img)
        members = data.draw(_members(path.base, str(root / "outside")))
        tar = _tar(members, path.base)
        if data.draw(st.booleans()):
            tar = data.draw(mutated(tar))
        replace_layer(str(img), 0, tar)
        _check_import(img, root, (origin[0], path))


@given(st.data())
def test_fuzz_oci_documents(origin: tuple[LocalStore, bytes], layout: tuple[Path, StorePath],
                            data: st.DataObject) -> None:
    TRIED["oci documents"] += 1
    src, path = layout
    with scratch() as root:
        img = root / "img"
        shutil.copytree(src, img)
        target = data.draw(st.sampled_from(["index.json", "oci-layout", "manifest", "config"]))
        _mutate_document(img, target, lambda b: data.draw(mutated(b)))
        _check_import(img, root, (origin[0], path))


def _mutate_document(img: Path, which: str, mutate: Callable[[bytes], bytes]) -> None:
    if which in ("index.json", "oci-layout"):
        (img / which).write_bytes(mutate((img / which).read_bytes()))
        return
    import hashlib

    index = json.loads((img / "index.json").read_bytes())
    man_file = img / "blobs" / "sha256" / index["manifests"][0]["digest"][7:]
    manifest = json.loads(man_file.read_bytes())
    if which == "config":
        cfg_file = img / "blobs" / "sha256" / manifest["config"]["digest"][7:]
        new = mutate(cfg_file.read_bytes())
        digest = "sha256:" + hashlib.sha256(new).hexdigest()
        (img / "blobs" / "sha256" / digest[7:]).write_bytes(new)
        manifest["config"].update(digest=digest, size=len(new))
        man = json.dumps(manifest).encode()
    else:
        man = mutate(man_file.read_bytes())
    digest = "sha256:" + hashlib.sha256(man).hexdigest()
    (img / "blobs" / "sha256" / digest[7:]).write_bytes(man)
    index["manifests"][0].update(digest=digest, size=len(man))
    (img / "index.json").write_text(json.dumps(index))


# ---- caches -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cache_dir(origin: tuple[LocalStore, bytes], tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, StorePath]:
    """A file cache holding the closure, and the top path."""
    from sx.store.cache.copy import upload_closure

    store, _ = origin
    app = max(store.all_paths(), key=lambda p: store.require(p).nar_size)
    d = tmp_path_factory.mktemp("cache") / "cache"
    trio.run(upload_closure, store, open_cache(f"file://{d}"), [app])
    return d, app


@given(st.data())
def test_fuzz_cache_archives_and_records(origin: tuple[LocalStore, bytes],
                                         cache_dir: tuple[Path, StorePath],
                                         data: st.DataObject) -> None:
    TRIED["cache"] += 1
    src, path = cache_dir
    with scratch() as root:
        cache = root / "cache"
        shutil.copytree(src, cache)
        files = sorted(p for p in cache.rglob("*") if p.is_file() and p.parent.name in
                       ("info", "nar"))
        victim = data.draw(st.sampled_from(files))
        victim.write_bytes(data.draw(mutated(victim.read_bytes())))
        store = LocalStore(str(root / "root"))
        try:
            result = trio.run(fetch_closure, store, open_cache(f"file://{cache}"), [path],
                              None, 2, True)
        except (InvalidInput, NotFound):  # NotFound: a record names what the cache lacks
            assert store.all_paths() == []
            assert_refused_cleanly(store)
        else:
            _same_as_origin(origin[0], store, [i.path for i in result.fetched])
        finally:
            store.close()
