"""The worker's input cache under a size bound: least recently used first, never in use.

An in-memory CAS (:mod:`fake_cas`) holds the inputs; each input root holds
one store path (a tree of files or a single file), so the tests choose
exactly which entries are old, shared or in use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import pytest
from fake_cas import FakeCas
from sx.derivations.build.remote.cas import Cas
from sx.derivations.build.remote.digests import BlobDigest
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.materialize import InputCache, Inputs
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.store.hashing import Digest
from sx.store.path import make_path
from test_hostile import _root_with


def base(name: str) -> str:
    return make_path("output", Digest.b3(name.encode()), name).base


def tree_input(fake: FakeCas, name: str, contents: list[bytes]) -> BlobDigest:
    """An input root whose one store path ``name`` is a directory of these files."""
    files = [re_pb.FileNode(name=f"f{i}", digest=fake.put(c).to_proto())
             for i, c in enumerate(contents)]
    d = fake.put(re_pb.Directory(files=files).SerializeToString())
    return _root_with(fake, re_pb.Directory(directories=[re_pb.DirectoryNode(
        name=base(name), digest=d.to_proto())]))


def file_input(fake: FakeCas, name: str, content: bytes) -> BlobDigest:
    return _root_with(fake, re_pb.Directory(files=[re_pb.FileNode(
        name=base(name), digest=fake.put(content).to_proto())]))


def use(cache: InputCache, root: BlobDigest, keep: bool = False) -> Inputs:
    """Materialize ``root`` as an action would; release it unless the action still runs."""
    got = cache.materialize(root)
    cache.evict()
    if not keep:
        cache.release(got)
    return got


def blob_bytes(cache_dir: Path) -> int:
    return sum(f.stat().st_size for f in (cache_dir / "blobs").iterdir())


def present(got: Inputs) -> bool:
    return all(os.path.lexists(p) for p, _ in got.paths)


def test_least_recently_used_go_first_and_come_back_intact(tmp_path: Path) -> None:
    fake = FakeCas()
    cache_dir = tmp_path / "cache"
    cache = InputCache(str(cache_dir), cast(Cas, fake), limit=2500)
    a = tree_input(fake, "a", [b"a" * 500, b"A" * 500])
    b = file_input(fake, "b", b"b" * 1000)
    c = tree_input(fake, "c", [b"c" * 600, b"C" * 400])
    got_a, got_b = use(cache, a), use(cache, b)
    use(cache, a)  # a is now more recent than b
    got_c = use(cache, c)
    assert blob_bytes(cache_dir) <= 2500 and cache.budget.size == blob_bytes(cache_dir)
    assert not present(got_b), "b was the least recently used"
    assert present(got_a) and present(got_c)
    again = use(cache, b)
    assert again.fetched == 1 and Path(again.paths[0][0]).read_bytes() == b"b" * 1000
    assert not present(got_a), "then a"
    assert blob_bytes(cache_dir) <= 2500
    assert os.listdir(cache_dir / "tmp") == []


def test_inputs_in_use_are_never_evicted(tmp_path: Path) -> None:
    fake = FakeCas()
    cache_dir = tmp_path / "cache"
    cache = InputCache(str(cache_dir), cast(Cas, fake), limit=1000)
    running = [use(cache, tree_input(fake, f"t{i}", [bytes([65 + i]) * 800]), keep=True)
               for i in range(3)]
    assert all(present(r) for r in running), "over the bound, but everything is in use"
    assert blob_bytes(cache_dir) == 2400
    for r in running:
        assert Path(r.paths[0][0], "f0").read_bytes()[:1] in (b"A", b"B", b"C")
    cache.release(running[1])
    cache.evict()
    assert present(running[0]) and present(running[2]) and not present(running[1])
    # Still over (two actions run), and it stays so until they end.
    assert blob_bytes(cache_dir) == 1600
    cache.release(running[0])
    cache.release(running[2])
    cache.evict()
    assert blob_bytes(cache_dir) <= 1000


def test_a_blob_shared_with_a_kept_tree_stays(tmp_path: Path) -> None:
    fake = FakeCas()
    cache_dir = tmp_path / "cache"
    cache = InputCache(str(cache_dir), cast(Cas, fake), limit=1500)
    shared = b"s" * 700
    old = use(cache, tree_input(fake, "old", [shared, b"o" * 700]))
    new = use(cache, tree_input(fake, "new", [shared, b"n" * 700]), keep=True)
    assert not present(old) and present(new)
    f0 = Path(new.paths[0][0], "f0")
    assert f0.read_bytes() == shared and f0.stat().st_nlink == 2, "still linked to its blob"
    assert blob_bytes(cache_dir) == 1400


def test_a_restarted_worker_accounts_for_what_is_on_disk(tmp_path: Path) -> None:
    fake = FakeCas()
    cache_dir = tmp_path / "cache"
    first = InputCache(str(cache_dir), cast(Cas, fake))  # unbounded
    for i in range(5):
        use(first, file_input(fake, f"x{i}", bytes([48 + i]) * 1000))
    assert blob_bytes(cache_dir) == 5000
    again = InputCache(str(cache_dir), cast(Cas, fake), limit=2000)
    assert again.budget.size == 5000
    use(again, file_input(fake, "x4", b"4" * 1000))
    assert blob_bytes(cache_dir) <= 2000
    assert again.materialize(file_input(fake, "x4", b"4" * 1000)).fetched == 0, \
        "the one just used was kept"
    assert again.materialize(file_input(fake, "x0", b"0" * 1000)).fetched == 1, \
        "the oldest was evicted"


def test_missing_inputs_come_in_one_read_per_level_not_one_per_input(tmp_path: Path) -> None:
    """A worker that has none of an action's inputs (the previous step of a chain ran on
    another worker) asks for the directories of all of them level by level, then for
    all their files in one batch: round trips do not grow with the number of inputs."""
    fake = FakeCas()
    nodes_f, nodes_d = [], []
    for i in range(3):  # store paths that are files
        nodes_f.append(re_pb.FileNode(name=base(f"file{i}"),
                                      digest=fake.put(f"file {i}".encode()).to_proto()))
    for i in range(4):  # store paths that are trees two levels deep
        leaf = fake.put(re_pb.Directory(files=[re_pb.FileNode(
            name="f", digest=fake.put(f"leaf {i}".encode()).to_proto())]).SerializeToString())
        top = fake.put(re_pb.Directory(
            files=[re_pb.FileNode(name="g", digest=fake.put(f"top {i}".encode()).to_proto())],
            directories=[re_pb.DirectoryNode(name="sub", digest=leaf.to_proto())]
        ).SerializeToString())
        nodes_d.append(re_pb.DirectoryNode(name=base(f"tree{i}"), digest=top.to_proto()))
    root = _root_with(fake, re_pb.Directory(files=nodes_f, directories=nodes_d))
    cache = InputCache(str(tmp_path / "cache"), cast(Cas, fake))
    got = use(cache, root)
    # root, sx, store; the trees' tops, their subdirectories; every file (3 + 4 * 2).
    assert fake.reads == [1, 1, 1, 4, 4, 11]
    assert got.fetched == 11
    trees = {b: Path(p) for p, b in got.paths}
    for i in range(4):
        t = trees[base(f"tree{i}")]
        assert (t / "g").read_bytes() == f"top {i}".encode()
        assert (t / "sub" / "f").read_bytes() == f"leaf {i}".encode()
    for i in range(3):
        assert trees[base(f"file{i}")].read_bytes() == f"file {i}".encode()
    fake.reads.clear()
    again = use(cache, root)
    assert again.paths == got.paths and again.fetched == 0
    assert fake.reads == [1, 1, 1], "all cached: only the root's three levels are read"


def test_input_trees_too_deep_or_too_big_are_refused_by_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bounds hold per input even though all missing trees are walked together: a
    harmless input beside a hostile one does not hide it, and nothing is built."""
    from sx.derivations.build.remote import materialize
    monkeypatch.setattr(materialize, "MAX_DEPTH", 4)
    monkeypatch.setattr(materialize, "MAX_ENTRIES", 6)
    fake = FakeCas()
    ok = fake.put(re_pb.Directory(files=[re_pb.FileNode(
        name="f", digest=fake.put(b"fine").to_proto())]).SerializeToString())
    deep = fake.put(re_pb.Directory().SerializeToString())
    for _ in range(5):
        deep = fake.put(re_pb.Directory(directories=[re_pb.DirectoryNode(
            name="d", digest=deep.to_proto())]).SerializeToString())
    wide = fake.put(re_pb.Directory(files=[re_pb.FileNode(
        name=f"f{i}", digest=fake.put(b"x").to_proto()) for i in range(7)]).SerializeToString())
    for name, top, why in (("deep", deep, "deeper than 4"), ("wide", wide, "more than 6")):
        root = _root_with(fake, re_pb.Directory(directories=sorted([
            re_pb.DirectoryNode(name=base("fine"), digest=ok.to_proto()),
            re_pb.DirectoryNode(name=base(name), digest=top.to_proto())],
            key=lambda n: n.name)))
        cache = InputCache(str(tmp_path / f"cache-{name}"), cast(Cas, fake))
        with pytest.raises(RemoteError, match=f"input {base(name)}: {why}"):
            cache.materialize(root)
        assert os.listdir(tmp_path / f"cache-{name}" / "trees") == []
        assert os.listdir(tmp_path / f"cache-{name}" / "blobs") == []


