"""Writing archives fast: walk a tree in archive order, read (and copy) its files on threads.

One thread walks the tree in NAR order and lays the archive out as
*segments*: runs of framing bytes (everything but file contents is known
from the walk) and files to read. A small thread pool turns each segment
into its archive bytes, reading the files and, when asked, writing a
canonical copy of each file at the same time. The sink receives the
segments strictly in order. File system calls and BLAKE3 release the GIL,
so walking, reading, copying and hashing overlap on several cores.

Files of at least :data:`LARGE` bytes are never read into memory: the sink
gets them by path (``update_file``), which lets a hasher memory-map them and
hash on several threads.

The grammar is in docs/archive.md; :mod:`sx.store.nar` holds the public API
and the reading side.
"""

from __future__ import annotations

import errno
import itertools
import os
import queue
import stat
import struct
import threading
from collections import deque, namedtuple
from collections.abc import Iterator
from types import ModuleType

from sx.store.errors import InvalidInput, StorageError
from sx.store.fdio import write_all
from sx.store.fsutil import CANONICAL_MTIME, DIR_MODE, file_mode, umask
from sx.store.narformat import (
    CLOSE,
    CONTENTS,
    DIRECTORY,
    ENTRY,
    EXECUTABLE,
    HEADER,
    MAX_DEPTH,
    MAX_PATH,
    NODE,
    REGULAR,
    SYMLINK,
    TARGET,
    frame,
)


def _load_native() -> ModuleType | None:
    """The C segment filler (``_narfill.c``), unless missing or disabled by ``SX_NATIVE=0``."""
    if os.environ.get("SX_NATIVE", "1") == "0":
        return None
    try:
        from sx.store import _narfill
    except ImportError:
        return None
    # An extension built from an older _narfill.c (a checkout updated without
    # rebuilding it) lacks what the walk calls: the Python loop serves instead.
    return _narfill if hasattr(_narfill, "entries") else None


NATIVE: ModuleType | None = _load_native()
"""The C segment filler in use, or None for the pure-Python loop (same results, slower)."""

LARGE = 1 << 20
# A segment is cut after this much file data or this many pieces: big enough
# to amortise a job's overhead, small enough to spread over the workers.
# WINDOW bounds the segments in flight, and so the memory used.
_SEGMENT_BYTES = 1 << 20
_SEGMENT_PIECES = 512
_WINDOW = 16
_WORKERS = min(4, (os.cpu_count() or 1) + 1)
_PAD = b"\0" * 8
_U64 = struct.Struct("<Q").pack
_RDONLY = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
# copy_file_range is refused across some file systems and by old kernels.
_NO_COPY_RANGE = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP}


_FILE = REGULAR + CONTENTS
_EXEC_FILE = REGULAR + EXECUTABLE + CONTENTS
_SYMLINK = SYMLINK + TARGET
_CLOSE2 = CLOSE + CLOSE


# typing (and dataclasses) only for the checker: an archive hash on the
# command line (``sx hash path``) would pay for importing them on every run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple, Protocol, TypeAlias

    PathArg: TypeAlias = "str | bytes | os.PathLike[str] | os.PathLike[bytes]"

    class Sink(Protocol):
        """Where archive bytes go, in order. ``update_file`` takes a whole file by path.

        The memoryview given to ``update`` is only valid during the call (its
        buffer is reused): copy it to keep it.
        """

        def update(self, data: bytes | memoryview, /) -> None:
            """Take the next archive bytes."""

        def update_file(self, path: str, size: int, /) -> None:
            """Take the next ``size`` archive bytes: the contents of the file at ``path``."""

    class _File(NamedTuple):
        """A regular file to read from ``src`` (and copy to ``dst``)."""

        src: bytes
        dst: bytes | None
        size: int
        executable: bool
else:
    # A plain tuple underneath, which is what the C filler takes.
    _File = namedtuple("_File", "src dst size executable")


class _Segment:
    """Consecutive archive pieces and the number of bytes they make."""

    __slots__ = ("pieces", "size")

    def __init__(self, pieces: list[bytes | _File], size: int) -> None:
        self.pieces = pieces
        self.size = size


_Entries = Iterator[tuple[bytes, int, int]]


