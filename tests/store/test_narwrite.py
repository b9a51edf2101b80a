"""The archive writer: segments, threads, canonical copies, and its errors.

A deliberately naive reference writer (recursive, one file at a time)
checks the threaded one under every segmenting and threading setting, with
the C segment filler (store/_narfill.c) and with the pure-Python loop.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from deep_trees import deep_chain
from store_helpers import MIB, many_files, pseudo, rich_tree, shape, write
from sx.store import nar, narwrite
from sx.store.errors import InvalidInput, StorageError
from sx.store.fsutil import copy_canonical, remove_tree
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


@pytest.fixture(params=["native", "python"])
def impl(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which segment filler runs: the C one or the Python loop."""
    if request.param == "python":
        monkeypatch.setattr(narwrite, "NATIVE", None)
    else:
        assert narwrite.NATIVE is not None, "the C extension sx.store._narfill is not built"
    return str(request.param)


def test_native_filler_is_built_and_can_be_disabled() -> None:
    # setup.py builds it when a C compiler is present; `make install` provides one.
    assert narwrite.NATIVE is not None, "sx.store._narfill is missing: is gcc installed?"
    code = "from sx.store import narwrite; print(narwrite.NATIVE is None)"
    env = {**os.environ, "SX_NATIVE": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "True"


def test_threaded_writer_equals_reference(mixed: Path, engine: None, impl: str) -> None:
    data = nar.dump_bytes(mixed)
    assert data == ref_archive(mixed)
    assert nar.hash_path(mixed) == (Digest.b3(data), len(data))


def test_file_sink_equals_reference(mixed: Path, engine: None, impl: str,
                                    tmp_path: Path) -> None:
    with open(tmp_path / "out.nar", "wb") as f:
        sink = nar.FileSink(f)
        nar.dump(mixed, sink)
    assert (tmp_path / "out.nar").read_bytes() == ref_archive(mixed)
    assert sink.size == len(ref_archive(mixed))


def test_copy_is_canonical_and_hashed(mixed: Path, engine: None, impl: str,
                                      tmp_path: Path) -> None:
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
def test_only_the_owner_exec_bit_counts(tmp_path: Path, mode: int, executable: bool,
                                        impl: str) -> None:
    tree = tmp_path / "tree"
    f = write(tree / "f", "x")
    write(tree / "g", "a second file, so that the tree goes through the segment filler")
    f.chmod(mode)
    nar.copy_hashed(tree, tmp_path / "copy")
    assert stat.S_IMODE(os.lstat(tmp_path / "copy" / "f").st_mode) == (
        0o555 if executable else 0o444)
    assert (b"executable" in nar.dump_bytes(f)) is executable


def test_copy_ignores_a_strict_umask(tmp_path: Path, impl: str) -> None:
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


def _before_fill(monkeypatch: pytest.MonkeyPatch,
                 hook: Callable[[narwrite._File], None]) -> None:
    """Run ``hook`` on each file of a segment just before the segment is filled."""
    real = narwrite._fill

    def fill(seg: narwrite._Segment, *args: Any) -> None:
        for piece in seg.pieces:
            if isinstance(piece, narwrite._File):
                hook(piece)
        real(seg, *args)

    monkeypatch.setattr(narwrite, "_fill", fill)


def test_file_vanishing_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      impl: str) -> None:
    tree = many_files(tmp_path / "tree", 40)

    victims = [b"f00017"]

    def vanish(f: narwrite._File) -> None:
        if victims and f.src.endswith(victims[0]):
            os.unlink(f.src)
            victims.pop(0)

    _before_fill(monkeypatch, vanish)
    with pytest.raises(InvalidInput, match=r"f00017'?: vanished while reading"):
        nar.hash_path(tree)
    victims.append(b"f00018")
    with pytest.raises(InvalidInput, match=r"f00018'?: vanished while reading"):
        nar.copy_hashed(tree, tmp_path / "copy", "add")


@pytest.mark.parametrize("size", [5000, 3 * MIB])
def test_file_shrinking_while_copying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      size: int, impl: str) -> None:
    tree = tmp_path / "tree"
    write(tree / "victim", pseudo("v", size))
    write(tree / "other", "x")
    real_copy = narwrite._copy_large

    def shrink(f: narwrite._File) -> None:
        if f.src.endswith(b"victim"):
            os.truncate(f.src, 10)

    def shrink_then_copy(f: narwrite._File, fix_mode: bool, verb: str) -> None:
        shrink(f)
        real_copy(f, fix_mode, verb)

    _before_fill(monkeypatch, shrink)
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


