"""Compressed archives: a store path to a ``.nar.zst`` file and back, hashing on the way.

Packing streams the path's archive through BLAKE3 (checked against the
recorded hash, so local damage is never published) and a zstd compressor
with pinned parameters; the compressed bytes are hashed as they are
written. The frame records the archive size, which makes the output the
same for any number of compression threads.

Unpacking hashes the compressed bytes as they arrive and decompresses them
into :func:`sx.store.nar.restore`, reading and writing no more than the
record declares; it checks the compressed file's hash and size, and the
store's registration checks the archive's hash and size, references and
content address: nothing is trusted until all of it matches.
"""

from __future__ import annotations

import os
from typing import IO, BinaryIO, cast

import zstandard
from sx.store import nar
from sx.store.cache.layout import ZSTD_LEVEL, CachedPath
from sx.store.cache.readahead import ReadAhead
from sx.store.errors import Corrupt, HashMismatch, StorageError
from sx.store.fsutil import early_writeback, stream_file
from sx.store.hashing import Digest, Hasher
from sx.store.info import PathInfo
from sx.store.local import LocalStore, TempDir
from sx.store.registration import Prepared
from sx.store.value import Value

_CHUNK = 1 << 20
_MULTI = 4 << 20
_AHEAD = 4  # decompressed chunks read ahead of the restore: 4 MiB at most per download


class Packed(Value):
    """A compressed archive written to a local file."""

    __slots__ = _fields = ("file", "file_hash", "file_size")
    file: str
    file_hash: Digest
    file_size: int

    def __init__(self, file: str, file_hash: Digest, file_size: int) -> None:
        self._set("file", file)
        self._set("file_hash", file_hash)
        self._set("file_size", file_size)


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
        stream_file(path, size, self.update, "pack")


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
    dest = os.path.join(scratch, f"pack-{os.urandom(8).hex()}.nar.zst")
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
    """Reads a stream, hashing and counting the bytes read; never more than ``limit`` + 1."""

    def __init__(self, f: BinaryIO, limit: int) -> None:
        self.f = f
        self.limit = limit
        self.hasher = Hasher("b3")

    def read(self, n: int = -1) -> bytes:
        room = self.limit + 1 - self.hasher.size
        if room <= 0:
            return b""
        data = self.f.read(room if n < 0 else min(n, room))
        self.hasher.update(data)
        return data

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


def unpack_archive(store: LocalStore, tmp: TempDir, stream: BinaryIO, rec: CachedPath,
                   where: str) -> Prepared:
    """Restore a record's archive from ``stream`` into ``tmp``, ready to be installed.

    Reads at most one byte more than the record's compressed size, and
    writes at most its archive size: a file that is longer, or inflates to
    more, is refused as soon as it passes the declared size. A thread reads
    and decompresses up to 4 MiB ahead of the restore; it has stopped when
    this returns or raises, and a failure leaves nothing in ``tmp``. The compressed
    file's hash is checked here; the archive's hash, references and content
    address when the store installs it.
    """
    what = f"{rec.path} from {where}"
    obj = os.path.join(tmp.path, "obj")
    raw = _HashingReader(stream, rec.file_size)
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(
            cast(IO[bytes], raw), read_size=_CHUNK, read_across_frames=False)
        # The thread reads, hashes and decompresses the next chunks while this one
        # restores; it stops one byte past the archive size (or at the first error).
        with ReadAhead(reader.read, rec.info.nar_size + 1, _CHUNK, _AHEAD) as ahead, \
                early_writeback(store.tmp, rec.info.nar_size):
            measured = nar.restore(ahead.read, obj, what, size=rec.info.nar_size,
                                   scan=[r.digest for r in rec.info.references], canonical=True)
            if ahead.read(1):
                raise Corrupt(f"fetch {what}: archive {rec.archive_key} inflates to more "
                              f"than the recorded {rec.info.nar_size} bytes")
        raw.drain()
    except zstandard.ZstdError as e:
        raise Corrupt(f"fetch {what}: archive {rec.archive_key} does not decompress: {e}") from e
    except OSError as e:  # writing into the store's temp dir: a local failure
        raise StorageError(f"fetch {what}: {e.strerror or e}") from e
    if raw.hasher.size > rec.file_size:
        raise Corrupt(f"fetch {what}: archive {rec.archive_key} is larger than the "
                      f"{rec.file_size} bytes its record says")
    if raw.hasher.size != rec.file_size:
        raise Corrupt(f"fetch {what}: archive {rec.archive_key} is {raw.hasher.size} bytes, "
                      f"record says {rec.file_size}")
    if raw.hasher.digest() != rec.file_hash:
        raise HashMismatch(f"fetch {what}: archive file hash {raw.hasher.digest()}, "
                           f"expected {rec.file_hash}")
    return Prepared(tmp, obj, rec.info, measured)