def _prefix(path: bytes) -> bytes:
    return path if path.endswith(b"/") else path + b"/"


def _list(path: bytes) -> list[tuple[bytes, int, int]]:
    """The entries of the directory ``path`` as (name, st_mode, st_size), sorted by name
    (a subdirectory as (name, S_IFDIR, 0): its mode and size are not archived).

    Entries are not followed (lstat). The C module does it in one call
    without the GIL (a Python ``DirEntry.stat`` gives the GIL up and takes it
    back for every entry, while the workers and the hasher want it too).
    Raises OSError naming the directory or the entry.
    """
    if NATIVE is not None:
        listed: list[tuple[bytes, int, int]] = NATIVE.entries(path)
        return listed
    out = []
    with os.scandir(path) as it:
        for e in it:
            if e.is_dir(follow_symlinks=False):
                out.append((e.name, stat.S_IFDIR, 0))
            else:
                st = e.stat(follow_symlinks=False)
                out.append((e.name, st.st_mode, st.st_size))
    out.sort()
    return out


def _shown(path: bytes | str) -> str:
    text = os.fsdecode(path)
    if len(text) > 160:
        text = f"{text[:80]}...{text[-60:]}"
    return repr(text)


def _source_error(verb: str, path: bytes | str, e: OSError) -> InvalidInput:
    if isinstance(e, FileNotFoundError):
        return InvalidInput(f"{verb} {_shown(path)}: vanished while reading")
    return InvalidInput(f"{verb} {_shown(path)}: {e.strerror}")


def _dest_error(verb: str, path: bytes, e: OSError) -> StorageError:
    return StorageError(f"{verb} {_shown(path)}: cannot write the copy: {e.strerror}")


