"""``builtin:unpack``: tarballs and Debian packages into a directory, safely.

Env ``src`` (a store path, or a file inside one, from the inputs) is a
``.tar``, ``.tar.gz``, ``.tar.bz2``, ``.tar.xz`` or a ``.deb`` (its
``data.tar.*``, read with a small ``ar`` reader); env ``strip`` = ``1``
removes a single top-level directory. Absolute names, ``..`` and members
that would pass through a symlink are refused; special files are skipped.
"""

from __future__ import annotations

import io
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

import zstandard
from sx.derivations.build.builtins import CHUNK, BuiltinContext
from sx.derivations.build.errors import BuildError
from sx.store.errors import Corrupt, InvalidInput
from sx.store.extract import Extractor
from sx.store.path import StorePath


def _input_file(ctx: BuiltinContext, text: str) -> int:
    """A descriptor on the regular file ``text`` names, which must lie within the inputs.

    Symlinks inside an input are followed only as far as they stay within
    the inputs (the sandbox holds nothing else anyway).
    """
    try:
        path, rest = StorePath.split(text)
    except InvalidInput as e:
        raise BuildError(f"build {ctx.drv_path}: src {text!r} is not a store path") from e
    host = ctx.inputs.get(path.base)
    if host is None:
        raise BuildError(f"build {ctx.drv_path}: src {path} is not an input of the derivation")
    if ".." in rest.split("/"):
        raise BuildError(f"build {ctx.drv_path}: src {text!r}: '..' is not allowed")
    real = os.path.realpath(os.path.join(host, rest) if rest else host)
    if not any(real == r or real.startswith(r + "/") for r in ctx.inputs.values()):
        raise BuildError(f"unpack {text}: leads outside the inputs of the derivation")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise BuildError(f"unpack {text}: {(e.strerror or str(e)).lower()}") from e
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BuildError(f"unpack {text}: not a regular file")
    os.set_blocking(fd, True)
    return fd


def _ar_members(f: BinaryIO, what: str) -> Iterator[tuple[str, int]]:
    """(name, size) of each member of an ``ar`` archive; leaves ``f`` at the member's data."""
    if f.read(8) != b"!<arch>\n":
        raise BuildError(f"unpack {what}: not an ar archive")
    while True:
        header = f.read(60)
        if not header:
            return
        if len(header) != 60 or header[58:60] != b"`\n":
            raise BuildError(f"unpack {what}: truncated or malformed ar header")
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        try:
            size = int(header[48:58].decode("ascii").strip())
        except ValueError as e:
            raise BuildError(f"unpack {what}: bad ar member size") from e
        start = f.tell()
        yield name, size
        f.seek(start + size + (size % 2))


class _Slice(io.RawIOBase):
    """``size`` bytes of ``f`` from ``start``: one ar member, read in place."""

    def __init__(self, f: BinaryIO, start: int, size: int) -> None:
        super().__init__()
        self._f, self._start, self._size, self._pos = f, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, min(self._size, base + offset))
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, b: Any) -> int:
        n = min(len(b), self._size - self._pos)
        if n <= 0:
            return 0
        self._f.seek(self._start + self._pos)
        data = self._f.read(n)
        b[:len(data)] = data
        self._pos += len(data)
        return len(data)


def _deb_data(f: BinaryIO, what: str) -> tarfile.TarFile:
    """The ``data.tar.*`` member of a .deb, read in place (zstd: through a temp file)."""
    for name, size in _ar_members(f, what):
        if not name.startswith("data.tar"):
            continue
        member: BinaryIO = io.BufferedReader(_Slice(f, f.tell(), size), CHUNK)
        if name.endswith(".zst"):
            member = _unzstd(member)
        return tarfile.open(fileobj=member, mode="r:*")
    raise BuildError(f"unpack {what}: no data.tar member in the .deb")


def _unzstd(src: BinaryIO) -> BinaryIO:
    """Decompress into an unnamed temp file (in the build dir): tarfile needs to seek."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, for tarfile to read
    with zstandard.ZstdDecompressor().stream_reader(src) as r:
        shutil.copyfileobj(r, out, CHUNK)
    out.seek(0)
    return cast(BinaryIO, out)


def _open_archive(fd: int, what: str) -> tarfile.TarFile:
    f = os.fdopen(fd, "rb")
    if f.read(8) == b"!<arch>\n":
        f.seek(0)
        return _deb_data(f, what)
    f.seek(0)
    try:
        return tarfile.open(fileobj=f, mode="r:*")
    except (tarfile.TarError, OSError) as e:
        raise BuildError(f"unpack {what}: not a readable tar archive ({e})") from e


def _member_parts(name: str, what: str) -> list[str]:
    if name.startswith("/"):
        raise BuildError(f"unpack {what}: absolute member name {name!r} refused")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BuildError(f"unpack {what}: member name {name!r} with '..' refused")
    return parts


def _strip_prefix(members: list[tarfile.TarInfo], what: str) -> str | None:
    tops = {(_member_parts(m.name, what) or [""])[0] for m in members}
    tops.discard("")
    if len(tops) != 1:
        return None
    top = tops.pop()
    for m in members:
        if _member_parts(m.name, what) == [top] and not m.isdir():
            return None
    return top


def _extract(tar: tarfile.TarFile, dest: str, strip: bool, ctx: BuiltinContext,
             what: str) -> None:
    """Every member through the store's extractor: nothing outside ``dest``, no symlink followed."""
    members = tar.getmembers()
    top = _strip_prefix(members, what) if strip else None

    def local(name: str) -> list[str]:
        parts = _member_parts(name, what)
        return parts[1:] if top is not None and parts[:1] == [top] else parts

    try:
        with Extractor(dest, f"unpack {what}", parents=True, replace=True) as ex:
            ex.mkdir([])
            for m in members:
                ctx.checkpoint()
                parts = local(m.name)
                if not parts:
                    continue
                if m.isdir():
                    ex.mkdir(parts, exist_ok=True)
                elif m.issym():
                    ex.symlink(parts, m.linkname)
                elif m.islnk():
                    # Only a regular file this archive created before: never a
                    # symlink, a directory or anything outside (the extractor checks).
                    ex.hardlink(parts, local(m.linkname))
                elif m.isfile():
                    data = tar.extractfile(m)
                    assert data is not None
                    fd = ex.create_file(parts, executable=bool(m.mode & 0o111))
                    with os.fdopen(fd, "wb") as out:
                        shutil.copyfileobj(data, out, CHUNK)
                else:
                    ctx.log(f"skipping special file {m.name!r}\n")
    except Corrupt as e:
        raise BuildError(str(e)) from None


_CORRUPT = (tarfile.TarError, EOFError, zstandard.ZstdError, lzma.LZMAError, zlib.error)


def unpack(ctx: BuiltinContext) -> None:
    """Unpack env ``src`` into the output directory."""
    src_text = ctx.env.get("src", "")
    fd = _input_file(ctx, src_text)
    strip = ctx.env.get("strip", "") == "1"
    ctx.log(f"unpacking {src_text}\n")
    try:
        with _open_archive(fd, src_text) as tar:
            _extract(tar, ctx.out, strip, ctx, src_text)
    except _CORRUPT as e:
        raise BuildError(f"unpack {src_text}: corrupt archive ({e})") from e
    except OSError as e:
        if e.errno is not None:
            raise  # the file system: space, names it refuses
        # gzip and bz2 report damaged data as an OSError without an errno.
        raise BuildError(f"unpack {src_text}: corrupt archive ({e})") from e
