"""The archive writer: segments, threads, canonical copies, and its errors.

A deliberately naive reference writer (recursive, one file at a time)
checks the threaded one under every segmenting and threading setting.
"""

from __future__ import annotations

import os
import socket
import stat
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import MIB, many_files, pseudo, rich_tree, shape, write
from sx.store import nar, narwrite
from sx.store.errors import InvalidInput, StorageError
from sx.store.fsutil import copy_canonical
from sx.store.hashing import Digest


def _s(b: bytes) -> bytes:
    return struct.pack("<Q", len(b)) + b + b"\0" * (-len(b) % 8)


def reference(path: bytes) -> bytes:
    """The archive of ``path``, written the obvious way."""
    st = os.lstat(path)
    out = _s(b"(") + _s(b"type")
    if stat.S_ISREG(st.st_mode):
        out += _s(b"regular")
        if st.st_mode & stat.S_IXUSR:
            out += _s(b"executable") + _s(b"")
        with open(path, "rb") as f:
            out += _s(b"contents") + _s(f.read())
    elif stat.S_ISLNK(st.st_mode):
        out += _s(b"symlink") + _s(b"target") + _s(os.readlink(path))
    else:
        out += _s(b"directory")
        for name in sorted(os.listdir(path)):
            out += _s(b"entry") + _s(b"(") + _s(b"name") + _s(name) + _s(b"node")
            out += reference(os.path.join(path, name)) + _s(b")")
    return out + _s(b")")


