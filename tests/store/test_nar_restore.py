"""Restoring archives: strict about every malformation, and nothing left behind."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from store_helpers import shape, write
from sx.store import nar
from sx.store.errors import Corrupt, InvalidInput
from sx.store.hashing import Digest


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
    assert nar.restore_bytes(VALID, str(dest)) == (Digest.b3(VALID), len(VALID))
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
    refused(VALID + b"\0" * 8, tmp_path, "8 bytes of trailing data")


def test_stream_restore_reads_exactly_the_archive(tmp_path: Path) -> None:
    stream = io.BytesIO(VALID + b"NEXT")
    nar.restore(stream.read, str(tmp_path / "out"))
    assert stream.read() == b"NEXT"


def test_existing_destination_is_refused_and_kept(tmp_path: Path) -> None:
    dest = write(tmp_path / "out", "mine")
    with pytest.raises(InvalidInput, match="already exists"):
        nar.restore_bytes(VALID, str(dest))
    assert dest.read_text() == "mine"
