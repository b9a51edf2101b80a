"""Build logs: one zstd-compressed file per derivation.

While a build runs, the builder's stdout and stderr go straight to a raw
file in the build's scratch directory (no copying through Python; the size
is polled to enforce the limit). When the build ends — successfully or
not — the raw log is compressed to ``<root>/var/log/<drv base>.log.zst``
under a temporary name and renamed, so a reader never sees half a frame.
Rebuilding a derivation replaces its log. A log cut at the size limit ends
with a line saying so.
"""

from __future__ import annotations

import os
import secrets
from typing import BinaryIO

import zstandard
from sx.store.errors import StorageError, StoreError
from sx.store.path import StorePath

TAIL_BYTES = 8192
_LEVEL = 3
# Logs up to this size are compressed with one shared compressor in the
# calling thread; bigger ones stream through a compressor of their own.
_SMALL = 1 << 20
_shared = zstandard.ZstdCompressor(level=_LEVEL)


def log_path(logs_dir: str, drv_path: StorePath) -> str:
    """Where the log of ``drv_path`` lives."""
    return os.path.join(logs_dir, f"{drv_path.base}.log.zst")


class BuildLog:
    """The log of one build: a raw file while it runs, compressed at the end."""

    def __init__(self, logs_dir: str, drv_path: StorePath, raw: str,
                 limit: int | None = None) -> None:
        self.logs_dir = logs_dir
        self.drv_path = drv_path
        self.raw = raw
        self.limit = limit
        self.path = log_path(logs_dir, drv_path)
        self._notes: list[bytes] = []

    def open_for_builder(self) -> int:
        """A write descriptor on the raw file, for the builder's stdout and stderr."""
        return os.open(self.raw, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)

    def size(self) -> int:
        """Bytes the builder has written so far."""
        try:
            return os.stat(self.raw).st_size
        except FileNotFoundError:
            return 0

    def note(self, text: str) -> None:
        """Append a line written by sx itself (builtins, timeouts)."""
        with open(self.raw, "ab") as f:
            f.write(text.encode())

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
        """Compress the raw log into the log directory (cut at the limit)."""
        size = self.size()
        cut = self.limit is not None and size > self.limit
        keep = min(size, self.limit) if self.limit is not None else size
        tmp = f"{self.path}.{secrets.token_hex(4)}.part"
        try:
            with open(tmp, "wb") as out:
                if keep <= _SMALL:
                    out.write(_shared.compress(self._read(keep, cut)))
                else:
                    self._stream(out, keep, cut)
            os.replace(tmp, self.path)
        except OSError as e:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise StorageError(f"write log {self.path}: {e.strerror}") from e

    def _trailer(self, cut: bool) -> bytes:
        if not cut:
            return b""
        return f"\nsx: log limit of {self.limit} bytes exceeded\n".encode()

    def _read(self, keep: int, cut: bool) -> bytes:
        try:
            with open(self.raw, "rb") as f:
                data = f.read(keep)
        except FileNotFoundError:
            data = b""
        return data + self._trailer(cut)

    def _stream(self, out: BinaryIO, keep: int, cut: bool) -> None:
        z = zstandard.ZstdCompressor(level=_LEVEL).stream_writer(out, closefd=False)
        with open(self.raw, "rb") as f:
            left = keep
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    break
                z.write(chunk)
                left -= len(chunk)
        z.write(self._trailer(cut))
        z.flush(zstandard.FLUSH_FRAME)


def read_log(logs_dir: str, drv_path: StorePath) -> bytes | None:
    """The decompressed log of ``drv_path``, or None when there is none."""
    try:
        with open(log_path(logs_dir, drv_path), "rb") as f:
            reader = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True)
            return reader.read()
    except FileNotFoundError:
        return None


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