class _Planner:
    """Walks a tree in archive order into segments, creating the copy's dirs and links."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.dirs: list[bytes] = []
        self._pieces: list[bytes | _File] = []
        self._frame = bytearray()
        self._size = 0
        self._data = 0

    def walk(self, src: bytes, dst: bytes | None) -> Iterator[_Segment]:
        """The archive of ``src`` as segments, in order."""
        self._frame += HEADER
        try:
            st = os.lstat(src)
        except FileNotFoundError as e:
            raise InvalidInput(f"{self.verb} {_shown(src)}: no such file or directory") from e
        except OSError as e:
            raise _source_error(self.verb, src, e) from e
        # Each open directory: its remaining entries, and its path and its copy's
        # as prefixes of their entries' paths (ending in "/").
        stack: list[tuple[_Entries, bytes, bytes | None]] = []
        # Length of each open directory's path inside the tree (the root's is 0).
        lengths: list[int] = []
        yield from self._node(src, dst, st.st_mode, st.st_size, stack, CLOSE)
        if stack:
            lengths.append(0)
        while stack:
            entries, parent, parent_dst = stack[-1]
            nxt = next(entries, None)
            if nxt is None:
                stack.pop()
                lengths.pop()
                self._frame += CLOSE if not stack else _CLOSE2
                continue
            name, mode, size = nxt
            path = parent + name
            here = (lengths[-1] + 1 if lengths[-1] else 0) + len(name)
            self._check_limits(src, path, len(stack), here)
            self._frame += ENTRY + frame(name) + NODE
            child = parent_dst + name if parent_dst is not None else None
            depth = len(stack)
            yield from self._node(path, child, mode, size, stack, _CLOSE2)
            if len(stack) > depth:
                lengths.append(here)
        last = self._cut()
        if last is not None:
            yield last

    def _check_limits(self, root: bytes, path: bytes, depth: int, length: int) -> None:
        """An entry ``depth`` directories below the root, with a path of ``length`` bytes."""
        if depth > MAX_DEPTH or length > MAX_PATH:
            why = (f"deeper than {MAX_DEPTH} levels" if depth > MAX_DEPTH
                   else f"path of {length} bytes inside the tree is longer than {MAX_PATH}")
            raise InvalidInput(f"{self.verb} {_shown(root)}: {_shown(path[len(root) + 1:])}: "
                               f"{why}")

    def _node(self, src: bytes, dst: bytes | None, mode: int, size: int,
              stack: list[tuple[_Entries, bytes, bytes | None]], end: bytes
              ) -> tuple[_Segment, ...]:
        """Lay out one entry; the segments it completed (a tuple, not a generator:
        most entries complete none, and two generators per entry cost more)."""
        segs: tuple[_Segment, ...] = ()
        if stat.S_ISDIR(mode):
            stack.append((self._directory(src, dst), _prefix(src),
                          None if dst is None else _prefix(dst)))
            return segs
        if stat.S_ISREG(mode):
            segs = self._file(src, dst, size, bool(mode & stat.S_IXUSR))
        elif stat.S_ISLNK(mode):
            self._symlink(src, dst)
        else:
            raise InvalidInput(f"{self.verb} {_shown(src)}: unsupported file type "
                               "(only regular files, directories and symlinks)")
        self._frame += end
        return segs

    def _directory(self, src: bytes, dst: bytes | None) -> _Entries:
        self._frame += DIRECTORY
        if dst is not None:
            try:
                os.mkdir(dst, 0o755)
            except OSError as e:
                raise _dest_error(self.verb, src, e) from e
            self.dirs.append(dst)
        try:
            return iter(_list(src))
        except OSError as e:
            raise _source_error(self.verb, e.filename or src, e) from e

    def _symlink(self, src: bytes, dst: bytes | None) -> None:
        try:
            target = os.readlink(src)
        except OSError as e:
            raise _source_error(self.verb, src, e) from e
        self._frame += _SYMLINK + frame(target)
        if dst is not None:
            try:
                os.symlink(target, dst)
                os.utime(dst, (CANONICAL_MTIME, CANONICAL_MTIME), follow_symlinks=False)
            except OSError as e:
                raise _dest_error(self.verb, src, e) from e

    def _file(self, src: bytes, dst: bytes | None, size: int, executable: bool
              ) -> tuple[_Segment, ...]:
        self._frame += (_EXEC_FILE if executable else _FILE) + _U64(size)
        f = _File(src, dst, size, executable)
        segs: tuple[_Segment, ...] = ()
        if size >= LARGE:
            seg = self._cut()
            segs = (seg, _Segment([f], size)) if seg is not None else (_Segment([f], size),)
        else:
            self._flush_frame()
            self._pieces.append(f)
            self._size += size
            self._data += size
        self._frame += _PAD[: (-size) % 8]
        if self._data >= _SEGMENT_BYTES or len(self._pieces) >= _SEGMENT_PIECES:
            seg = self._cut()
            if seg is not None:
                segs = (*segs, seg)
        return segs

    def _flush_frame(self) -> None:
        if self._frame:
            self._pieces.append(bytes(self._frame))
            self._size += len(self._frame)
            self._frame.clear()

    def _cut(self) -> _Segment | None:
        self._flush_frame()
        if not self._pieces:
            return None
        seg = _Segment(self._pieces, self._size)
        self._pieces, self._size, self._data = [], 0, 0
        return seg


# ---- the workers --------------------------------------------------------------------


def _read_into(f: _File, out: memoryview, verb: str) -> None:
    try:
        fd = os.open(f.src, _RDONLY)
        try:
            got = 0
            while got < f.size:
                n = os.readv(fd, [out[got:]])
                if n == 0:
                    raise InvalidInput(f"{verb} {_shown(f.src)}: file shrank while reading")
                got += n
        finally:
            os.close(fd)
    except OSError as e:
        raise _source_error(verb, f.src, e) from e


def _create(f: _File, fix_mode: bool, verb: str) -> int:
    assert f.dst is not None
    mode = file_mode(f.executable)
    try:
        fd = os.open(f.dst, _CREATE, mode)
        if fix_mode:
            os.fchmod(fd, mode)
    except OSError as e:
        raise _dest_error(verb, f.src, e) from e
    return fd


def _finish(fd: int, f: _File, verb: str) -> None:
    try:
        os.utime(fd, (CANONICAL_MTIME, CANONICAL_MTIME))
    except OSError as e:
        raise _dest_error(verb, f.src, e) from e
    finally:
        os.close(fd)


def _write_copy(f: _File, data: memoryview, fix_mode: bool, verb: str) -> None:
    fd = _create(f, fix_mode, verb)
    try:
        done = 0
        while done < len(data):
            done += os.write(fd, data[done:])
    except OSError as e:
        os.close(fd)
        raise _dest_error(verb, f.src, e) from e
    _finish(fd, f, verb)


def _copy_range(fin: int, fout: int, size: int) -> int:
    """Copy up to ``size`` bytes in the kernel; returns how many were copied."""
    done = 0
    try:
        while done < size:
            n = os.copy_file_range(fin, fout, size - done)
            if n == 0:
                break
            done += n
        return done
    except OSError as e:
        if e.errno not in _NO_COPY_RANGE or done:
            raise
    while done < size:
        chunk = os.read(fin, min(size - done, 1 << 20))
        if not chunk:
            break
        write_all(fout, chunk)
        done += len(chunk)
    return done


def _copy_large(f: _File, fix_mode: bool, verb: str) -> None:
    try:
        fin = os.open(f.src, _RDONLY)
    except OSError as e:
        raise _source_error(verb, f.src, e) from e
    try:
        fout = _create(f, fix_mode, verb)
        try:
            done = _copy_range(fin, fout, f.size)
        except OSError as e:
            os.close(fout)
            raise _dest_error(verb, f.src, e) from e
        _finish(fout, f, verb)
    finally:
        os.close(fin)
    if done != f.size:
        raise InvalidInput(f"{verb} {_shown(f.src)}: file shrank while reading")


class _Buffers:
    """Reused segment buffers: fresh memory costs a page fault per page, every time."""

    def __init__(self) -> None:
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()

    def get(self, size: int) -> bytearray:
        """A buffer of at least ``size`` bytes."""
        try:
            buf = self._free.get_nowait()
        except queue.Empty:
            buf = bytearray(_SEGMENT_BYTES + (64 << 10))
        if len(buf) < size:
            buf.extend(bytes(size - len(buf)))
        return buf

    def put(self, buf: bytearray) -> None:
        """Give a buffer back for reuse."""
        self._free.put(buf)


class _Built:
    """A segment's archive bytes: the first ``size`` bytes of a pooled buffer."""

    __slots__ = ("buf", "size")

    def __init__(self, buf: bytearray, size: int) -> None:
        self.buf = buf
        self.size = size


