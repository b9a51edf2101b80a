"""Restoring archives: strict about every malformation, and nothing left behind."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from deep_trees import chain_depth
from store_helpers import shape, write
from sx.store import nar
from sx.store.errors import Corrupt
from sx.store.fsutil import remove_tree
from sx.store.hashing import Digest


def _hash_and_size(m: nar.Measured) -> tuple[Digest, int]:
    return m.nar_hash, m.nar_size


def tokens(*parts: bytes) -> bytes:
    """An archive written token by token (file contents are tokens too)."""
    return b"".join(nar.frame(p) for p in parts)


def file_node(data: bytes, executable: bool = False) -> list[bytes]:
    tags = [b"executable", b""] if executable else []
    return [b"(", b"type", b"regular", *tags, b"contents", data, b")"]


def entry(name: bytes, node: list[bytes]) -> list[bytes]:
    return [b"entry", b"(", b"name", name, b"node", *node, b")"]


def directory(*entries: list[bytes]) -> list[bytes]:
    return [b"(", b"type", b"directory", *(t for e in entries for t in e), b")"]


def archive(node: list[bytes]) -> bytes:
    return tokens(b"nix-archive-1", *node)


VALID = archive(directory(
    entry(b"a", file_node(b"hello")),
    entry(b"b", file_node(b"#!", executable=True)),
    entry(b"c", [b"(", b"type", b"symlink", b"target", b"a", b")"]),
    entry(b"d", directory()),
))


def refused(data: bytes, tmp_path: Path, match: str) -> None:
    """``data`` must be refused with ``match`` in the message, leaving nothing behind."""
    dest = tmp_path / "out"
    with pytest.raises(Corrupt, match=match) as e:
        nar.restore_bytes(data, str(dest), "test.nar")
    assert "read archive test.nar: " in str(e.value) and "\n" not in str(e.value)
    assert not os.path.lexists(dest)
    assert os.listdir(tmp_path) == []


def test_valid_archive_restores(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    assert _hash_and_size(nar.restore_bytes(VALID, str(dest))) == (Digest.b3(VALID), len(VALID))
    assert shape(dest)["a"][0] == "f" and shape(dest)["b"][1] is True
    assert shape(dest)["c"] == ("l", "a") and shape(dest)["d"] == ("d",)


def test_every_truncation_is_refused(tmp_path: Path) -> None:
    for cut in range(len(VALID)):
        refused(VALID[:cut], tmp_path, "truncated|bad magic")


def test_truncated_large_file_is_refused(tmp_path: Path) -> None:
    data = archive(file_node(b"x" * 3_000_000))
    refused(data[:2_000_000], tmp_path, "truncated")


@pytest.mark.parametrize("data", [
    b"",
    b"not an archive at all, just text",
    tokens(b"nix-archive-2", b"(", b"type", b"regular", b"contents", b"", b")"),
    tokens(b"nix-archive-1x"),
    (2**40).to_bytes(8, "little") + b"nix-archive-1\0\0\0",
])
def test_bad_magic_is_refused(tmp_path: Path, data: bytes) -> None:
    refused(data, tmp_path, "bad magic" if data else "truncated|bad magic")


@pytest.mark.parametrize(("names", "why"), [
    ([b"b", b"a"], "entries not sorted or duplicated at b'a'"),
    ([b"a", b"a"], "entries not sorted or duplicated at b'a'"),
    ([b"B", b"A"], "not sorted"),
])
def test_unsorted_or_duplicate_entries_are_refused(tmp_path: Path, names: list[bytes],
                                                   why: str) -> None:
    data = archive(directory(*(entry(n, file_node(b"x")) for n in names)))
    refused(data, tmp_path, why)


@pytest.mark.parametrize("name", [b"", b".", b"..", b"a/b", b"/", b"/etc", b"a\0b", b"x" * 256])
def test_dangerous_entry_names_are_refused(tmp_path: Path, name: bytes) -> None:
    refused(archive(directory(entry(name, file_node(b"x")))), tmp_path, "invalid entry name")


def _pad_corrupted(data: bytes, token: bytes) -> bytes:
    # Put a non-zero byte in the padding right after the first occurrence of ``token``.
    at = data.index(nar.frame(token)) + 8 + len(token)
    assert len(token) % 8, "token must be padded"
    return data[:at] + b"\1" + data[at + 1:]


@pytest.mark.parametrize("token", [b"hello", b"entry", b"type", b"a"])
def test_non_zero_padding_is_refused(tmp_path: Path, token: bytes) -> None:
    refused(_pad_corrupted(VALID, token), tmp_path, "non-zero padding")


@pytest.mark.parametrize(("node", "why"), [
    ([b"(", b"type", b"fifo", b")"], "unknown node type b'fifo'"),
    ([b"(", b"type", b"symlink", b"target", b"", b")"], "invalid symlink target"),
    ([b"(", b"type", b"symlink", b"target", b"a\0b", b")"], "invalid symlink target"),
    ([b"(", b"type", b"symlink", b"dest", b"a", b")"], "expected b'target'"),
    ([b"(", b"type", b"regular", b"executable", b"yes", b"contents", b"", b")"],
     "expected b'', got b'yes'"),
    ([b"(", b"type", b"regular", b"data", b"", b")"], "expected 'contents'"),
    ([b"(", b"type", b"regular", b"contents", b"", b"extra", b")"], "expected b'\\)'"),
    ([b"(", b"kind", b"regular"], "expected b'type'"),
    ([b"[", b"type", b"regular"], "expected b'\\('"),
])
def test_malformed_nodes_are_refused(tmp_path: Path, node: list[bytes], why: str) -> None:
    refused(archive(node), tmp_path, why)
    refused(archive(directory(entry(b"x", node))), tmp_path, why)


def test_malformed_directory_is_refused(tmp_path: Path) -> None:
    bad = [b"(", b"type", b"directory", b"thing", b")"]
    refused(archive(bad), tmp_path, "expected 'entry' or '\\)'")


def test_absurd_lengths_are_refused_before_allocating(tmp_path: Path) -> None:
    data = tokens(b"nix-archive-1", b"(", b"type") + (2**62).to_bytes(8, "little")
    refused(data, tmp_path, "exceeds")


def test_trailing_data_is_refused(tmp_path: Path) -> None:
    refused(VALID + b"\0" * 8, tmp_path, "data after the end of the archive")


def test_a_declared_size_is_read_exactly(tmp_path: Path) -> None:
    stream = io.BytesIO(VALID + b"NEXT")
    got = nar.restore(stream.read, str(tmp_path / "out"), size=len(VALID))
    assert _hash_and_size(got) == (Digest.b3(VALID), len(VALID))
    assert stream.read() == b"NEXT"


@pytest.mark.parametrize(("declared", "why"), [
    (len(VALID) - 1, "longer than its declared size"),
    (len(VALID) + 8, f"the archive ends after {len(VALID)} bytes, {len(VALID) + 8} were declared"),
])
def test_a_wrong_declared_size_is_refused(tmp_path: Path, declared: int, why: str) -> None:
    stream = io.BytesIO(VALID + b"NEXT" * 10)
    with pytest.raises(Corrupt, match=why):
        nar.restore(stream.read, str(tmp_path / "out"), size=declared)
    assert stream.tell() <= declared and os.listdir(tmp_path) == []


def test_a_file_larger_than_the_declared_size_is_refused_before_writing(tmp_path: Path) -> None:
    big = archive(file_node(b"\xaa" * 100_000))
    header = big[:big.index(b"\xaa")]  # everything up to the contents, size included
    reads: list[int] = []

    def read(n: int) -> bytes:
        reads.append(n)
        return header if len(reads) == 1 else b"\xaa" * n

    with pytest.raises(Corrupt, match="a file of 100000 bytes does not fit the declared size"):
        nar.restore(read, str(tmp_path / "out"), size=len(header) + 100)
    assert not os.path.lexists(tmp_path / "out")


def test_references_are_found_while_writing(tmp_path: Path) -> None:
    ref, other, only_in_name = "0" * 32, "1" * 32, "2" * 32
    data = archive(directory(
        entry(only_in_name.encode(), file_node(b"")),
        entry(b"f", file_node(f"x{ref}y".encode())),
        entry(b"l", [b"(", b"type", b"symlink", b"target", f"/sx/store/{other}-x".encode(),
                     b")"]),
    ))
    got = nar.restore_bytes(data, str(tmp_path / "a"))
    assert got.found == frozenset() and got.scanned == frozenset()
    stream = io.BytesIO(data)
    got = nar.restore(stream.read, str(tmp_path / "b"), scan=[ref, other, only_in_name, "3" * 32])
    assert got.found == {ref, other}


@pytest.mark.parametrize("make", [
    lambda p: p.write_bytes(b"a single file"),
    lambda p: os.symlink("somewhere", p),
    lambda p: p.mkdir(),
])
def test_roots_of_every_kind(tmp_path: Path, make: Callable[[Path], None]) -> None:
    make(tmp_path / "src")
    data = nar.dump_bytes(str(tmp_path / "src"))
    assert nar.restore_bytes(data, str(tmp_path / "out")).nar_size == len(data)
    assert nar.dump_bytes(str(tmp_path / "out")) == data


def test_edge_cases_round_trip_in_any_read_size(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "emptydir" / "deeper").mkdir(parents=True)
    write(src / "empty", b"")
    write(src / "exec-empty", b"", executable=True)
    for n in range(17):
        write(src / f"size{n:02d}", b"x" * n)
    write(src / ("n" * 255), b"long name")
    os.symlink("t" * 4095, src / "long-target")
    write(src / "big", os.urandom((5 << 20) + 3))
    whole = nar.dump_bytes(str(src))
    small = nar.dump_bytes(str(src / "emptydir"))  # one byte at a time: keep it short
    for i, (data, most) in enumerate([(whole, None), (whole, 4096), (whole, 7), (small, 1)]):
        stream = io.BytesIO(data)

        def read(n: int, stream: io.BytesIO = stream, most: int | None = most) -> bytes:
            return stream.read(n if most is None else min(n, most))

        out = tmp_path / f"out{i}"
        assert _hash_and_size(nar.restore(read, str(out))) == (Digest.b3(data), len(data))
        assert nar.dump_bytes(str(out)) == data


def test_a_symlink_target_over_4095_bytes_is_refused(tmp_path: Path) -> None:
    node = [b"(", b"type", b"symlink", b"target", b"t" * 4096, b")"]
    refused(archive(directory(entry(b"l", node))), tmp_path, "exceeds 4095")


def test_deep_archives_parse_without_recursion(tmp_path: Path) -> None:
    def nested(depth: int) -> bytes:
        node: list[bytes] = file_node(b"bottom")
        for _ in range(depth):
            node = directory(entry(b"d", node))
        return archive(node)

    data = nested(1000)
    assert nar.restore_bytes(data, str(tmp_path / "ok")).nar_size == len(data)
    assert chain_depth(str(tmp_path / "ok")) == 999
    remove_tree(str(tmp_path / "ok"))
    refused(nested(1026), tmp_path, "deeper than 1024 levels")
    refused(nested(5000), tmp_path, "deeper than 1024 levels")
