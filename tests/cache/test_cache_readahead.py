"""Downloads read and decompress ahead of the restore, in a thread, with bounded memory.

The reader itself (order, limit, bounded queue, errors, stopping), then whole
downloads of a multi-chunk archive that is damaged mid-stream: the error
stops the thread, and nothing is left in the store or its temp dir.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sx.store.cache.copy import copy_from, copy_to
from sx.store.cache.file import FileCache
from sx.store.cache.layout import CachedPath, info_key
from sx.store.cache.readahead import ReadAhead
from sx.store.errors import Corrupt, HashMismatch
from sx.store.local import LocalStore
from sx.store.path import StorePath


class Source:
    """``size`` bytes served in reads of at most the size asked; counts what was read."""

    def __init__(self, size: int, fail_at: int | None = None) -> None:
        self.data = os.urandom(size)
        self.pos = 0
        self.calls = 0
        self.fail_at = fail_at

    def __call__(self, n: int) -> bytes:
        self.calls += 1
        if self.fail_at is not None and self.pos >= self.fail_at:
            raise OSError(5, "Input/output error")
        got = self.data[self.pos:self.pos + n]
        self.pos += len(got)
        return got


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "sx-readahead"]


@pytest.mark.parametrize("n", [1, 7, 1000, 4096, 1 << 20])
def test_bytes_arrive_in_order_in_reads_of_at_most_n(n: int) -> None:
    src = Source(50_000)
    got = []
    with ReadAhead(src, 10**9, chunk=4096, depth=2) as ahead:
        while part := ahead.read(n):
            assert len(part) <= n
            got.append(part)
        assert ahead.read(n) == b""  # the end stays the end
    assert b"".join(got) == src.data
    assert _threads() == []


def test_reads_no_more_than_the_limit() -> None:
    src = Source(50_000)
    with ReadAhead(src, 10_001, chunk=4096, depth=2) as ahead:
        got = b"".join(iter(lambda: ahead.read(3000), b""))
    assert got == src.data[:10_001]
    assert src.pos == 10_001


def test_stays_at_most_depth_chunks_ahead() -> None:
    src = Source(1 << 20)
    with ReadAhead(src, 1 << 20, chunk=1000, depth=3) as ahead:
        assert ahead.read(10) == src.data[:10]
        for _ in range(100):  # give the thread every chance to run ahead
            threading.Event().wait(0.001)
        # the chunk taken, three queued, one waiting to be queued
        assert src.pos <= 5 * 1000
    assert _threads() == []


def test_an_error_in_the_thread_comes_after_the_bytes_before_it() -> None:
    src = Source(20_000, fail_at=8192)
    with ReadAhead(src, 10**9, chunk=4096, depth=2) as ahead:
        assert ahead.read(10_000) + ahead.read(10_000) == src.data[:8192]
        with pytest.raises(OSError, match="Input/output error"):
            ahead.read(1)
        with pytest.raises(OSError):  # and again: the stream does not resume
            ahead.read(1)
    assert _threads() == []


def test_closing_mid_stream_stops_the_thread() -> None:
    src = Source(10 << 20)
    with ReadAhead(src, 10 << 20, chunk=4096, depth=2) as ahead:
        ahead.read(1)
    calls = src.calls
    assert _threads() == []
    assert calls < 10  # it stopped long before the end
    assert src.calls == calls


# ---- whole downloads ------------------------------------------------------------------------


def _big_path(store: LocalStore, tmp_path: Path) -> StorePath:
    """A path of every entry kind whose archive is several read-ahead chunks long."""
    d = tmp_path / "big"
    (d / "sub" / "deeper").mkdir(parents=True)
    for i in range(6):
        (d / f"blob{i}").write_bytes(os.urandom(1 << 20))
    for i in range(200):
        (d / "sub" / f"small{i:03}").write_bytes(os.urandom(i * 37))
    (d / "sub" / "deeper" / "run").write_text("#!/bin/sh\n")
    (d / "sub" / "deeper" / "run").chmod(0o755)
    (d / "empty").mkdir()
    os.symlink("blob0", d / "link")
    return store.add_tree(str(d), "big").path


def _uploaded(store: LocalStore, tmp_path: Path) -> tuple[FileCache, StorePath, CachedPath]:
    cache = FileCache(str(tmp_path / "cache"))
    path = _big_path(store, tmp_path)
    copy_to(store, cache, [path])
    data = cache.get_bytes(info_key(path))
    assert data is not None
    rec = CachedPath.decode(data, path, cache.url)
    assert rec.info.nar_size > 6 << 20 and rec.file_size > 6 << 20
    return cache, path, rec


def _replace(cache: FileCache, key: str, data: bytes) -> None:
    """Replace an object behind the cache's back, as a compromised cache would."""
    target = os.path.join(cache.root, key)
    os.chmod(target, 0o644)
    with open(target, "wb") as f:
        f.write(data)


