"""Build logs: one zstd-compressed file per derivation, readable while the build runs.

While a build runs, the builder's stdout and stderr are one pipe that sx
reads (see :mod:`.runner`): every byte is counted against the log limit
before it is written to a raw file in the build's scratch directory, so a
builder can never write more than the limit, nor go on writing once it was
stopped. sx holds an exclusive ``flock`` on the raw file for as long as the
build may still add to it, and ``<root>/var/log/<drv base>.log.live`` is a
symlink to it: that is how ``sx log -f`` finds a running build, and how it
knows the build has ended (the lock is free).

When the build ends — successfully or not — the raw log is compressed to
``<root>/var/log/<drv base>.log.zst`` under a temporary name and renamed, so
a reader never sees half a frame; then the live link goes and the lock is
released. Rebuilding a derivation replaces its log. A log cut at the size
limit ends with a line saying so.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable

import zstandard
from sx.store.errors import StorageError, StoreError
from sx.store.path import StorePath

TYPE_CHECKING = False  # typing only for the checker: it costs `sx log` its start-up
if TYPE_CHECKING:
    from typing import BinaryIO

TAIL_BYTES = 8192
FOLLOW_POLL = 0.1
_LEVEL = 3
# Logs up to this size are compressed with one shared compressor in the
# calling thread; bigger ones stream through a compressor of their own.
_SMALL = 1 << 20
_shared = zstandard.ZstdCompressor(level=_LEVEL)


def log_path(logs_dir: str, drv_path: StorePath) -> str:
    """Where the finished log of ``drv_path`` lives."""
    return os.path.join(logs_dir, f"{drv_path.base}.log.zst")


def live_path(logs_dir: str, drv_path: StorePath) -> str:
    """The link to the raw log of a build of ``drv_path`` that is running now."""
    return os.path.join(logs_dir, f"{drv_path.base}.log.live")


class BuildLog:
    """The log of one build: a raw file while it runs, compressed at the end."""

    def __init__(self, logs_dir: str, drv_path: StorePath, raw: str,
                 limit: int | None = None) -> None:
        self.logs_dir = logs_dir
        self.drv_path = drv_path
        self.raw = raw
        self.limit = limit
        self.path = log_path(logs_dir, drv_path)
        self.live = live_path(logs_dir, drv_path)
        self.written = 0
        """Builder bytes accepted so far."""
        self.cut = False
        """True once the builder tried to write past the limit."""
        self._fd = os.open(raw, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        tmp_link = f"{self.live}.{os.urandom(4).hex()}"
        try:
            os.symlink(os.path.abspath(raw), tmp_link)
            os.replace(tmp_link, self.live)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp_link)  # following it live is a convenience, not a must

    def write(self, data: bytes) -> bool:
        """Append builder output; False (and nothing past the limit) once it is exceeded."""
        if self.limit is not None and self.written + len(data) > self.limit:
            data = data[:self.limit - self.written]
            self.cut = True
        if data:
            os.write(self._fd, data)
            self.written += len(data)
        return not self.cut

    def size(self) -> int:
        """Bytes in the raw log so far (builder output and notes)."""
        try:
            return os.fstat(self._fd).st_size if self._fd >= 0 else os.stat(self.raw).st_size
        except FileNotFoundError:
            return 0

    def note(self, text: str) -> None:
        """Append a line written by sx itself (builtins, timeouts, limits)."""
        if self._fd >= 0:
            os.write(self._fd, text.encode())

    @property
    def tail(self) -> bytes:
        """The last bytes of the raw log."""
        try:
            with open(self.raw, "rb") as f:
                f.seek(max(0, self.size() - TAIL_BYTES))
                return f.read()
        except FileNotFoundError:
            return b""

    def finish(self) -> None:
        """Compress the raw log into the log directory; the build can no longer add to it."""
        if self.cut:
            self.note(f"\nsx: log limit of {self.limit} bytes exceeded\n")
        tmp = f"{self.path}.{os.urandom(4).hex()}.part"
        try:
            size = self.size()
            with open(tmp, "wb") as out:
                if size <= _SMALL:
                    out.write(_shared.compress(self._read()))
                else:
                    self._stream(out)
            os.replace(tmp, self.path)
        except OSError as e:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise StorageError(f"write log {self.path}: {e.strerror}") from e
        finally:
            self._end_live()

    def _end_live(self) -> None:
        with contextlib.suppress(OSError):
            if os.readlink(self.live) == os.path.abspath(self.raw):
                os.unlink(self.live)
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock: followers stop
            self._fd = -1

    def _read(self) -> bytes:
        try:
            with open(self.raw, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def _stream(self, out: BinaryIO) -> None:
        z = zstandard.ZstdCompressor(level=_LEVEL).stream_writer(out, closefd=False)
        with open(self.raw, "rb") as f:
            while chunk := f.read(1 << 20):
                z.write(chunk)
        z.flush(zstandard.FLUSH_FRAME)

    def __del__(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)


def read_log(logs_dir: str, drv_path: StorePath) -> bytes | None:
    """The decompressed log of ``drv_path``, or None when there is none."""
    try:
        with open(log_path(logs_dir, drv_path), "rb") as f:
            reader = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True)
            return reader.read()
    except FileNotFoundError:
        return None


def _ended(f: BinaryIO) -> bool:
    """Whether the writer of ``f`` has let go (finished, failed or died)."""
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    return True


def open_live(logs_dir: str, drv_path: StorePath) -> BinaryIO | None:
    """The raw log of a build of ``drv_path`` running now, open for reading; else None."""
    try:
        f = open(live_path(logs_dir, drv_path), "rb")  # noqa: SIM115 (the caller closes it)
    except OSError:
        return None
    if _ended(f):
        f.close()
        return None
    return f


def follow(f: BinaryIO, write: Callable[[bytes], object], poll: float = FOLLOW_POLL) -> None:
    """Copy a live log to ``write`` as it grows, until its build has ended."""
    while True:
        data = f.read(1 << 16)
        if data:
            write(data)
            continue
        if _ended(f):
            while data := f.read(1 << 16):
                write(data)
            return
        time.sleep(poll)


class LineEcho:
    """Shows a build's output line by line, each prefixed by the build's name (``-L``).

    Called with each chunk as it arrives; an empty chunk means the end (a
    last line without a newline is shown then).
    """

    def __init__(self, name: str, show: Callable[[str], object]) -> None:
        self.prefix = f"{name}> "
        self.show = show
        self._partial = b""

    def __call__(self, data: bytes) -> None:
        if not data:
            if self._partial:
                self.show(self.prefix + self._partial.decode(errors="replace"))
                self._partial = b""
            return
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            self.show(self.prefix + line.decode(errors="replace"))


def tail_lines(data: bytes, n: int = 20) -> list[str]:
    """The last ``n`` lines of ``data``, decoded leniently."""
    return data.decode(errors="replace").rstrip("\n").splitlines()[-n:]


def list_logs(logs_dir: str) -> list[tuple[StorePath, int, int]]:
    """Every stored log: (derivation, compressed size, modification time), by derivation name."""
    out = []
    try:
        entries = list(os.scandir(logs_dir))
    except FileNotFoundError:
        return []
    for e in entries:
        base = e.name.removesuffix(".log.zst")
        if base == e.name or not e.is_file(follow_symlinks=False):
            continue
        try:
            path = StorePath.from_base(base)
            st = e.stat(follow_symlinks=False)
        except (StoreError, OSError):
            continue  # a temp file being renamed, or something that is no log of ours
        out.append((path, st.st_size, int(st.st_mtime)))
    return sorted(out, key=lambda t: (t[0].name, t[0].digest))
