"""A deterministic tar writer: the same entries always give the same bytes.

Every header is built here from four facts only (name, type, mode, size or
link target); owners are 0 with no user or group names, the mtime is a fixed
number given by the caller, and nothing comes from the host (umask, clock,
file system order). Headers are POSIX ustar; a PAX extended header carries
names or link targets longer than 100 bytes or not plain ASCII, and sizes of
8 GiB or more. The archive ends with two zero blocks and no record padding.

Headers are assembled by hand rather than with :mod:`tarfile` because this is
the hot loop of an export (one header per file), and so that the bytes do
not depend on the Python version.
"""

from __future__ import annotations

import os
import stat
from typing import Protocol

from sx.store.errors import Corrupt, InvalidInput

BLOCK = 512
_ZERO = bytes(BLOCK)
_FLUSH = 1 << 20
_CHUNK = 1 << 20
# Chunks this large skip the buffer (one copy less).
_DIRECT = 1 << 16
_MAX_OCTAL_SIZE = 8**11
REG, SYM, DIR, PAX = b"0", b"2", b"5", b"x"
_PAX_NAME = b"././@PaxHeader"


class Writable(Protocol):
    """Where the tar bytes go."""

    def write(self, data: bytes, /) -> int: ...


def _octal(value: int, width: int) -> bytes:
    return b"%0*o\0" % (width - 1, value)


def _field(data: bytes, width: int) -> bytes:
    return data[:width].ljust(width, b"\0")


def _pax_record(key: bytes, value: bytes) -> bytes:
    # The length prefix counts itself, so grow it until it is consistent.
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + 1
    while len(b"%d" % n) + len(body) != n:
        n = len(b"%d" % n) + len(body)
    return b"%d" % n + body


def _ustar(name: bytes, typeflag: bytes, mode: int, size: int, link: bytes, mtime: int) -> bytes:
    head = b"".join((
        _field(name, 100), _octal(mode, 8), _octal(0, 8), _octal(0, 8),
        _octal(size, 12), _octal(mtime, 12), b"        ", typeflag, _field(link, 100),
        b"ustar\x0000", bytes(32 + 32 + 8 + 8 + 155 + 12),
    ))
    checksum = b"%06o\0 " % sum(head)
    return head[:148] + checksum + head[156:]


def header(name: bytes, typeflag: bytes, mode: int, size: int = 0, link: bytes = b"",
           mtime: int = 1) -> bytes:
    """The header block(s) of one entry, with a PAX header first when one is needed."""
    records = []
    if len(name) > 100 or not name.isascii():
        records.append(_pax_record(b"path", name))
    if len(link) > 100 or not link.isascii():
        records.append(_pax_record(b"linkpath", link))
    if size >= _MAX_OCTAL_SIZE:
        records.append(_pax_record(b"size", b"%d" % size))
        size = 0
    if not records:
        return _ustar(name, typeflag, mode, size, link, mtime)
    if any(not _is_utf8(v) for v in (name, link)):
        records.insert(0, _pax_record(b"hdrcharset", b"BINARY"))
    data = b"".join(records)
    short = name.decode("ascii", "replace").encode("ascii", "replace")[:100]
    return (_ustar(_PAX_NAME, PAX, 0o644, len(data), b"", mtime) + data + _pad(len(data))
            + _ustar(short, typeflag, mode, size, link[:100], mtime))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _pad(n: int) -> bytes:
    return _ZERO[: (-n) % BLOCK]


class TarWriter:
    """Writes tar entries to ``out`` through a 1 MiB buffer; call :meth:`close` to end."""

    def __init__(self, out: Writable, mtime: int) -> None:
        self.out = out
        self.mtime = mtime
        self.buf = bytearray()

    def _add(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        """Hand buffered bytes to ``out``."""
        if self.buf:
            self.out.write(bytes(self.buf))
            self.buf = bytearray()

    def directory(self, name: bytes, mode: int) -> None:
        """A directory entry; ``name`` without the trailing slash."""
        self._add(header(name + b"/", DIR, mode, mtime=self.mtime))

    def symlink(self, name: bytes, target: bytes) -> None:
        """A symbolic link."""
        self._add(header(name, SYM, 0o777, link=target, mtime=self.mtime))

    def file(self, name: bytes, src: bytes | str, size: int, mode: int) -> None:
        """A regular file whose ``size`` bytes are read from ``src``."""
        self._add(header(name, REG, mode, size, mtime=self.mtime))
        fd = os.open(src, os.O_RDONLY)
        try:
            left = size
            while left:
                chunk = os.read(fd, min(left, _CHUNK))
                if not chunk:
                    raise Corrupt(f"archive {os.fsdecode(src)}: file shrank while archiving")
                left -= len(chunk)
                if len(chunk) >= _DIRECT:
                    self.flush()
                    self.out.write(chunk)
                else:
                    self._add(chunk)
        finally:
            os.close(fd)
        self._add(_pad(size))

    def close(self) -> None:
        """Write the end-of-archive marker and flush."""
        self._add(_ZERO + _ZERO)
        self.flush()


def add_tree(tar: TarWriter, src: bytes, name: bytes, dir_mode: int = 0o555) -> None:
    """Add the tree at ``src`` under ``name``: depth first, entries in byte order.

    Modes are normalized: directories ``dir_mode``, files 0555 when the owner
    may execute them and 0444 otherwise, links 0777.
    """
    st = os.lstat(src)
    if stat.S_ISDIR(st.st_mode):
        tar.directory(name, dir_mode)
        with os.scandir(src) as it:
            entries = sorted((e.name, e.path) for e in it)
        for child, path in entries:
            add_tree(tar, path, name + b"/" + child, dir_mode)
    elif stat.S_ISREG(st.st_mode):
        tar.file(name, src, st.st_size, 0o555 if st.st_mode & 0o100 else 0o444)
    elif stat.S_ISLNK(st.st_mode):
        tar.symlink(name, os.readlink(src))
    else:
        raise InvalidInput(f"archive {os.fsdecode(src)}: unsupported file type")