def _build(seg: _Segment, buffers: _Buffers, fix_mode: bool, verb: str) -> _Built | _File:
    """A segment's archive bytes (files read, and copied when they have a ``dst``)."""
    first = seg.pieces[0]
    if isinstance(first, _File) and first.size >= LARGE:
        if first.dst is not None:
            _copy_large(first, fix_mode, verb)
        return first
    buf = buffers.get(seg.size)
    try:
        _fill(seg, memoryview(buf), fix_mode, verb)
    except BaseException:
        buffers.put(buf)
        raise
    return _Built(buf, seg.size)


def _fill(seg: _Segment, view: memoryview, fix_mode: bool, verb: str) -> None:
    if NATIVE is not None:
        failed = NATIVE.fill(seg.pieces, view, fix_mode)
        if failed is not None:
            _raise_native(seg.pieces[failed[0]], failed[1], failed[2], verb)
        return
    pos = 0
    for piece in seg.pieces:
        if isinstance(piece, bytes):
            end = pos + len(piece)
            view[pos:end] = piece
        else:
            end = pos + piece.size
            if piece.size:
                _read_into(piece, view[pos:end], verb)
            if piece.dst is not None:
                _write_copy(piece, view[pos:end], fix_mode, verb)
        pos = end


def _raise_native(piece: bytes | _File, what: int, err: int, verb: str) -> None:
    """The exception the Python loop raises for the failure the C filler reported."""
    assert NATIVE is not None and isinstance(piece, _File)
    if what == NATIVE.FAIL_SHRANK:
        raise InvalidInput(f"{verb} {_shown(piece.src)}: file shrank while reading")
    e = OSError(err, os.strerror(err))
    if err == errno.ENOENT:
        e = FileNotFoundError(err, os.strerror(err))
    if what == NATIVE.FAIL_SOURCE:
        raise _source_error(verb, piece.src, e)
    raise _dest_error(verb, piece.src, e)


# ---- driving it ------------------------------------------------------------------------


