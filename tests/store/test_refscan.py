"""Finding (and rewriting) references to store paths in files and symlink targets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from store_helpers import MIB, write
from sx.store.hashing import Digest
from sx.store.path import StorePath, make_path
from sx.store.refscan import (
    RefScanner,
    references_in_tree,
    rewrite_tree,
    scan_bytes,
    scan_tree,
)

A = make_path("source", Digest.b3(b"a"), "a")
B = make_path("source", Digest.b3(b"b"), "b")
C = make_path("source", Digest.b3(b"c"), "c")
DIGESTS = [A.digest, B.digest, C.digest]


def test_finds_digests_with_or_without_the_store_dir() -> None:
    data = f"prefix {A}/bin/sh and {B.digest} but not c".encode()
    assert scan_bytes(data, DIGESTS) == {A.digest, B.digest}


def test_digest_inside_a_longer_base32_run() -> None:
    # Embedded in other base32 characters (e.g. in a packed table), still a reference.
    assert scan_bytes(b"0000" + A.digest.encode() + b"zzzz", DIGESTS) == {A.digest}
    assert scan_bytes(b"e" + A.digest[:-1].encode() + b"e", DIGESTS) == set()


def test_no_candidates_means_no_work() -> None:
    assert scan_bytes(str(A).encode(), []) == set()


@pytest.mark.parametrize("split", range(0, 33))
def test_digest_split_between_two_pieces(split: int) -> None:
    data = b"xx /sx/store/" + A.digest.encode() + b"-a yy"
    cut = len(b"xx /sx/store/") + split
    s = RefScanner(DIGESTS)
    s.feed(data[:cut])
    s.feed(data[cut:])
    assert s.found == {A.digest}


def test_reset_forgets_the_overlap_between_files() -> None:
    s = RefScanner(DIGESTS)
    s.feed(A.digest[:16].encode())
    s.reset()
    s.feed(A.digest[16:].encode())
    assert s.found == set()


@pytest.mark.parametrize("offset", [-31, -16, -1, 0])
def test_digest_across_the_1_mib_read_boundary(tmp_path: Path, offset: int) -> None:
    start = MIB + offset
    data = bytearray(b"\n" * (2 * MIB))
    data[start:start + 32] = B.digest.encode()
    write(tmp_path / "t" / "big", bytes(data))
    assert scan_tree(str(tmp_path / "t"), DIGESTS) == {B.digest}


def test_symlink_targets_are_scanned(tmp_path: Path) -> None:
    root = tmp_path / "t"
    write(root / "plain", "nothing here")
    os.symlink(f"{C}/lib/libc.so", root / "libc")
    os.makedirs(root / "sub")
    os.symlink(str(A), root / "sub" / "dirlink")
    assert references_in_tree(str(root), [A, B, C]) == {A, C}


def test_the_root_itself_may_be_a_file_or_a_link(tmp_path: Path) -> None:
    f = write(tmp_path / "f", f"uses {B}")
    os.symlink(str(A), tmp_path / "l")
    assert scan_tree(str(f), DIGESTS) == {B.digest}
    assert scan_tree(str(tmp_path / "l"), DIGESTS) == {A.digest}


def test_rewrite_replaces_in_files_and_links_and_keeps_modes(tmp_path: Path) -> None:
    root = tmp_path / "t"
    write(root / "bin" / "tool", f"#!{A}/bin/sh\nexec {A}/bin/x\n", executable=True)
    write(root / "data", f"no refs to {B.digest[:10]}")
    os.symlink(f"{A}/lib", root / "link")
    os.chmod(root / "bin" / "tool", 0o555)
    assert rewrite_tree(str(root), A.digest, C.digest) == 2
    moved = StorePath(C.digest, A.name)  # only the digest changes, never the length
    assert (root / "bin" / "tool").read_text() == f"#!{moved}/bin/sh\nexec {moved}/bin/x\n"
    assert os.readlink(root / "link") == f"{moved}/lib"
    assert stat.S_IMODE(os.lstat(root / "bin" / "tool").st_mode) == 0o555
    assert scan_tree(str(root), DIGESTS) == {C.digest}


def test_store_path_is_found_by_digest_only() -> None:
    other_name = StorePath(A.digest, "renamed")
    assert scan_bytes(str(other_name).encode(), DIGESTS) == {A.digest}
