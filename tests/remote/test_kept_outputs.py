"""A worker keeps the outputs it uploaded in its input cache: the next action of a chain
finds them there instead of fetching them back.

The outputs are made in a scratch directory the way a finished sandbox leaves them;
:meth:`InputCache.keep` adopts them. The attacks: an output file that has another
name outside the output (a later write through it must not reach the cache), one
owned by another user (the builder's mapped id), the same bytes as executable and
not, and the size bound (kept blobs are evicted like fetched ones).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import cast

import pytest
from fake_cas import FakeCas
from sx.derivations.build.remote.cas import Cas
from sx.derivations.build.remote.digests import SHA256, BlobDigest
from sx.derivations.build.remote.materialize import InputCache
from sx.derivations.build.remote.merkle import Tree, tree_of
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.store.fsutil import remove_tree
from test_hostile import _root_with
from test_input_cache import base, blob_bytes


def scratch_output(tmp: Path, name: str) -> Path:
    """A directory output: plain and executable files (one content both ways), a
    subdirectory, a symlink."""
    out = tmp / "scratch" / base(name)
    (out / "sub").mkdir(parents=True)
    (out / "plain").write_bytes(b"plain bytes\n")
    (out / "sub" / "same").write_bytes(b"same bytes\n")
    (out / "run").write_bytes(b"same bytes\n")
    os.chmod(out / "run", 0o755)
    os.symlink("sub/same", out / "link")
    return out


def as_input(fake: FakeCas, t: Tree) -> BlobDigest:
    """An input root holding the output ``t`` (only its directory messages go to the
    fake CAS, so fetching a file from it would fail)."""
    for d, b in t.blobs.items():
        if b.data is not None:
            fake.blobs[d] = b.data
    assert t.node.digest is not None
    if t.node.is_dir:
        store = re_pb.Directory(directories=[re_pb.DirectoryNode(
            name=t.node.name, digest=t.node.digest.to_proto())])
    else:
        store = re_pb.Directory(files=[re_pb.FileNode(
            name=t.node.name, digest=t.node.digest.to_proto(), is_executable=t.node.executable)])
    return _root_with(fake, store)


def test_a_kept_directory_output_is_an_input_without_fetching(tmp_path: Path) -> None:
    fake = FakeCas()
    cache_dir = tmp_path / "cache"
    cache = InputCache(str(cache_dir), cast(Cas, fake))
    out = scratch_output(tmp_path, "dir-out")
    t = tree_of(SHA256, str(out), out.name)
    cache.keep(t)
    root = as_input(fake, t)
    fake.reads.clear()
    got = cache.materialize(root)
    assert got.fetched == 0
    assert fake.reads == [1, 1, 1], "only the input root's three top directories were read"
    tree = Path(got.paths[0][0])
    assert (tree / "plain").read_bytes() == b"plain bytes\n"
    assert os.readlink(tree / "link") == "sub/same"
    run, same = (tree / "run").stat(), (tree / "sub" / "same").stat()
    assert stat.S_IMODE(run.st_mode) == 0o555 and stat.S_IMODE(same.st_mode) == 0o444
    assert run.st_ino != same.st_ino, "one content, two modes: two blobs"
    plain = (tree / "plain").stat()
    assert plain.st_ino == (out / "plain").stat().st_ino, "a hard link, not a copy"
    assert plain.st_mtime == 1 and plain.st_uid == os.geteuid()
    assert cache.budget.size == blob_bytes(cache_dir) == 12 + 11 + 11
    assert os.listdir(cache_dir / "tmp") == []


def test_a_kept_file_output_and_its_executable_twin(tmp_path: Path) -> None:
    fake = FakeCas()
    cache = InputCache(str(tmp_path / "cache"), cast(Cas, fake))
    (tmp_path / "scratch").mkdir()
    f = tmp_path / "scratch" / base("file-out")
    f.write_bytes(b"#!/bin/sh\n")
    os.chmod(f, 0o755)
    t = tree_of(SHA256, str(f), f.name)
    cache.keep(t)
    cache.keep(t)  # kept twice (two outputs alike): nothing changes
    got = cache.materialize(as_input(fake, t))
    assert got.fetched == 0
    assert stat.S_IMODE(os.stat(got.paths[0][0]).st_mode) == 0o555


def test_an_output_linked_elsewhere_is_copied_not_shared(tmp_path: Path) -> None:
    fake = FakeCas()
    cache = InputCache(str(tmp_path / "cache"), cast(Cas, fake))
    out = scratch_output(tmp_path, "linked")
    os.link(out / "plain", tmp_path / "scratch" / "other-name")
    t = tree_of(SHA256, str(out), out.name)
    cache.keep(t)
    # Whoever holds the other name writes through it after the upload.
    os.chmod(tmp_path / "scratch" / "other-name", 0o644)
    (tmp_path / "scratch" / "other-name").write_bytes(b"tampered!!!\n")
    got = cache.materialize(as_input(fake, t))
    assert (Path(got.paths[0][0]) / "plain").read_bytes() == b"plain bytes\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can own a file of another user")
def test_an_output_of_the_builders_user_becomes_the_workers(tmp_path: Path) -> None:
    fake = FakeCas()
    cache = InputCache(str(tmp_path / "cache"), cast(Cas, fake))
    out = scratch_output(tmp_path, "mapped")
    for p in (out / "plain", out / "run", out / "sub" / "same"):
        os.chown(p, 65534, 65534)
        os.chmod(p, 0o666)
    t = tree_of(SHA256, str(out), out.name)
    cache.keep(t)
    got = cache.materialize(as_input(fake, t))
    st = (Path(got.paths[0][0]) / "plain").stat()
    assert (st.st_uid, st.st_gid) == (0, 0) and stat.S_IMODE(st.st_mode) == 0o444


def test_kept_outputs_count_in_the_bound(tmp_path: Path) -> None:
    fake = FakeCas()
    cache_dir = tmp_path / "cache"
    cache = InputCache(str(cache_dir), cast(Cas, fake), limit=20)
    out = scratch_output(tmp_path, "bounded")
    cache.keep(tree_of(SHA256, str(out), out.name))
    assert cache.budget.size == 34
    remove_tree(str(out))  # the worker removes the lease's scratch before it evicts
    assert cache.evict() > 0
    assert blob_bytes(cache_dir) <= 20 and cache.budget.size == blob_bytes(cache_dir)
