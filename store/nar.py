"""The archive format: NAR (Nix ARchive), byte for byte, streamed.

A NAR serialises a file system tree deterministically: entries sorted by
name bytes, only the executable bit of a file kept, no times, owners or other
modes. Every string is a little-endian u64 length, the bytes, and zero
padding to a multiple of 8. See docs/archive.md for the grammar.

:func:`dump` streams a tree into any sink; :func:`hash_path` hashes a tree's
archive (BLAKE3) without materialising it; :func:`restore` unpacks a stream
into a new directory, refusing anything malformed, and hashes what it read.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

from sx.store.errors import Corrupt, InvalidInput, StorageError
from sx.store.fsutil import remove_tree
from sx.store.hashing import Digest, Hasher
from sx.store.narformat import MAGIC, frame
from sx.store.narwrite import PathArg, Sink, copy_dump, dump

__all__ = [
    "MAGIC", "ChunkSink", "FileSink", "PathArg", "Reader", "Sink", "copy_dump", "copy_hashed",
    "dump", "dump_bytes", "frame", "hash_path", "iter_dump", "restore", "restore_bytes",
]

_PAD = b"\0" * 8
_CHUNK = 1 << 20
# Refuse absurd lengths early rather than trying to allocate them.
_MAX_TOKEN = 1 << 16
_MAX_NAME = 255
_MAX_TARGET = 4095


class _HashSink:
    """Hashes the archive; whole large files are memory-mapped and hashed on threads."""

    def __init__(self, algo: str = "b3") -> None:
        self.hasher = Hasher(algo)

    def update(self, data: bytes | memoryview) -> None:
        """Hash more archive bytes."""
        self.hasher.update(data)

    def update_file(self, path: str, size: int) -> None:
        """Hash a whole file's contents."""
        self.hasher.update_file(path, size)


def hash_path(path: PathArg, algo: str = "b3") -> tuple[Digest, int]:
    """The hash (BLAKE3 unless ``algo`` says otherwise) and size of the archive of ``path``."""
    sink = _HashSink(algo)
    dump(path, sink, "hash")
    return sink.hasher.digest(), sink.hasher.size


def copy_hashed(src: PathArg, dst: PathArg, verb: str = "add") -> tuple[Digest, int]:
    """Copy ``src`` canonically to the new path ``dst``; the archive hash and size of the copy."""
    sink = _HashSink()
    copy_dump(src, dst, sink, verb)
    return sink.hasher.digest(), sink.hasher.size


class FileSink:
    """A sink that writes the archive to a binary file object."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.size = 0

    def update(self, data: bytes | memoryview) -> None:
        """Write more archive bytes."""
        self.f.write(data)
        self.size += len(data)

    def update_file(self, path: str, size: int) -> None:
        """Copy a whole file's contents into the output."""
        _stream_file(path, size, self.f.write)
        self.size += size


class ChunkSink:
    """A sink that hands every chunk to a callback (for streaming to sockets, hashers, ...)."""

    def __init__(self, emit: Callable[[bytes], None]) -> None:
        self.emit = emit

    def update(self, data: bytes | memoryview) -> None:
        """Emit a copy of more archive bytes."""
        self.emit(bytes(data))

    def update_file(self, path: str, size: int) -> None:
        """Emit a whole file's contents in chunks."""
        _stream_file(path, size, self.emit)


def _stream_file(path: str, size: int, emit: Callable[[bytes], object]) -> None:
    """Feed exactly ``size`` bytes of ``path`` to ``emit`` in chunks."""
    with open(path, "rb") as src:
        left = size
        while left:
            chunk = src.read(min(_CHUNK, left))
            if not chunk:
                raise InvalidInput(f"dump {path!r}: file shrank while archiving")
            emit(chunk)
            left -= len(chunk)


def dump_bytes(path: PathArg) -> bytes:
    """The whole archive of ``path`` in memory (tests and small trees only)."""
    parts: list[bytes] = []
    dump(path, ChunkSink(parts.append))
    return b"".join(parts)


def iter_dump(path: PathArg) -> Iterator[bytes]:
    """The archive as a list of chunks (small trees; use :func:`dump` for streaming)."""
    parts: list[bytes] = []
    dump(path, ChunkSink(parts.append))
    return iter(parts)


