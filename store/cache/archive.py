"""Compressed archives: a store path to a ``.nar.zst`` file and back, hashing on the way.

Packing streams the path's archive through BLAKE3 (checked against the
recorded hash, so local damage is never published) and a zstd compressor
with pinned parameters; the compressed bytes are hashed as they are
written. The frame records the archive size, which makes the output the
same for any number of compression threads.

Unpacking hashes the compressed bytes as they arrive, decompresses them
into :mod:`sx.store.cache.unpack`, and then checks the compressed file's hash
and size, the archive's hash and size, and (for self-describing kinds) that
the path follows from the contents: nothing is trusted until all of it
matches.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import IO, BinaryIO, cast

import zstandard
from sx.store import nar
from sx.store.cache.layout import ZSTD_LEVEL, CachedPath
from sx.store.cache.unpack import restore_whole
from sx.store.errors import Corrupt, HashMismatch, InvalidInput, StorageError
from sx.store.fsutil import canonicalize, early_writeback
from sx.store.hashing import Digest, Hasher
from sx.store.info import PathInfo
from sx.store.local import LocalStore, TempDir
from sx.store.path import make_path

_CHUNK = 1 << 20
_MULTI = 4 << 20


@dataclass(frozen=True)
class Packed:
    """A compressed archive written to a local file."""

    file: str
    file_hash: Digest
    file_size: int


class _HashingWriter:
    """Writes to a file, hashing and counting what goes through."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.hasher = Hasher("b3")

    def write(self, data: bytes | memoryview) -> int:
        self.hasher.update(data)
        return self.f.write(data)


class _PackSink:
    """An archive sink: hash each chunk, then feed it to the compressor."""

    def __init__(self, compressor: zstandard.ZstdCompressionWriter) -> None:
        self.compressor = compressor
        self.hasher = Hasher("b3")

    def update(self, data: bytes | memoryview) -> None:
        self.hasher.update(data)
        self.compressor.write(data)

    def update_file(self, path: str, size: int) -> None:
        with open(path, "rb") as f:
            left = size
            while left:
                chunk = f.read(min(_CHUNK, left))
                if not chunk:
                    raise Corrupt(f"read {path}: file shrank while archiving")
                self.update(chunk)
                left -= len(chunk)


def compressor(size: int) -> zstandard.ZstdCompressor:
    """The pinned compressor for an archive of ``size`` bytes.

    Always zstd's multi-threaded mode, whose output does not depend on the
    number of threads (given the size up front); small archives use one
    worker, which saves starting more.
    """
    threads = -1 if size >= _MULTI else 1
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=threads, write_checksum=True)


def pack_path(store: LocalStore, info: PathInfo, scratch: str) -> Packed:
    """Compress the archive of a valid path into a new file under ``scratch``."""
    dest = os.path.join(scratch, f"pack-{secrets.token_hex(8)}.nar.zst")
    try:
        with open(dest, "xb") as f:
            out = _HashingWriter(f)
            # The writer only calls write(); the cast satisfies the stub's IO[bytes].
            writer = compressor(info.nar_size).stream_writer(
                cast(IO[bytes], out), size=info.nar_size, closefd=False)
            sink = _PackSink(writer)
            try:
                nar.dump(store.real_path(info.path), sink)
                writer.flush(zstandard.FLUSH_FRAME)
            except zstandard.ZstdError as e:
                # The frame declares the recorded size: other contents do not fit it.
                raise HashMismatch(
                    f"upload {info.path}: local contents hash to a different archive than "
                    f"recorded ({e}); run 'sx store verify --check-contents'") from e
        got = sink.hasher.digest()
        if got != info.nar_hash or sink.hasher.size != info.nar_size:
            raise HashMismatch(
                f"upload {info.path}: local contents hash to {got} ({sink.hasher.size} bytes), "
                f"recorded {info.nar_hash} ({info.nar_size} bytes); "
                "run 'sx store verify --check-contents'")
        return Packed(dest, out.hasher.digest(), out.hasher.size)
    except BaseException as e:
        if os.path.lexists(dest):
            os.unlink(dest)
        if isinstance(e, OSError):
            raise StorageError(f"upload {info.path}: {e.strerror or e}") from e
        raise


class _HashingReader:
    """Reads a stream, hashing and counting the bytes read."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.hasher = Hasher("b3")

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.hasher.update(data)
        return data

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


def unpack_archive(store: LocalStore, tmp: TempDir, stream: BinaryIO, rec: CachedPath,
                   where: str) -> str:
    """Restore a record's archive from ``stream`` into ``tmp``; returns the checked object."""
    what = f"{rec.path} from {where}"
    obj = os.path.join(tmp.path, "obj")
    raw = _HashingReader(stream)
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(
            cast(IO[bytes], raw), read_size=_CHUNK, read_across_frames=False)
        with early_writeback(store.tmp):
            nar_hash, nar_size = restore_whole(reader.read, obj, what)
        raw.drain()
    except zstandard.ZstdError as e:
        raise Corrupt(f"fetch {what}: archive {rec.archive_key} does not decompress: {e}") from e
    except OSError as e:  # writing into the store's temp dir: a local failure
        raise StorageError(f"fetch {what}: {e.strerror or e}") from e
    if raw.hasher.size != rec.file_size:
        raise Corrupt(f"fetch {what}: archive {rec.archive_key} is {raw.hasher.size} bytes, "
                      f"record says {rec.file_size}")
    if raw.hasher.digest() != rec.file_hash:
        raise HashMismatch(f"fetch {what}: archive file hash {raw.hasher.digest()}, "
                           f"expected {rec.file_hash}")
    _check_archive(rec.info, nar_hash, nar_size, what)
    canonicalize(obj)
    return obj


def _check_archive(info: PathInfo, nar_hash: Digest, nar_size: int, what: str) -> None:
    """The unpacked archive is the one the (signed) record describes; its path follows
    from it where the path's kind says so."""
    if nar_size != info.nar_size:
        raise Corrupt(f"fetch {what}: archive is {nar_size} bytes, record says {info.nar_size}")
    if nar_hash != info.nar_hash:
        raise HashMismatch(f"fetch {what}: archive hash {nar_hash}, expected {info.nar_hash}")
    kind, _, h = (info.ca or "").partition(":")
    if kind not in ("source", "drv"):
        return
    try:
        declared = Digest.parse(h)
    except InvalidInput as e:
        raise Corrupt(f"fetch {what}: bad content address {info.ca!r}") from e
    want = make_path(kind, nar_hash, info.path.name, info.references)
    if declared != nar_hash or want != info.path:
        raise HashMismatch(f"fetch {what}: content address gives {want}")
