"""``builtin:unpack``: tarballs and Debian packages into a directory, safely.

Env ``src`` (a store path, or a file inside one, from the inputs) is a
``.tar``, ``.tar.gz``, ``.tar.bz2``, ``.tar.xz`` or a ``.deb`` (its
``data.tar.*``, read with a small ``ar`` reader); env ``strip`` = ``1``
removes a single top-level directory. Absolute names, ``..`` and members
that would pass through a symlink are refused; special files are skipped.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
from collections.abc import Iterator
from typing import BinaryIO

import zstandard
from sx.derivations.build.builtins import CHUNK, BuiltinContext
from sx.derivations.build.errors import BuildError
from sx.store.errors import InvalidInput
from sx.store.path import StorePath


def _input_file(ctx: BuiltinContext, text: str) -> str:
    """The host file for a store path (or a file inside one) among the inputs."""
    try:
        path, rest = StorePath.split(text)
    except InvalidInput as e:
        raise BuildError(f"build {ctx.drv_path}: src {text!r} is not a store path") from e
    host = ctx.inputs.get(path.base)
    if host is None:
        raise BuildError(f"build {ctx.drv_path}: src {path} is not an input of the derivation")
    if ".." in rest.split("/"):
        raise BuildError(f"build {ctx.drv_path}: src {text!r}: '..' is not allowed")
    return os.path.join(host, rest) if rest else host


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


def _deb_data(path: str) -> tarfile.TarFile:
    f = open(path, "rb")  # noqa: SIM115
    for name, size in _ar_members(f, path):
        if not name.startswith("data.tar"):
            continue
        raw = f.read(size)
        f.close()
        if name.endswith(".zst"):
            raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read()
        return tarfile.open(fileobj=io.BytesIO(raw), mode="r:*")
    f.close()
    raise BuildError(f"unpack {path}: no data.tar member in the .deb")


def _open_archive(path: str) -> tarfile.TarFile:
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic == b"!<arch>\n":
        return _deb_data(path)
    try:
        return tarfile.open(path, mode="r:*")
    except (tarfile.TarError, OSError) as e:
        raise BuildError(f"unpack {path}: not a readable tar archive ({e})") from e


def _member_parts(name: str, what: str) -> list[str]:
    if name.startswith("/"):
        raise BuildError(f"unpack {what}: absolute member name {name!r} refused")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BuildError(f"unpack {what}: member name {name!r} with '..' refused")
    return parts


def _safe_parent(dest: str, parts: list[str], what: str) -> str:
    cur = dest
    for p in parts[:-1]:
        cur = os.path.join(cur, p)
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            os.mkdir(cur, 0o755)
            continue
        if not stat.S_ISDIR(st.st_mode):
            raise BuildError(f"unpack {what}: member {'/'.join(parts)!r} passes through a "
                             "non-directory (symlink?)")
    return os.path.join(cur, parts[-1])


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
    members = tar.getmembers()
    top = _strip_prefix(members, what) if strip else None
    os.mkdir(dest, 0o755)
    done: dict[str, str] = {}

    def local(name: str) -> list[str]:
        parts = _member_parts(name, what)
        return parts[1:] if top is not None and parts[:1] == [top] else parts

    for m in members:
        ctx.checkpoint()
        parts = local(m.name)
        if not parts:
            continue
        target = _safe_parent(dest, parts, what)
        if m.isdir():
            if not os.path.isdir(target) or os.path.islink(target):
                os.mkdir(target, 0o755)
            continue
        if os.path.lexists(target):
            if os.path.isdir(target) and not os.path.islink(target):
                raise BuildError(f"unpack {what}: member {m.name!r} replaces a directory")
            os.unlink(target)
        if m.issym():
            os.symlink(m.linkname, target)
        elif m.islnk():
            src = done.get("/".join(local(m.linkname)))
            if src is None:
                raise BuildError(f"unpack {what}: hard link {m.name!r} to unknown member")
            shutil.copyfile(src, target)
            os.chmod(target, os.stat(src).st_mode & 0o755)
        elif m.isfile():
            data = tar.extractfile(m)
            assert data is not None
            with open(target, "wb") as out:
                shutil.copyfileobj(data, out, CHUNK)
            os.chmod(target, 0o755 if m.mode & 0o111 else 0o644)
        else:
            ctx.log(f"skipping special file {m.name!r}\n")
            continue
        done["/".join(parts)] = target


def unpack(ctx: BuiltinContext) -> None:
    """Unpack env ``src`` into the output directory."""
    src_text = ctx.env.get("src", "")
    src = _input_file(ctx, src_text)
    strip = ctx.env.get("strip", "") == "1"
    ctx.log(f"unpacking {src_text}\n")
    try:
        with _open_archive(src) as tar:
            _extract(tar, ctx.out, strip, ctx, src_text)
    except (tarfile.TarError, EOFError, zstandard.ZstdError) as e:
        raise BuildError(f"unpack {src_text}: corrupt archive ({e})") from e