def _deliver(sink: Sink, result: _Built | _File, buffers: _Buffers) -> None:
    if isinstance(result, _File):
        path = result.dst if result.dst is not None else result.src
        sink.update_file(os.fsdecode(path), result.size)
        return
    try:
        if result.size:
            with memoryview(result.buf) as view:
                sink.update(view[: result.size])
    finally:
        buffers.put(result.buf)


class _Job:
    """One segment to build on a worker; ``done`` is set when it is built or failed."""

    __slots__ = ("done", "error", "result", "seg")

    def __init__(self, seg: _Segment) -> None:
        self.seg = seg
        self.done = threading.Event()
        self.result: _Built | _File | None = None
        self.error: BaseException | None = None

    def outcome(self) -> _Built | _File:
        """Wait for the job; its result, or raise what it raised."""
        self.done.wait()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class _Workers:
    """A few threads that build segments (concurrent.futures would cost every command's
    start-up ~14 ms of imports, for what these thirty lines do)."""

    def __init__(self, n: int, buffers: _Buffers, fix_mode: bool, verb: str) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._stopping = False
        self._args = (buffers, fix_mode, verb)
        self._threads = [threading.Thread(target=self._work, name=f"sx-archive-{i}", daemon=True)
                         for i in range(n)]
        for t in self._threads:
            t.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if not self._stopping:
                try:
                    job.result = _build(job.seg, *self._args)
                except BaseException as e:
                    job.error = e
            job.done.set()

    def submit(self, seg: _Segment) -> _Job:
        """Queue ``seg``; jobs are picked up in submission order."""
        job = _Job(seg)
        self._jobs.put(job)
        return job

    def close(self, abandon: bool) -> None:
        """Stop the threads and wait for them; ``abandon`` skips jobs not started yet."""
        self._stopping = abandon
        for _ in self._threads:
            self._jobs.put(None)
        for t in self._threads:
            t.join()


def _run(segments: Iterator[_Segment], sink: Sink, fix_mode: bool, verb: str) -> None:
    buffers = _Buffers()
    first = next(segments, None)
    second = next(segments, None)
    if second is None:
        # A single file or a tiny tree: not worth starting threads.
        if first is not None:
            _deliver(sink, _build(first, buffers, fix_mode, verb), buffers)
        return
    workers = _Workers(_WORKERS, buffers, fix_mode, verb)
    failed = True
    try:
        window: deque[_Job] = deque()
        for seg in itertools.chain((first, second), segments):
            assert seg is not None
            window.append(workers.submit(seg))
            while window and (len(window) >= _WINDOW or window[0].done.is_set()):
                _deliver(sink, window.popleft().outcome(), buffers)
        while window:
            _deliver(sink, window.popleft().outcome(), buffers)
        failed = False
    finally:
        # Nothing may still write into the copy when this returns (the caller
        # removes it on error), so running jobs are waited for.
        workers.close(abandon=failed)


def dump(path: PathArg, sink: Sink, verb: str = "dump") -> None:
    """Stream the archive of the tree at ``path`` into ``sink``.

    Raises :class:`InvalidInput` naming the file when the tree holds
    something an archive cannot (sockets, devices) or cannot be read.
    """
    _run(_Planner(verb).walk(os.fsencode(path), None), sink, False, verb)


def copy_dump(src: PathArg, dst: PathArg, sink: Sink, verb: str = "add") -> None:
    """Copy ``src`` to the new path ``dst`` in canonical form, streaming its archive.

    The copy has modes 0444/0555 (executable when the owner may execute the
    source), mtime 1, and exactly the bytes the sink received, so the
    archive describes the copy even if the source changes meanwhile. The
    caller removes ``dst`` on error (it lives in a temp dir).
    """
    planner = _Planner(verb)
    fix_mode = bool(umask() & 0o555)
    _run(planner.walk(os.fsencode(src), os.fsencode(dst)), sink, fix_mode, verb)
    for d in reversed(planner.dirs):
        try:
            os.chmod(d, DIR_MODE)
            os.utime(d, (CANONICAL_MTIME, CANONICAL_MTIME))
        except OSError as e:
            raise _dest_error(verb, d, e) from e
