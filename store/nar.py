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
from collections.abc import Callable, Iterable, Iterator

from sx.store.errors import Corrupt, InvalidInput, StorageError
from sx.store.fsutil import (
    CANONICAL_MTIME,
    canonical_owner,
    canonicalize,
    remove_tree,
    stream_file,
)
from sx.store.hashing import THREADED_MIN, Digest, Hasher
from sx.store.narformat import (
    CLOSE,
    CONTENTS,
    DIRECTORY,
    ENTRY,
    EXECUTABLE,
    HEADER,
    MAGIC,
    MAX_TARGET,
    MAX_TOKEN,
    NODE,
    OPEN,
    REGULAR,
    SYMLINK,
    TARGET,
    TYPE,
    frame,
    padding,
    target_problem,
)
from sx.store.narwrite import copy_dump, dump
from sx.store.value import Value

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import BinaryIO

    from sx.store.extract import Extractor
    from sx.store.narwrite import PathArg, Sink
    from sx.store.refscan import RefScanner

# Restoring and scanning import their helpers when called: ``sx hash path``
# and the other dumping commands start without them.

__all__ = [
    "MAGIC", "ChunkSink", "FileSink", "Measured", "PathArg", "Sink", "copy_dump", "copy_hashed",
    "dump", "dump_bytes", "frame", "hash_path", "iter_dump", "restore", "restore_bytes",
]

_CHUNK = 1 << 20
_BLOCK = 4 << 20
_U64 = struct.Struct("<Q")
_write = os.write  # one name to look up per call (and to fail on purpose in tests)


class _HashSink:
    """Hashes the archive (on BLAKE3's threads when ``threads``); large files memory-mapped."""

    def __init__(self, algo: str = "b3", threads: bool = False) -> None:
        self.hasher = Hasher(algo, threads)

    def update(self, data: bytes | memoryview) -> None:
        """Hash more archive bytes."""
        self.hasher.update(data)

    def update_file(self, path: str, size: int) -> None:
        """Hash a whole file's contents."""
        self.hasher.update_file(path, size)


def hash_path(path: PathArg, algo: str = "b3", verb: str = "hash") -> tuple[Digest, int]:
    """The hash (BLAKE3 unless ``algo`` says otherwise) and size of the archive of ``path``.

    One thread hashes, beside the writer's readers, except for a lone large
    file (:data:`~sx.store.hashing.THREADED_MIN`), where BLAKE3's pool pays.
    """
    sink = _HashSink(algo, _one_large_file(path))
    dump(path, sink, verb)
    return sink.hasher.digest(), sink.hasher.size


def copy_hashed(src: PathArg, dst: PathArg, verb: str = "add") -> tuple[Digest, int]:
    """Copy ``src`` canonically to the new path ``dst``; the archive hash and size of the copy."""
    sink = _HashSink()
    copy_dump(src, dst, sink, verb)
    return sink.hasher.digest(), sink.hasher.size


def _one_large_file(path: PathArg) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False  # dump names the cause
    return stat.S_ISREG(st.st_mode) and st.st_size >= THREADED_MIN


class _MeasureSink(_HashSink):
    """Hashes the archive and looks for store path digests in it, in one pass."""

    def __init__(self, scan: frozenset[str]) -> None:
        from sx.store.refscan import RefScanner

        super().__init__()
        self.scanner = RefScanner(scan)

    def update(self, data: bytes | memoryview) -> None:
        """Hash and scan more archive bytes."""
        self.hasher.update(data)
        self.scanner.feed(data)

    def update_file(self, path: str, size: int) -> None:
        """Hash a whole file (threaded), then scan it unless every digest was found."""
        self.hasher.update_file(path, size)
        s = self.scanner
        if len(s.found) == len(s.candidates):
            return
        s.reset()
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                s.feed(chunk)
        s.reset()


def measure(path: PathArg, scan: frozenset[str] = frozenset(), verb: str = "hash") -> Measured:
    """The archive hash and size of ``path``, and which of the ``scan`` digests its
    archive mentions (file contents, symlink targets, names), in one pass."""
    sink = _MeasureSink(scan)
    dump(path, sink, verb)
    return Measured(sink.hasher.digest(), sink.hasher.size, frozenset(sink.scanner.found), scan)


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
        stream_file(path, size, self.f.write, "dump")
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
        stream_file(path, size, self.emit, "dump")


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