class Reader:
    """Reads archive tokens from a stream, hashing and counting every byte consumed."""

    def __init__(self, read: Callable[[int], bytes], what: str) -> None:
        self._read = read
        self.what = what
        self.hasher = Hasher("b3")

    def exact(self, n: int) -> bytes:
        """Exactly ``n`` bytes; :class:`Corrupt` if the stream ends first."""
        parts = []
        left = n
        while left:
            chunk = self._read(min(left, _CHUNK))
            if not chunk:
                raise Corrupt(f"read archive {self.what}: truncated (unexpected end of data)")
            parts.append(chunk)
            left -= len(chunk)
        data = b"".join(parts) if len(parts) != 1 else parts[0]
        self.hasher.update(data)
        return data

    def u64(self) -> int:
        """A little-endian 64-bit length."""
        return int(struct.unpack("<Q", self.exact(8))[0])

    def padding(self, n: int) -> None:
        """The zero padding after ``n`` bytes of string."""
        pad = (-n) % 8
        if pad and self.exact(pad) != _PAD[:pad]:
            raise Corrupt(f"read archive {self.what}: non-zero padding")

    def token(self, limit: int = _MAX_TOKEN) -> bytes:
        """One string of at most ``limit`` bytes."""
        n = self.u64()
        if n > limit:
            raise Corrupt(f"read archive {self.what}: string of {n} bytes exceeds {limit}")
        data = self.exact(n)
        self.padding(n)
        return data

    def expect(self, want: bytes) -> None:
        """One string that must equal ``want``."""
        got = self.token()
        if got != want:
            raise Corrupt(f"read archive {self.what}: expected {want!r}, got {got[:40]!r}")


def _check_name(r: Reader, name: bytes, prev: bytes | None) -> None:
    if (
        not name
        or name in (b".", b"..")
        or b"/" in name
        or b"\0" in name
        or len(name) > _MAX_NAME
    ):
        raise Corrupt(f"read archive {r.what}: invalid entry name {name!r}")
    if prev is not None and name <= prev:
        raise Corrupt(f"read archive {r.what}: entries not sorted or duplicated at {name!r}")


def _restore_file(r: Reader, dest: bytes) -> None:
    tag = r.token()
    executable = False
    if tag == b"executable":
        r.expect(b"")
        executable = True
        tag = r.token()
    if tag != b"contents":
        raise Corrupt(f"read archive {r.what}: expected 'contents', got {tag[:40]!r}")
    size = r.u64()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                 0o755 if executable else 0o644)
    try:
        left = size
        while left:
            view = memoryview(r.exact(min(left, _CHUNK)))
            left -= len(view)
            while view:
                view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    r.padding(size)
    r.expect(b")")


def _restore_node(r: Reader, dest: bytes) -> None:
    r.expect(b"(")
    r.expect(b"type")
    kind = r.token()
    if kind == b"regular":
        _restore_file(r, dest)
    elif kind == b"symlink":
        r.expect(b"target")
        target = r.token(_MAX_TARGET)
        if not target or b"\0" in target:
            raise Corrupt(f"read archive {r.what}: invalid symlink target {target!r}")
        os.symlink(target, dest)
        r.expect(b")")
    elif kind == b"directory":
        os.mkdir(dest, 0o755)
        prev: bytes | None = None
        while True:
            tag = r.token()
            if tag == b")":
                break
            if tag != b"entry":
                raise Corrupt(f"read archive {r.what}: expected 'entry' or ')', got {tag[:40]!r}")
            r.expect(b"(")
            r.expect(b"name")
            name = r.token()
            _check_name(r, name, prev)
            prev = name
            r.expect(b"node")
            _restore_node(r, os.path.join(dest, name))
            r.expect(b")")
    else:
        raise Corrupt(f"read archive {r.what}: unknown node type {kind[:40]!r}")


def restore(read: Callable[[int], bytes], dest: str, what: str = "stream") -> tuple[Digest, int]:
    """Unpack an archive read through ``read(n)`` into the new path ``dest``.

    ``dest`` must not exist. Returns the BLAKE3 hash and size of the bytes
    consumed. Raises :class:`Corrupt` on malformed or truncated input, after
    removing whatever it had unpacked: nothing is left behind. Reads exactly
    the archive: trailing data is left in the stream.
    """
    if os.path.lexists(dest):
        raise InvalidInput(f"restore archive {what}: destination {dest!r} already exists")
    r = Reader(read, what)
    try:
        if r.u64() != len(MAGIC) or r.exact(16) != MAGIC + _PAD[:3]:
            raise Corrupt(f"read archive {what}: not a NAR archive (bad magic)")
        _restore_node(r, os.fsencode(dest))
    except OSError as e:
        remove_tree(dest)
        raise StorageError(f"restore archive {what} into {dest!r}: {e.strerror}") from e
    except BaseException:
        remove_tree(dest)
        raise
    return r.hasher.digest(), r.hasher.size


def restore_bytes(data: bytes, dest: str, what: str = "archive") -> tuple[Digest, int]:
    """Unpack a whole in-memory archive, refusing trailing garbage."""
    view = memoryview(data)
    pos = 0

    def read(n: int) -> bytes:
        """The next at most ``n`` bytes of ``data``."""
        nonlocal pos
        chunk = bytes(view[pos : pos + n])
        pos += len(chunk)
        return chunk

    result = restore(read, dest, what)
    if pos != len(data):
        remove_tree(dest)
        raise Corrupt(f"read archive {what}: {len(data) - pos} bytes of trailing data")
    return result