def _archive(cache: FileCache, rec: CachedPath) -> bytes:
    with open(os.path.join(cache.root, rec.archive_key), "rb") as f:
        return f.read()


def _assert_nothing_left(store: LocalStore) -> None:
    assert store.all_paths() == []
    assert os.listdir(store.tmp) == []
    assert os.listdir(store.store_dir) == []
    assert _threads() == []


def test_a_multi_chunk_archive_round_trips(tmp_path: Path, store: LocalStore) -> None:
    cache, path, _ = _uploaded(store, tmp_path)
    other = LocalStore(str(tmp_path / "other"))
    result = copy_from(other, cache, [path], None)
    assert [i.path for i in result.fetched] == [path]
    src, dst = store.real_path(path), other.real_path(path)
    for dirpath, _, files in os.walk(src):
        for name in files:
            a = os.path.join(dirpath, name)
            b = os.path.join(dst, os.path.relpath(a, src))
            assert os.path.islink(a) == os.path.islink(b)
            if not os.path.islink(a):
                assert Path(a).read_bytes() == Path(b).read_bytes()
                assert os.access(a, os.X_OK) == os.access(b, os.X_OK)
    assert _threads() == []


@pytest.mark.parametrize("cut", [0.3, 0.7, 0.99])
def test_an_archive_truncated_mid_stream_leaves_nothing(
        tmp_path: Path, store: LocalStore, cut: float) -> None:
    cache, path, rec = _uploaded(store, tmp_path)
    data = _archive(cache, rec)
    _replace(cache, rec.archive_key, data[:int(len(data) * cut)])
    other = LocalStore(str(tmp_path / "other"))
    with pytest.raises(Corrupt, match=str(path)):
        copy_from(other, cache, [path], None)
    _assert_nothing_left(other)


@pytest.mark.parametrize("where", [0.2, 0.5, 0.9])
def test_garbage_mid_stream_leaves_nothing(tmp_path: Path, store: LocalStore,
                                           where: float) -> None:
    cache, path, rec = _uploaded(store, tmp_path)
    data = bytearray(_archive(cache, rec))
    at = int(len(data) * where)
    data[at:at + 64 * 1024] = os.urandom(64 * 1024)  # same size: only the contents are wrong
    _replace(cache, rec.archive_key, bytes(data))
    other = LocalStore(str(tmp_path / "other"))
    with pytest.raises((Corrupt, HashMismatch), match=str(path)):
        copy_from(other, cache, [path], None)
    _assert_nothing_left(other)


def test_an_archive_that_inflates_past_its_record_leaves_nothing(
        tmp_path: Path, store: LocalStore) -> None:
    cache, path, rec = _uploaded(store, tmp_path)
    # A record that declares one byte less than the archive inflates to.
    short = CachedPath(rec.info.replace(nar_size=rec.info.nar_size - 1), rec.file_hash,
                       rec.file_size)
    _replace(cache, info_key(path), short.encode())
    other = LocalStore(str(tmp_path / "other"))
    with pytest.raises(Corrupt, match=str(path)):
        copy_from(other, cache, [path], None)
    _assert_nothing_left(other)
