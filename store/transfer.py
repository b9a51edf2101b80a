"""The export format: several store paths with their metadata, in one stream.

``sx store export`` writes, and ``sx store import`` reads::

    "sx-export-1\\n"
    repeated:  u8 1, u32 length, canonical msgpack header, NAR bytes
    u8 0       (end marker)

Paths are written references-first. Import unpacks everything into temp
dirs, checks each archive's size and BLAKE3 hash against its header, checks
that every reference is either valid or part of the same stream, and only
then registers all paths in one transaction: a corrupt or truncated stream
registers nothing.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from contextlib import ExitStack
from typing import BinaryIO

from sx.store.encoding import pack, unpack
from sx.store.errors import Corrupt, InvalidInput
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx.store.registration import Prepared

MAGIC = b"sx-export-1\n"


def export_paths(store: LocalStore, paths: Iterable[StorePath], out: BinaryIO) -> int:
    """Write ``paths`` (not their closure) references-first; returns how many."""
    ordered = store.topo_sort(paths)
    out.write(MAGIC)
    for p in ordered:
        info = store.require(p)
        header = pack({"path": p.base, **info.to_record()})
        out.write(struct.pack("<BI", 1, len(header)))
        out.write(header)
        store.dump(p, out)
    out.write(b"\0")
    return len(ordered)


def _read_exact(f: BinaryIO, n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise Corrupt(f"import {what}: truncated (unexpected end of data)")
    return data


def import_paths(store: LocalStore, f: BinaryIO, what: str = "stream") -> list[PathInfo]:
    """Read an export stream and register its paths atomically (all or nothing)."""
    if f.read(len(MAGIC)) != MAGIC:
        raise Corrupt(f"import {what}: not an sx export stream (bad magic)")
    with ExitStack() as stack:
        items: list[Prepared] = []
        while True:
            tag = _read_exact(f, 1, what)
            if tag == b"\0":
                break
            if tag != b"\1":
                raise Corrupt(f"import {what}: bad entry tag {tag!r}")
            (length,) = struct.unpack("<I", _read_exact(f, 4, what))
            if length > 1 << 24:
                raise Corrupt(f"import {what}: header of {length} bytes is too large")
            rec = unpack(_read_exact(f, length, what), f"header in {what}")
            base = rec.pop("path", None) if isinstance(rec, dict) else None
            if not isinstance(base, str):
                raise Corrupt(f"import {what}: bad header: no store path")
            try:
                path = StorePath.from_base(base)
            except InvalidInput as e:
                raise Corrupt(f"import {what}: bad header: {e}") from e
            try:
                info = PathInfo.from_record(path, rec)
            except Corrupt as e:
                raise Corrupt(f"import {what}: bad header: {e}") from e
            tmp = stack.enter_context(store.temp_dir())
            items.append(store.restore_nar(tmp, f.read, info, f"{path} in {what}"))
        if f.read(1):
            raise Corrupt(f"import {what}: trailing data after end marker")
        return store.install_many(items, f"import {what}:")