class Measured(Value):
    """What sx measured on a tree while it wrote the bytes itself.

    The archive hash and size, and which of the ``scanned`` digests occur in
    file contents and symlink targets. The store's registration accepts this
    instead of hashing the tree again (see ``LocalStore.register``).
    """

    __slots__ = _fields = ("nar_hash", "nar_size", "found", "scanned")
    nar_hash: Digest
    nar_size: int
    found: frozenset[str]
    scanned: frozenset[str]

    def __init__(self, nar_hash: Digest, nar_size: int, found: frozenset[str] = frozenset(),
                 scanned: frozenset[str] = frozenset()) -> None:
        self._set("nar_hash", nar_hash)
        self._set("nar_size", nar_size)
        self._set("found", found)
        self._set("scanned", scanned)


class _Input:
    """The archive bytes, read in blocks (at most ``limit`` in all) and hashed as they arrive.

    Parsing works on the buffer, so a run of fixed framing (``)``, ``entry``,
    ``(``, ``name`` ...) is matched with one comparison.
    """

    def __init__(self, read: Callable[[int], bytes], what: str, limit: int | None) -> None:
        self._read = read
        self.what = what
        self.left = limit
        self.buf = b""
        self.pos = 0
        self.hasher = Hasher("b3")

    def fail(self, cause: str) -> Corrupt:
        return Corrupt(f"read archive {self.what}: {cause}")

    def more(self, n: int) -> bytes:
        if self.left is not None:
            n = min(n, self.left)
            if n == 0:
                return b""
        chunk = self._read(n)
        if chunk:
            if self.left is not None:
                self.left -= len(chunk)
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

    def truncated(self) -> Corrupt:
        if self.left == 0:
            return self.fail("longer than its declared size")
        return self.fail("truncated (unexpected end of data)")

    def need(self, n: int) -> None:
        """Make ``n`` bytes available at ``pos``, or fail: the archive is truncated."""
        if not self.fill(n):
            raise self.truncated()

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

    def token(self, limit: int = MAX_TOKEN) -> bytes:
        n = self.u64()
        if n > limit:
            raise self.fail(f"string of {n} bytes exceeds {limit}")
        total = n + (-n) % 8
        if len(self.buf) - self.pos < total:
            self.need(total)
        start = self.pos
        self.pos += total
        if total != n and self.buf[start + n:self.pos] != padding(n):
            raise self.fail("non-zero padding")
        return self.buf[start:start + n]

    def expect(self, framed: bytes, want: bytes) -> None:
        """Consume the framed token ``want``, or fail naming what came instead."""
        if not self.match(framed):
            got = self.token()
            raise self.fail(f"expected {want!r}, got {got[:40]!r}")

    def skip_padding(self, size: int) -> None:
        pad = (-size) % 8
        if pad:
            self.need(pad)
            if self.buf[self.pos:self.pos + pad] != padding(size):
                raise self.fail("non-zero padding")
            self.pos += pad

    def buffered(self) -> int:
        return len(self.buf) - self.pos


class _Restore:
    """One archive into an :class:`Extractor`: iterative, so any depth parses in constant stack."""

    def __init__(self, src: _Input, ex: Extractor, scanner: RefScanner | None) -> None:
        self.src = src
        self.ex = ex
        self.scanner = scanner

    def run(self) -> None:
        src = self.src
        if not src.match(HEADER):
            if not src.match(frame(MAGIC)):
                if not src.fill(len(frame(MAGIC))):
                    raise src.truncated()
                raise src.fail("not a NAR archive (bad magic)")
            src.expect(OPEN, b"(")
            src.expect(TYPE, b"type")
        parts: list[bytes] = []
        prev: list[bytes | None] = []  # the last entry name of each open directory
        self._node(parts, prev)
        while prev:
            if src.match(CLOSE):
                prev.pop()
                if self.ex.canonical:
                    self.ex.seal_dir(parts)
                if prev:
                    src.expect(CLOSE, b")")
                    parts.pop()
                continue
            if not src.match(ENTRY):
                tag = src.token()
                if tag != b"entry":
                    raise src.fail(f"expected 'entry' or ')', got {tag[:40]!r}")
                src.expect(OPEN, b"(")
                src.expect(frame(b"name"), b"name")
            name = src.token()  # the extractor checks the name itself
            last = prev[-1]
            if last is not None and name <= last:
                raise src.fail(f"entries not sorted or duplicated at {name!r}")
            prev[-1] = name
            if not src.match(NODE):
                src.expect(frame(b"node"), b"node")
                src.expect(OPEN, b"(")
                src.expect(TYPE, b"type")
            parts.append(name)
            if not self._node(parts, prev):
                src.expect(CLOSE, b")")
                parts.pop()

    def _node(self, parts: list[bytes], prev: list[bytes | None]) -> bool:
        """A node whose ``( type`` has been read; True for a directory (left open)."""
        src = self.src
        if src.match(REGULAR):
            self._file(parts)
        elif src.match(DIRECTORY):
            self.ex.mkdir(parts)
            prev.append(None)
            return True
        elif src.match(SYMLINK):
            src.expect(TARGET, b"target")
            target = src.token(MAX_TARGET)
            problem = target_problem(target)
            if problem:
                raise src.fail(problem)
            if self.scanner is not None:
                self.scanner.reset()
                self.scanner.feed(target)
            self.ex.symlink(parts, target)
            src.expect(CLOSE, b")")
        else:
            raise src.fail(f"unknown node type {src.token()[:40]!r}")
        return False

    def _file(self, parts: list[bytes]) -> None:
        src = self.src
        executable = src.match(EXECUTABLE)
        if not src.match(CONTENTS):
            got = src.token()
            if got == b"executable":
                raise src.fail(f"expected {b''!r}, got {src.token()[:40]!r}")
            raise src.fail(f"expected 'contents', got {got[:40]!r}")
        size = src.u64()
        if src.left is not None and size > src.left + src.buffered():
            raise src.fail(f"a file of {size} bytes does not fit the declared size")
        fd = self.ex.create_file(parts, executable)
        try:
            self._contents(fd, size)
            # Final time now: canonical as written, or canonicalizing later only looks.
            os.utime(fd, (CANONICAL_MTIME, CANONICAL_MTIME))
        finally:
            os.close(fd)
        src.skip_padding(size)
        src.expect(CLOSE, b")")

    def _contents(self, fd: int, size: int) -> None:
        src = self.src
        scanner = self.scanner
        if scanner is not None:
            scanner.reset()
        left = size
        while left:
            if src.pos == len(src.buf):
                chunk = src.more(_BLOCK)
                if not chunk:
                    raise src.truncated()
                src.buf, src.pos = chunk, 0
            end = min(len(src.buf), src.pos + left)
            view = memoryview(src.buf)[src.pos:end]
            if scanner is not None:
                scanner.feed(view)
            while view:
                view = view[_write(fd, view):]
            left -= end - src.pos
            src.pos = end


