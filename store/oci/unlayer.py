"""One image layer back into store trees: bounded reads, nothing created outside them.

A layer made by ``sx export-oci`` holds ``sx/``, ``sx/store/`` and, for each
store path it declares (the ``dev.sx.store.paths`` annotation), the path's
tree under ``sx/store/<digest>-<name>``; entries outside ``sx/`` (the
``--link`` symlinks) belong to the image only and are skipped. Each store
path gets its own :class:`~sx.store.extract.Extractor` in its own temp dir,
so an entry can neither leave its tree nor pass through a symlink (a layer
that plants ``evil -> /`` and then ``evil/etc/cron.d/x`` is refused at the
second entry, before anything is written).

Bounds, all checked before the bytes are read: a path's file contents may
not exceed the archive size its record declares; the uncompressed layer may
not exceed :func:`layer_limit` of the declared sizes (``--link`` targets and
tar headers included).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, cast

import zstandard
from sx.store.errors import Corrupt
from sx.store.extract import Extractor
from sx.store.fdio import write_all
from sx.store.info import PathInfo
from sx.store.tempdir import TempDir

_CHUNK = 1 << 20
# A tar member costs at most a few KiB of headers and padding (a PAX header
# with a path of up to 3,840 bytes, block padding) where the archive spends a
# few hundred bytes of framing on it; this factor covers any layer sx writes.
_TAR_PER_NAR = 16
_SLACK = 1 << 20


def layer_limit(infos: list[PathInfo]) -> int:
    """The most uncompressed bytes a layer declaring ``infos`` may hold."""
    return _TAR_PER_NAR * sum(i.nar_size for i in infos) + _SLACK


@dataclass
class Pending:
    """A store path being unpacked from a layer."""

    info: PathInfo
    tmp: TempDir
    obj: str
    ex: Extractor | None = None
    written: int = 0


class _LayerReader:
    """Passes reads through, hashing them (the diff_id) and refusing more than ``limit``."""

    def __init__(self, f: IO[bytes], limit: int, what: str) -> None:
        self.f = f
        self.limit = limit
        self.what = what
        self.size = 0
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        room = self.limit + 1 - self.size
        data = self.f.read(room if n < 0 else min(n, room))
        self.size += len(data)
        if self.size > self.limit:
            raise Corrupt(f"import-oci {self.what}: inflates to more than the {self.limit} "
                          "bytes its paths' recorded sizes allow")
        self.sha.update(data)
        return data

    def finish(self) -> str:
        """Read to the end (the end-of-archive blocks count too) and return the diff_id."""
        while self.read(_CHUNK):
            pass
        return f"sha256:{self.sha.hexdigest()}"


@contextmanager
def open_layer(blob: IO[bytes], kind: str, limit: int, what: str
               ) -> Iterator[tuple[tarfile.TarFile, _LayerReader]]:
    """The layer's tar, read as a stream from the (maybe compressed) blob."""
    raw: IO[bytes] = blob
    if kind.endswith("+gzip"):
        raw = cast(IO[bytes], gzip.GzipFile(fileobj=blob, mode="rb"))
    elif kind.endswith("+zstd"):
        raw = zstandard.ZstdDecompressor().stream_reader(blob, read_across_frames=True)
    reader = _LayerReader(raw, limit, what)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            yield tar, reader
    except (tarfile.TarError, EOFError, zlib.error, zstandard.ZstdError,
            gzip.BadGzipFile) as e:
        raise Corrupt(f"import-oci {what}: unreadable: {e}") from e


def extract(tar: tarfile.TarFile, declared: dict[str, Pending], what: str) -> None:
    """Unpack the members of ``tar`` into the trees of the ``declared`` paths (by base)."""
    try:
        for member in tar:
            parts = _member_parts(member.name, what)
            if parts[0] != "sx":
                continue  # the --link symlinks: part of the image, not of the store
            if len(parts) <= 2:
                if parts != ["sx", "store"][: len(parts)] or not member.isdir():
                    raise Corrupt(f"import-oci {what}: unexpected entry {member.name!r}")
                continue
            item = declared.get(parts[2])
            if item is None:
                raise Corrupt(f"import-oci {what}: {member.name!r} belongs to no declared path")
            if len(parts) == 3:
                if item.ex is not None:
                    raise Corrupt(f"import-oci {what}: {member.name!r} appears twice")
                item.ex = Extractor(item.obj, f"import-oci {what}: {item.info.path}")
            elif item.ex is None:
                raise Corrupt(f"import-oci {what}: {member.name!r} comes before its store path")
            _create(tar, member, item, parts[3:], what)
    finally:
        for item in declared.values():
            if item.ex is not None:
                item.ex.close()


def _member_parts(name: str, what: str) -> list[str]:
    parts = name.split("/")
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise Corrupt(f"import-oci {what}: unsafe entry name {name[:200]!r}")
    return parts


def _create(tar: tarfile.TarFile, member: tarfile.TarInfo, item: Pending, rel: list[str],
            what: str) -> None:
    ex = item.ex
    assert ex is not None
    if member.isdir():
        ex.mkdir(rel)
    elif member.issym():
        ex.symlink(rel, member.linkname)
    elif member.isreg():
        size = member.size
        if size > item.info.nar_size - item.written:
            raise Corrupt(f"import-oci {what}: {member.name[:200]!r}: {size} bytes of contents "
                          f"do not fit the {item.info.nar_size} bytes recorded for "
                          f"{item.info.path}")
        item.written += size
        fd = ex.create_file(rel, executable=bool(member.mode & 0o100))
        try:
            _copy(tar, member, fd, what)
        finally:
            os.close(fd)
    else:
        raise Corrupt(f"import-oci {what}: {member.name[:200]!r}: unsupported entry type "
                      "(only directories, regular files and symlinks)")


def _copy(tar: tarfile.TarFile, member: tarfile.TarInfo, fd: int, what: str) -> None:
    src = tar.extractfile(member)
    assert src is not None
    left = member.size
    while left:
        chunk = src.read(min(_CHUNK, left))
        if not chunk:
            raise Corrupt(f"import-oci {what}: {member.name[:200]!r}: truncated")
        left -= len(chunk)
        write_all(fd, chunk)