def test_unreadable_directory_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           impl: str) -> None:
    tree = rich_tree(tmp_path / "tree")
    real = narwrite._list

    def denied(path: bytes) -> list[tuple[bytes, int, int]]:
        if path.endswith(b"/bin"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(narwrite, "_list", denied)
    with pytest.raises(InvalidInput, match=r"bin'?: Permission denied"):
        nar.hash_path(tree)


def test_native_listing_equals_scandir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = rich_tree(tmp_path / "tree")
    for name in (b"\xff-high", b"B", b"a", b"a.b", b"a-b", b"\x01"):
        write(Path(os.fsdecode(os.fsencode(tree) + b"/" + name)), "x")
    os.symlink("/etc", tree / "another-link-to-dir")
    assert narwrite.NATIVE is not None
    for d in [os.fsencode(tree), *(os.fsencode(p) for p in tree.rglob("*")
                                   if p.is_dir() and not p.is_symlink())]:
        native = narwrite._list(d)
        monkeypatch.setattr(narwrite, "NATIVE", None)
        assert native == narwrite._list(d)
        monkeypatch.undo()
        assert [n for n, _, _ in native] == sorted(n for n, _, _ in native)


def test_native_listing_never_follows_a_symlink(tmp_path: Path) -> None:
    native = narwrite.NATIVE
    assert native is not None
    os.symlink(tmp_path, tmp_path / "loop")
    write(tmp_path / "file", "x")
    with pytest.raises(OSError) as e:
        native.entries(os.fsencode(tmp_path / "loop"))
    assert e.value.errno in (errno.ELOOP, errno.ENOTDIR)
    with pytest.raises(NotADirectoryError):
        native.entries(os.fsencode(tmp_path / "file"))
    with pytest.raises(FileNotFoundError) as missing:
        native.entries(os.fsencode(tmp_path / "absent"))
    assert missing.value.filename == os.fsencode(tmp_path / "absent")
    with pytest.raises(ValueError, match="null"):
        native.entries(b"a\0b")
    # The link itself is listed as a link (lstat), not as the directory it names.
    modes = {n: m for n, m, _ in native.entries(os.fsencode(tmp_path))}
    assert stat.S_ISLNK(modes[b"loop"]) and stat.S_ISREG(modes[b"file"])


def test_unwritable_destination_is_a_storage_error(tmp_path: Path, impl: str) -> None:
    tree = rich_tree(tmp_path / "tree")
    with pytest.raises(StorageError, match="cannot write the copy"):
        nar.copy_hashed(tree, tmp_path / "no" / "such" / "dir")


def test_worker_errors_stop_the_walk_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           impl: str) -> None:
    tree = many_files(tmp_path / "tree", 3000, size=100)
    seen: list[bytes] = []

    def fail_first(f: narwrite._File) -> None:
        seen.append(f.src)
        if len(seen) == 1:
            raise InvalidInput("read: planted failure")

    monkeypatch.setattr(narwrite, "_SEGMENT_BYTES", 1000)
    _before_fill(monkeypatch, fail_first)
    with pytest.raises(InvalidInput, match="planted failure"):
        nar.hash_path(tree)
    # The window bounds how far the walk got ahead of the failure.
    assert len(seen) < 3000


# ---- the C filler's own contract (what narwrite relies on) ---------------------------


def _segment(*pieces: bytes | narwrite._File) -> narwrite._Segment:
    return narwrite._Segment(list(pieces), sum(
        len(p) if isinstance(p, bytes) else p.size for p in pieces))


def _fill_both(seg: narwrite._Segment, monkeypatch: pytest.MonkeyPatch,
               fix_mode: bool = False) -> list[BaseException | bytes]:
    """Fill ``seg`` with each filler; what each raised or produced."""
    outcomes: list[BaseException | bytes] = []
    native = narwrite.NATIVE
    assert native is not None
    for filler in (native, None):
        monkeypatch.setattr(narwrite, "NATIVE", filler)
        buf = bytearray(seg.size)
        try:
            narwrite._fill(seg, memoryview(buf), fix_mode, "add")
            outcomes.append(bytes(buf))
        except (InvalidInput, StorageError) as e:
            outcomes.append(e)
    return outcomes