def restore(read: Callable[[int], bytes], dest: str, what: str = "stream",
            size: int | None = None, scan: Iterable[str] = (),
            canonical: bool = False) -> Measured:
    """Unpack an archive read through ``read(n)`` into the new path ``dest``.

    With ``size`` (the declared archive size) at most that many bytes are
    read, and the archive must be exactly that long: a stream holding more
    (an export stream) keeps the rest. Without it the archive must be the
    whole stream (data after it is refused). ``scan`` names store path
    digests to look for in file contents and symlink targets while writing.

    Entries are created through :class:`~sx.store.extract.Extractor`
    (nothing outside ``dest``, limits of :mod:`sx.store.narformat`).
    With ``canonical``, the tree is left canonical (as
    :func:`~sx.store.fsutil.canonicalize` makes it): each entry gets its
    canonical mode and mtime as it is written, which saves a second walk.
    Raises :class:`Corrupt` on malformed, truncated or oversized input, after
    removing whatever it had unpacked: nothing is left behind.
    """
    from sx.store.extract import Extractor
    from sx.store.refscan import RefScanner

    if os.path.lexists(dest):
        raise InvalidInput(f"restore archive {what}: destination {dest!r} already exists")
    src = _Input(read, what, size)
    wanted = frozenset(scan)
    scanner = RefScanner(wanted) if wanted else None
    try:
        with Extractor(dest, f"read archive {what}", canonical=canonical) as ex:
            _Restore(src, ex, scanner).run()
        if size is None:
            if src.buffered() or src.more(1):
                raise src.fail("data after the end of the archive")
        elif src.buffered() or src.left:
            got = src.hasher.size - src.buffered()
            raise src.fail(f"the archive ends after {got} bytes, {size} were declared")
        if canonical and not canonical_owner(os.lstat(dest)):
            # Run as root under a directory of another group: new entries took
            # that group, which only a walk can change.
            canonicalize(dest)
    except OSError as e:
        remove_tree(dest)
        raise StorageError(f"restore archive {what} into {dest!r}: {e.strerror}") from e
    except BaseException:
        remove_tree(dest)
        raise
    found = frozenset(scanner.found) if scanner is not None else frozenset()
    return Measured(src.hasher.digest(), src.hasher.size, found, wanted)


def restore_bytes(data: bytes, dest: str, what: str = "archive") -> Measured:
    """Unpack a whole in-memory archive, refusing trailing data."""
    view = memoryview(data)
    pos = 0

    def read(n: int) -> bytes:
        """The next at most ``n`` bytes of ``data``."""
        nonlocal pos
        chunk = bytes(view[pos : pos + n])
        pos += len(chunk)
        return chunk

    return restore(read, dest, what)
