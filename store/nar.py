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
import stat
import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO, Protocol

from sx.store.errors import Corrupt, InvalidInput
from sx.store.hashing import Digest, Hasher

MAGIC = b"nix-archive-1"
_PAD = b"\0" * 8
_FLUSH = 1 << 20
_CHUNK = 1 << 20
# Refuse absurd lengths early rather than trying to allocate them.
_MAX_TOKEN = 1 << 16
_MAX_NAME = 255


def _s(data: bytes) -> bytes:
    n = len(data)
    return struct.pack("<Q", n) + data + _PAD[: (-n) % 8]


_OPEN = _s(b"(")
_CLOSE = _s(b")")
_HEADER = _s(MAGIC) + _OPEN + _s(b"type")
_REGULAR = _s(b"regular")
_EXEC = _s(b"executable") + _s(b"")
_CONTENTS = _s(b"contents")
_SYMLINK = _s(b"symlink") + _s(b"target")
_DIRECTORY = _s(b"directory")
_ENTRY = _s(b"entry") + _OPEN + _s(b"name")
_NODE = _s(b"node") + _OPEN + _s(b"type")


class Sink(Protocol):
    """Where archive bytes go. ``update_file`` may stream a file more cleverly."""

    def update(self, data: bytes | memoryview, /) -> None: ...

    def update_file(self, path: str, size: int, /) -> None: ...


class _Buffered:
    """Coalesces the many small framing writes into large updates of the sink."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.buf = bytearray()

    def add(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.sink.update(bytes(self.buf))
            self.buf.clear()

    def file(self, path: bytes, size: int) -> None:
        if size <= 65536:
            with open(path, "rb") as f:
                data = f.read()
            if len(data) != size:
                raise InvalidInput(f"dump {os.fsdecode(path)!r}: file changed while archiving")
            self.add(struct.pack("<Q", size))
            self.add(data)
            self.add(_PAD[: (-size) % 8])
            return
        self.add(struct.pack("<Q", size))
        self.flush()
        self.sink.update_file(os.fsdecode(path), size)
        self.add(_PAD[: (-size) % 8])


def _dump_node(out: _Buffered, path: bytes, st: os.stat_result) -> None:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        out.add(_REGULAR)
        if mode & 0o100:
            out.add(_EXEC)
        out.add(_CONTENTS)
        out.file(path, st.st_size)
    elif stat.S_ISLNK(mode):
        out.add(_SYMLINK)
        out.add(_s(os.readlink(path)))
    elif stat.S_ISDIR(mode):
        out.add(_DIRECTORY)
        with os.scandir(path) as it:
            entries = sorted((e.name, e) for e in it)
        for name, entry in entries:
            out.add(_ENTRY)
            out.add(_s(name))
            out.add(_NODE)
            _dump_node(out, entry.path, entry.stat(follow_symlinks=False))
            out.add(_CLOSE)
    else:
        raise InvalidInput(
            f"dump {os.fsdecode(path)!r}: unsupported file type (only files, dirs, symlinks)"
        )
    out.add(_CLOSE)


def dump(path: str | bytes, sink: Sink) -> None:
    """Stream the archive of the tree at ``path`` into ``sink``."""
    p = os.fsencode(path)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        raise InvalidInput(f"dump {os.fsdecode(p)!r}: no such file or directory") from None
    out = _Buffered(sink)
    out.add(_HEADER)
    _dump_node(out, p, st)
    out.flush()


class _HashSink:
    def __init__(self) -> None:
        self.hasher = Hasher("b3")

    def update(self, data: bytes | memoryview) -> None:
        self.hasher.update(data)

    def update_file(self, path: str, size: int) -> None:
        self.hasher.update_file(path, size)


def hash_path(path: str | bytes) -> tuple[Digest, int]:
    """BLAKE3 of the archive of ``path`` and the archive's size in bytes."""
    sink = _HashSink()
    dump(path, sink)
    return sink.hasher.digest(), sink.hasher.size


class FileSink:
    """A sink that writes the archive to a binary file object."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.size = 0

    def update(self, data: bytes | memoryview) -> None:
        self.f.write(data)
        self.size += len(data)

    def update_file(self, path: str, size: int) -> None:
        with open(path, "rb") as src:
            left = size
            while left:
                chunk = src.read(min(_CHUNK, left))
                if not chunk:
                    raise InvalidInput(f"dump {path!r}: file shrank while archiving")
                self.f.write(chunk)
                left -= len(chunk)
        self.size += size


class ChunkSink:
    """A sink that hands every chunk to a callback (for streaming to sockets, hashers, ...)."""

    def __init__(self, emit: Callable[[bytes], None]) -> None:
        self.emit = emit

    def update(self, data: bytes | memoryview) -> None:
        self.emit(bytes(data))

    def update_file(self, path: str, size: int) -> None:
        with open(path, "rb") as src:
            while chunk := src.read(_CHUNK):
                self.emit(chunk)


def dump_bytes(path: str | bytes) -> bytes:
    """The whole archive of ``path`` in memory (tests and small trees only)."""
    parts: list[bytes] = []
    dump(path, ChunkSink(parts.append))
    return b"".join(parts)


def iter_dump(path: str | bytes) -> Iterator[bytes]:
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
        return int(struct.unpack("<Q", self.exact(8))[0])

    def padding(self, n: int) -> None:
        pad = (-n) % 8
        if pad and self.exact(pad) != _PAD[:pad]:
            raise Corrupt(f"read archive {self.what}: non-zero padding")

    def token(self, limit: int = _MAX_TOKEN) -> bytes:
        n = self.u64()
        if n > limit:
            raise Corrupt(f"read archive {self.what}: string of {n} bytes exceeds {limit}")
        data = self.exact(n)
        self.padding(n)
        return data

    def expect(self, want: bytes) -> None:
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
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o755 if executable else 0o644)
    try:
        left = size
        while left:
            chunk = r.exact(min(left, _CHUNK))
            os.write(fd, chunk)
            left -= len(chunk)
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
        target = r.token(4096)
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
    consumed. Raises :class:`Corrupt` on malformed or truncated input; the
    caller removes the partial ``dest`` (it is always inside a temp dir).
    Reads exactly the archive: trailing data is left in the stream.
    """
    r = Reader(read, what)
    r.expect(MAGIC)
    _restore_node(r, os.fsencode(dest))
    return r.hasher.digest(), r.hasher.size


def restore_bytes(data: bytes, dest: str, what: str = "archive") -> tuple[Digest, int]:
    """Unpack a whole in-memory archive, refusing trailing garbage."""
    view = memoryview(data)
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        chunk = bytes(view[pos : pos + n])
        pos += len(chunk)
        return chunk

    result = restore(read, dest, what)
    if pos != len(data):
        raise Corrupt(f"read archive {what}: {len(data) - pos} bytes of trailing data")
    return result
