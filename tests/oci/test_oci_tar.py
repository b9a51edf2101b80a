"""The deterministic tar writer: stdlib-compatible headers, PAX when needed, same bytes always."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from sx.store.errors import InvalidInput
from sx.store.oci.tarstream import DIR, REG, SYM, TarWriter, add_tree, header


@pytest.mark.parametrize("name,kind,mode,size,link", [
    (b"sx/store/abc-x/bin/tool", REG, 0o555, 1234, b""),
    (b"sx/", DIR, 0o755, 0, b""),
    (b"bin", SYM, 0o777, 0, b"/sx/store/abc-x/bin"),
])
def test_plain_header_equals_stdlib_pax_header(name: bytes, kind: bytes, mode: int, size: int,
                                               link: bytes) -> None:
    info = tarfile.TarInfo(name.decode())
    info.type, info.mode, info.size, info.linkname = kind, mode, size, link.decode()
    info.mtime, info.uname, info.gname = 1, "", ""
    assert header(name, kind, mode, size, link) == info.tobuf(tarfile.PAX_FORMAT, "utf-8",
                                                              "surrogateescape")


def _roundtrip(build: object) -> list[tarfile.TarInfo]:
    buf = io.BytesIO()
    tar = TarWriter(buf, 7)
    build(tar)  # type: ignore[operator]
    tar.close()
    assert len(buf.getvalue()) % 512 == 0
    buf.seek(0)
    with tarfile.open(fileobj=buf) as t:
        return t.getmembers()


def test_long_and_odd_names_use_pax_records(tmp_path: Path) -> None:
    data = tmp_path / "f"
    data.write_bytes(b"abc")
    long_dir = b"d" * 150
    odd = long_dir + b"/\xff-not-utf8"
    members = _roundtrip(lambda t: (
        t.directory(long_dir, 0o555),
        t.symlink(odd, b"t" * 300),
        t.file("caf\u00e9".encode(), str(data), 3, 0o444),
    ))
    assert [m.name for m in members] == [long_dir.decode(), os.fsdecode(odd), "caf\u00e9"]
    assert members[1].linkname == "t" * 300
    assert all(m.mtime == 7 and m.uid == 0 and m.gid == 0 and m.uname == "" for m in members)
    assert [m.mode for m in members] == [0o555, 0o777, 0o444]


def test_header_for_huge_size_uses_pax_size() -> None:
    raw = header(b"big", REG, 0o444, 9 * 2**30)
    assert b" size=%d\n" % (9 * 2**30) in raw
    with tarfile.open(fileobj=io.BytesIO(raw + bytes(1024)), mode="r|") as t:
        assert next(iter(t)).size == 9 * 2**30


def _make_tree(root: Path, reverse: bool) -> None:
    names = ["b", "a", "c.txt", "a-b"]
    root.mkdir()
    for n in sorted(names, reverse=reverse):
        (root / n).mkdir() if n in ("a", "b") else (root / n).write_text(n)
    (root / "a" / "x").write_text("x")
    (root / "a" / "x").chmod(0o700)
    (root / "l").symlink_to("a/x")


def _tree_tar(root: Path) -> bytes:
    buf = io.BytesIO()
    tar = TarWriter(buf, 1)
    add_tree(tar, os.fsencode(root), b"t")
    tar.close()
    return buf.getvalue()


def test_tree_bytes_ignore_creation_order_times_and_modes(tmp_path: Path) -> None:
    _make_tree(tmp_path / "one", reverse=False)
    old = os.umask(0o077)
    try:
        _make_tree(tmp_path / "two", reverse=True)
    finally:
        os.umask(old)
    os.utime(tmp_path / "two" / "c.txt", (time.time() - 9999, time.time() - 9999))
    assert _tree_tar(tmp_path / "one") == _tree_tar(tmp_path / "two")
    with tarfile.open(fileobj=io.BytesIO(_tree_tar(tmp_path / "one"))) as t:
        # Depth first, children in byte order: "a" and its contents come before "a-b".
        assert t.getnames() == ["t", "t/a", "t/a/x", "t/a-b", "t/b", "t/c.txt", "t/l"]
        modes = {m.name: m.mode for m in t.getmembers()}
    assert modes["t/a/x"] == 0o555 and modes["t/c.txt"] == 0o444 and modes["t/a"] == 0o555


def test_tree_golden_digest(tmp_path: Path) -> None:
    """The format is pinned: this tree's layer bytes must never change."""
    _make_tree(tmp_path / "g", reverse=False)
    digest = hashlib.sha256(_tree_tar(tmp_path / "g")).hexdigest()
    assert digest == GOLDEN_TREE_SHA256


GOLDEN_TREE_SHA256 = "bc4d9ea0b7b15c7692de5388ba506096a20222da1a4d705442bd8d2295c53a88"


def test_tree_bytes_match_gnu_tar_listing(tmp_path: Path) -> None:
    _make_tree(tmp_path / "g", reverse=False)
    (tmp_path / "g.tar").write_bytes(_tree_tar(tmp_path / "g"))
    listing = subprocess.run(["tar", "-tvf", str(tmp_path / "g.tar"), "--numeric-owner"],
                             check=True, capture_output=True, text=True).stdout.splitlines()
    assert listing[0].split()[:2] == ["dr-xr-xr-x", "0/0"]
    assert all("1970-01-01" in line for line in listing)


def test_unsupported_file_type_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    tar = TarWriter(io.BytesIO(), 1)
    with pytest.raises(InvalidInput, match="unsupported file type"):
        add_tree(tar, os.fsencode(tmp_path / "fifo"), b"x")