@pytest.mark.parametrize("case", ["missing", "symlink", "shrank", "copy-exists", "dir"])
def test_native_and_python_fillers_fail_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              case: str) -> None:
    src = write(tmp_path / "src", "twelve bytes")
    dst = tmp_path / "dst"
    size = 12
    if case == "missing":
        src = tmp_path / "absent"
    elif case == "symlink":
        os.symlink("src", tmp_path / "link")
        src = tmp_path / "link"
    elif case == "shrank":
        size = 20
    elif case == "copy-exists":
        write(dst, "in the way")
    else:
        src = tmp_path
    f = narwrite._File(os.fsencode(src), os.fsencode(dst), size, False)
    seg = _segment(b"framing!", f, b"more....")
    native, python = _fill_both(seg, monkeypatch)
    assert isinstance(native, BaseException) and isinstance(python, BaseException)
    assert type(native) is type(python) and str(native) == str(python)
    expected = {"missing": "vanished while reading", "symlink": "Too many levels",
                "shrank": "file shrank", "copy-exists": "cannot write the copy: File exists",
                "dir": "Is a directory"}[case]
    assert expected in str(native)


def test_native_and_python_fillers_write_the_same(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    files = [write(tmp_path / f"f{i}", pseudo(str(i), n)) for i, n in enumerate([0, 1, 4097, 9])]
    copies = []
    for tag in ("native", "python"):
        pieces: list[bytes | narwrite._File] = [b"head"]
        for i, f in enumerate(files):
            pieces += [narwrite._File(os.fsencode(f), os.fsencode(tmp_path / f"{tag}{i}"),
                                      f.stat().st_size, i % 2 == 1), b"sep"]
        copies.append(_segment(*pieces))
    native_buf, python_buf = bytearray(copies[0].size), bytearray(copies[1].size)
    assert narwrite.NATIVE is not None
    narwrite._fill(copies[0], memoryview(native_buf), True, "add")
    monkeypatch.setattr(narwrite, "NATIVE", None)
    narwrite._fill(copies[1], memoryview(python_buf), True, "add")
    assert native_buf == python_buf
    assert native_buf.startswith(b"head") and b"sep" in native_buf
    for i, f in enumerate(files):
        a, b = os.lstat(tmp_path / f"native{i}"), os.lstat(tmp_path / f"python{i}")
        assert (a.st_mode, a.st_mtime) == (b.st_mode, b.st_mtime)
        assert stat.S_IMODE(a.st_mode) == (0o555 if i % 2 else 0o444) and a.st_mtime == 1
        assert (tmp_path / f"native{i}").read_bytes() == f.read_bytes()


def test_native_filler_refuses_malformed_requests(tmp_path: Path) -> None:
    native = narwrite.NATIVE
    assert native is not None
    with pytest.raises(TypeError, match="a piece is bytes or"):
        native.fill(["text is not bytes"], bytearray(16), False)
    with pytest.raises(TypeError, match="src and dst are bytes"):
        native.fill([("src", None, 1, False)], bytearray(16), False)
    with pytest.raises(ValueError, match="segment of 17 bytes, buffer of 16"):
        native.fill([b"x" * 17], bytearray(16), False)
    with pytest.raises(TypeError):
        native.fill([b"x"], b"read-only buffer", False)


def test_trees_beyond_the_store_limits_are_refused_in_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep"
    deep_chain(str(deep), 5000)
    with pytest.raises(InvalidInput, match="deeper than 1024 levels") as e:
        nar.hash_path(deep)
    assert "\n" not in str(e.value) and len(str(e.value)) < 400
    remove_tree(str(deep))
    ok = tmp_path / "ok"
    deep_chain(str(ok), 1023)  # ok/d/.../d/leaf: 1,024 components
    assert nar.hash_path(ok)[1] > 0
    remove_tree(str(ok))
    wide = tmp_path / "long"
    long_dir = wide.joinpath(*["n" * 255] * 15)  # a path of 3,839 bytes inside the tree
    long_dir.mkdir(parents=True)
    (long_dir / "x").write_text("at 3,841 bytes")
    with pytest.raises(InvalidInput, match="path of 3841 bytes inside the tree is longer than"):
        nar.hash_path(wide)
    (long_dir / "x").unlink()
    long_dir.rename(long_dir.with_name("n" * 254))  # now 3,838 bytes
    (long_dir.with_name("n" * 254) / "x").write_text("at 3,840 bytes")
    assert nar.hash_path(wide)[1] > 0


def test_an_extension_from_an_older_source_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``_narfill`` built before the C listing existed (a checkout updated without a
    rebuild) would fail on every walk: the Python loop serves instead."""
    import sys
    import types
    old = types.ModuleType("sx.store._narfill")
    old.fill = lambda *a: None  # type: ignore[attr-defined]
    import sx.store
    monkeypatch.setitem(sys.modules, "sx.store._narfill", old)
    monkeypatch.setattr(sx.store, "_narfill", old)
    assert narwrite._load_native() is None
    monkeypatch.undo()
    assert narwrite._load_native() is not None
