"""Unpacking a downloaded archive quickly: block reads, one hash per block, framing matched whole.

The store's :func:`sx.store.nar.restore` reads the archive token by token,
which costs several Python calls per token; archives of many small files
spend most of their time there. Downloads know that the archive is the
whole stream, so this reader takes large blocks, hashes each block once,
and parses from memory, matching runs of fixed framing (``)``, ``entry``,
``(``, ``name`` ...) with one comparison. It is exactly as strict as
``nar.restore`` (a differential test keeps them in step) and additionally
refuses data after the archive.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from sx.store.errors import Corrupt
from sx.store.fsutil import CANONICAL_MTIME
from sx.store.hashing import Digest, Hasher

_BLOCK = 4 << 20
_U64 = struct.Struct("<Q")
_PAD = b"\0" * 8
_MAX_TOKEN = 1 << 16
_MAX_NAME = 255
_MAX_TARGET = 4096
_write = os.write  # one name to look up per call (and to fail on purpose in tests)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def _s(data: bytes) -> bytes:
    return _U64.pack(len(data)) + data + _PAD[: (-len(data)) % 8]


_HEADER = _s(b"nix-archive-1") + _s(b"(") + _s(b"type")
_NODE = _s(b"node") + _s(b"(") + _s(b"type")
_ENTRY = _s(b"entry") + _s(b"(") + _s(b"name")
_CLOSE = _s(b")")
_REGULAR, _SYMLINK, _DIRECTORY = _s(b"regular"), _s(b"symlink"), _s(b"directory")
_EXEC = _s(b"executable") + _s(b"")
_CONTENTS = _s(b"contents")
_TARGET = _s(b"target")


class _Input:
    """The archive bytes in memory, block by block, hashed as they arrive."""

    def __init__(self, read: Callable[[int], bytes], what: str) -> None:
        self._read = read
        self.what = what
        self.buf = b""
        self.pos = 0
        self.hasher = Hasher("b3")

    def fail(self, cause: str) -> Corrupt:
        return Corrupt(f"read archive {self.what}: {cause}")

    def more(self, n: int) -> bytes:
        chunk = self._read(n)
        if chunk:
            self.hasher.update(chunk)
        return chunk

    def fill(self, n: int) -> bool:
        """Try to make ``n`` bytes available at ``pos``; False when the stream ends first."""
        have = len(self.buf) - self.pos
        if have >= n:
            return True
        parts = [self.buf[self.pos:]]
        while have < n:
            chunk = self.more(max(_BLOCK, n - have))
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        self.buf = b"".join(parts)
        self.pos = 0
        return have >= n

    def need(self, n: int) -> None:
        """Make ``n`` bytes available at ``pos``, or fail: the archive is truncated."""
        if not self.fill(n):
            raise self.fail("truncated (unexpected end of data)")

    def match(self, framed: bytes) -> bool:
        """Consume ``framed`` if it comes next."""
        if len(self.buf) - self.pos < len(framed) and not self.fill(len(framed)):
            return False
        end = self.pos + len(framed)
        if self.buf[self.pos:end] == framed:
            self.pos = end
            return True
        return False

    def u64(self) -> int:
        if len(self.buf) - self.pos < 8:
            self.need(8)
        (n,) = _U64.unpack_from(self.buf, self.pos)
        self.pos += 8
        return int(n)

    def token(self, limit: int = _MAX_TOKEN) -> bytes:
        n = self.u64()
        if n > limit:
            raise self.fail(f"string of {n} bytes exceeds {limit}")
        total = n + (-n) % 8
        if len(self.buf) - self.pos < total:
            self.need(total)
        start = self.pos
        self.pos += total
        if total != n and self.buf[start + n:self.pos] != _PAD[: total - n]:
            raise self.fail("non-zero padding")
        return self.buf[start:start + n]

    def expect(self, framed: bytes, want: bytes) -> None:
        """Consume the framed token ``want``, or fail naming what came instead."""
        if not self.match(framed):
            got = self.token()
            raise self.fail(f"expected {want!r}, got {got[:40]!r}")

    def at_end(self) -> bool:
        return self.pos == len(self.buf) and not self.more(1)


def _write_contents(src: _Input, fd: int, size: int) -> None:
    left = size
    while left:
        if src.pos == len(src.buf):
            chunk = src.more(_BLOCK)
            if not chunk:
                raise src.fail("truncated (unexpected end of data)")
            src.buf, src.pos = chunk, 0
        end = min(len(src.buf), src.pos + left)
        view = memoryview(src.buf)[src.pos:end]
        while view:
            view = view[_write(fd, view):]
        left -= end - src.pos
        src.pos = end


def _file(src: _Input, dest: bytes) -> None:
    executable = src.match(_EXEC)
    if not src.match(_CONTENTS):
        got = src.token()
        if got == b"executable":
            raise src.fail(f"expected {b''!r}, got {src.token()[:40]!r}")
        raise src.fail(f"expected 'contents', got {got[:40]!r}")
    size = src.u64()
    # Created with its final mode and time, so canonicalizing the tree later
    # only has to look at it (the descriptor stays writable).
    fd = os.open(dest, _CREATE, 0o555 if executable else 0o444)
    try:
        _write_contents(src, fd, size)
        os.utime(fd, (CANONICAL_MTIME, CANONICAL_MTIME))
    finally:
        os.close(fd)
    pad = (-size) % 8
    if pad:
        src.need(pad)
        if src.buf[src.pos:src.pos + pad] != _PAD[:pad]:
            raise src.fail("non-zero padding")
        src.pos += pad
    src.expect(_CLOSE, b")")


def _check_name(src: _Input, name: bytes, prev: bytes | None) -> None:
    if not name or name in (b".", b"..") or b"/" in name or b"\0" in name \
            or len(name) > _MAX_NAME:
        raise src.fail(f"invalid entry name {name!r}")
    if prev is not None and name <= prev:
        raise src.fail(f"entries not sorted or duplicated at {name!r}")


def _directory(src: _Input, dest: bytes) -> None:
    os.mkdir(dest, 0o755)
    prev: bytes | None = None
    while not src.match(_CLOSE):
        if not src.match(_ENTRY):
            tag = src.token()
            if tag != b"entry":
                raise src.fail(f"expected 'entry' or ')', got {tag[:40]!r}")
            src.expect(_s(b"("), b"(")
            src.expect(_s(b"name"), b"name")
        name = src.token()
        _check_name(src, name, prev)
        prev = name
        if not src.match(_NODE):
            src.expect(_s(b"node"), b"node")
            src.expect(_s(b"("), b"(")
            src.expect(_s(b"type"), b"type")
        _node(src, os.path.join(dest, name))
        src.expect(_CLOSE, b")")


def _node(src: _Input, dest: bytes) -> None:
    """A node whose ``( type`` has been read."""
    if src.match(_REGULAR):
        _file(src, dest)
    elif src.match(_DIRECTORY):
        _directory(src, dest)
    elif src.match(_SYMLINK):
        src.expect(_TARGET, b"target")
        target = src.token(_MAX_TARGET)
        if not target or b"\0" in target:
            raise src.fail(f"invalid symlink target {target!r}")
        os.symlink(target, dest)
        src.expect(_CLOSE, b")")
    else:
        raise src.fail(f"unknown node type {src.token()[:40]!r}")


def restore_whole(read: Callable[[int], bytes], dest: str, what: str) -> tuple[Digest, int]:
    """Unpack the archive that is the whole of ``read``'s stream into the new path ``dest``.

    Returns the archive's BLAKE3 and size. Raises :class:`Corrupt` on
    malformed or truncated input and on data after the archive; the caller
    removes the partial ``dest``.
    """
    src = _Input(read, what)
    if not src.match(_HEADER):
        src.expect(_s(b"nix-archive-1"), b"nix-archive-1")
        src.expect(_s(b"("), b"(")
        src.expect(_s(b"type"), b"type")
    _node(src, os.fsencode(dest))
    if not src.at_end():
        raise src.fail("data after the end of the archive")
    return src.hasher.digest(), src.hasher.size