def ref_archive(path: Path) -> bytes:
    return _s(b"nix-archive-1") + reference(os.fsencode(path))


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Many small files with large ones and links interleaved in archive order."""
    root = many_files(tmp_path / "tree", 700, size=900)
    rich_tree(root / "m-rich", large=MIB + 1)
    write(root / "d003" / "big-in-the-middle", pseudo("mid", 2 * MIB + 5))
    write(root / "zz-last-large", pseudo("last", MIB))
    return root


@pytest.fixture(params=[(1, 1 << 20, 16), (4, 1000, 2), (2, 1, 1), (3, 64 << 10, 16)],
                ids=["one-worker", "tiny-segments", "segment-per-file", "default-ish"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    workers, seg_bytes, window = request.param
    monkeypatch.setattr(narwrite, "_WORKERS", workers)
    monkeypatch.setattr(narwrite, "_SEGMENT_BYTES", seg_bytes)
    monkeypatch.setattr(narwrite, "_WINDOW", window)
    yield


def test_threaded_writer_equals_reference(mixed: Path, engine: None) -> None:
    data = nar.dump_bytes(mixed)
    assert data == ref_archive(mixed)
    assert nar.hash_path(mixed) == (Digest.b3(data), len(data))


def test_file_sink_equals_reference(mixed: Path, engine: None, tmp_path: Path) -> None:
    with open(tmp_path / "out.nar", "wb") as f:
        sink = nar.FileSink(f)
        nar.dump(mixed, sink)
    assert (tmp_path / "out.nar").read_bytes() == ref_archive(mixed)
    assert sink.size == len(ref_archive(mixed))


def test_copy_is_canonical_and_hashed(mixed: Path, engine: None, tmp_path: Path) -> None:
    dst = tmp_path / "copy"
    digest, size = nar.copy_hashed(mixed, dst)
    assert (digest, size) == nar.hash_path(mixed) == nar.hash_path(dst)
    assert shape(dst) == shape(mixed)
    for dirpath, dirnames, filenames in os.walk(dst):
        for name in [*dirnames, *filenames, ""]:
            st = os.lstat(os.path.join(dirpath, name))
            assert st.st_mtime == 1
            if stat.S_ISDIR(st.st_mode):
                assert stat.S_IMODE(st.st_mode) == 0o555
            elif stat.S_ISREG(st.st_mode):
                assert stat.S_IMODE(st.st_mode) in (0o444, 0o555)


@pytest.mark.parametrize(("mode", "executable"), [
    (0o644, False), (0o744, True), (0o700, True), (0o654, False), (0o645, False), (0o400, False)])
def test_only_the_owner_exec_bit_counts(tmp_path: Path, mode: int, executable: bool) -> None:
    f = write(tmp_path / "f", "x")
    f.chmod(mode)
    nar.copy_hashed(f, tmp_path / "copy")
    assert stat.S_IMODE(os.lstat(tmp_path / "copy").st_mode) == (0o555 if executable else 0o444)
    assert (b"executable" in nar.dump_bytes(f)) is executable


def test_copy_ignores_a_strict_umask(tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    old = os.umask(0o077)
    try:
        copy_canonical(str(tree), str(tmp_path / "copy"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.lstat(tmp_path / "copy" / "README").st_mode) == 0o444
    assert stat.S_IMODE(os.lstat(tmp_path / "copy" / "bin" / "tool").st_mode) == 0o555
    assert stat.S_IMODE(os.lstat(tmp_path / "copy" / "data" / "large.bin").st_mode) == 0o444
    assert nar.hash_path(tmp_path / "copy") == nar.hash_path(tree)


def test_single_file_and_symlink_roots(tmp_path: Path) -> None:
    f = write(tmp_path / "f", "just a file")
    link = tmp_path / "l"
    os.symlink("f", link)
    for src in (f, link):
        dst = tmp_path / f"copy-{src.name}"
        assert nar.copy_hashed(src, dst) == nar.hash_path(src)
        assert nar.dump_bytes(src) == ref_archive(src)
    assert os.readlink(tmp_path / "copy-l") == "f"


def test_unsupported_file_types_are_refused(tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    os.mkfifo(tree / "sub-fifo")
    with pytest.raises(InvalidInput, match=r"sub-fifo'?: unsupported file type"):
        nar.hash_path(tree)
    with pytest.raises(InvalidInput, match="unsupported file type"):
        nar.copy_hashed(tree, tmp_path / "copy")
    (tree / "sub-fifo").unlink()
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tree / "sock"))
        with pytest.raises(InvalidInput, match=r"sock'?: unsupported file type"):
            nar.dump_bytes(tree)


def test_missing_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file or directory"):
        nar.hash_path(tmp_path / "absent")


def test_file_vanishing_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = many_files(tmp_path / "tree", 40)
    real = narwrite._read_into

    def vanish(f: narwrite._File, out: memoryview, verb: str) -> None:
        if f.src.endswith(b"f00017"):
            os.unlink(f.src)
        real(f, out, verb)

    monkeypatch.setattr(narwrite, "_read_into", vanish)
    with pytest.raises(InvalidInput, match=r"f00017'?: vanished while reading"):
        nar.hash_path(tree)


@pytest.mark.parametrize("size", [5000, 3 * MIB])
def test_file_shrinking_while_copying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      size: int) -> None:
    tree = tmp_path / "tree"
    write(tree / "victim", pseudo("v", size))
    write(tree / "other", "x")
    real_read, real_copy = narwrite._read_into, narwrite._copy_large

    def shrink_then_read(f: narwrite._File, out: memoryview, verb: str) -> None:
        os.truncate(f.src, 10)
        real_read(f, out, verb)

    def shrink_then_copy(f: narwrite._File, fix_mode: bool, verb: str) -> None:
        os.truncate(f.src, 10)
        real_copy(f, fix_mode, verb)

    monkeypatch.setattr(narwrite, "_read_into", shrink_then_read)
    monkeypatch.setattr(narwrite, "_copy_large", shrink_then_copy)
    with pytest.raises(InvalidInput, match=r"victim'?: file shrank while reading"):
        nar.copy_hashed(tree, tmp_path / "copy")


def test_large_file_changing_size_before_hashing(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    big = write(tmp_path / "tree" / "big", pseudo("b", 2 * MIB))
    real = narwrite._build

    def grow(seg: narwrite._Segment, *args: object) -> object:
        with open(big, "ab") as f:
            f.write(b"more")
        return real(seg, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(narwrite, "_build", grow)
    with pytest.raises(InvalidInput, match="changed size"):
        nar.hash_path(tmp_path / "tree")


def test_unreadable_directory_is_bad_input(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    tree = rich_tree(tmp_path / "tree")
    real = os.scandir

    def denied(path: bytes) -> object:
        if path.endswith(b"/bin"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(InvalidInput, match=r"bin'?: Permission denied"):
        nar.hash_path(tree)


def test_unwritable_destination_is_a_storage_error(tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    with pytest.raises(StorageError, match="cannot write the copy"):
        nar.copy_hashed(tree, tmp_path / "no" / "such" / "dir")


def test_worker_errors_stop_the_walk_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = many_files(tmp_path / "tree", 3000, size=100)
    seen: list[bytes] = []
    real = narwrite._read_into

    def fail_first(f: narwrite._File, out: memoryview, verb: str) -> None:
        seen.append(f.src)
        if len(seen) == 1:
            raise InvalidInput("read: planted failure")
        real(f, out, verb)

    monkeypatch.setattr(narwrite, "_SEGMENT_BYTES", 1000)
    monkeypatch.setattr(narwrite, "_read_into", fail_first)
    with pytest.raises(InvalidInput, match="planted failure"):
        nar.hash_path(tree)
    # The window bounds how far the walk got ahead of the failure.
    assert len(seen) < 3000