def test_missing_files_are_held_one_batch_at_a_time(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """However many inputs an action names, the worker reads their files a batch at a
    time and writes each batch out before asking for the next: an engine or client
    cannot make it hold the whole input closure in memory."""
    fake = FakeCas()
    fake.batch = 1000
    nodes = []
    for i in range(4):  # four store paths, each a tree of three 301-byte files
        files = [re_pb.FileNode(name=f"f{j}", digest=fake.put(
            bytes([65 + i]) * 300 + bytes([j])).to_proto()) for j in range(3)]
        top = fake.put(re_pb.Directory(files=files).SerializeToString())
        nodes.append(re_pb.DirectoryNode(name=base(f"t{i}"), digest=top.to_proto()))
    root = _root_with(fake, re_pb.Directory(directories=sorted(nodes, key=lambda n: n.name)))
    cache = InputCache(str(tmp_path / "cache"), cast(Cas, fake))
    held: list[int] = []
    real = fake.read_blobs

    def spy(digests: Iterable[BlobDigest]) -> dict[BlobDigest, bytes]:
        digests = list(digests)
        files = [d for d in digests if d.size == 301]
        if files:
            held.append(sum(d.size for d in files))
            on_disk = len(os.listdir(tmp_path / "cache" / "blobs"))
            assert on_disk == 3 * (len(held) - 1), "the previous batch is written first"
        return real(digests)

    monkeypatch.setattr(fake, "read_blobs", spy)
    got = use(cache, root)
    assert got.fetched == 12
    assert len(held) == 4 and max(held) <= fake.batch, held
    assert blob_bytes(tmp_path / "cache") == 12 * 301

