"""The NAR format's definition: its strings, fixed tokens and limits, in one place.

Every reader and writer of archives (``narwrite``, ``nar``) and every
extractor that creates store trees (``extract``, the OCI importer) takes its
tokens and limits from here, so they cannot disagree about what an archive
or a store object may hold. The grammar is in docs/archive.md.
"""

from __future__ import annotations

import struct

MAGIC = b"nix-archive-1"

MAX_NAME = 255
"""Bytes in one entry name (Linux's NAME_MAX)."""

MAX_TARGET = 4095
"""Bytes in a symlink target (PATH_MAX less its NUL: ``symlink(2)`` refuses more)."""

MAX_PATH = 3840
"""Bytes in an entry's path inside its object (``a/b/c``, without the object itself).

Chosen so that ``/sx/store/<any digest and name>/<path>`` stays within
PATH_MAX (4095 bytes): 10 for ``/sx/store/``, 244 for the longest base name,
1 for the slash. Every file of every object can be named by absolute path.
"""

MAX_DEPTH = 1024
"""Components of an entry's path inside its object (``a/b/c`` has 3). PATH_MAX
alone would allow ~1,900 one-letter levels; no real tree comes near 1,024,
and the bound keeps every walker's per-level state small."""

MAX_ENTRIES = 1 << 20
"""Entries (files, directories, symlinks) in one object, the object included."""

MAX_TOKEN = 1 << 16
"""Bytes in a framing string (tags, names, targets); refused before allocating."""

_U64 = struct.Struct("<Q")
_PAD = b"\0" * 8


def frame(data: bytes) -> bytes:
    """One archive string: u64 little-endian length, the bytes, zero padding to 8."""
    n = len(data)
    return _U64.pack(n) + data + _PAD[: (-n) % 8]


def padding(n: int) -> bytes:
    """The zero bytes that follow a string of ``n`` bytes."""
    return _PAD[: (-n) % 8]


OPEN = frame(b"(")
CLOSE = frame(b")")
TYPE = frame(b"type")
HEADER = frame(MAGIC) + OPEN + TYPE
"""The bytes every archive starts with, up to the root node's type."""
REGULAR = frame(b"regular")
EXECUTABLE = frame(b"executable") + frame(b"")
CONTENTS = frame(b"contents")
SYMLINK = frame(b"symlink")
TARGET = frame(b"target")
DIRECTORY = frame(b"directory")
ENTRY = frame(b"entry") + OPEN + frame(b"name")
"""What comes before an entry's name."""
NODE = frame(b"node") + OPEN + TYPE
"""What comes between an entry's name and its node's type."""


def file_archive(data: bytes) -> bytes:
    """The whole archive of one non-executable regular file holding ``data``."""
    return HEADER + REGULAR + CONTENTS + frame(data) + CLOSE


def name_problem(name: bytes) -> str | None:
    """Why ``name`` cannot be an entry name, or None when it can."""
    if not name or name in (b".", b".."):
        return f"invalid entry name {name!r}"
    if b"/" in name or b"\0" in name:
        return f"invalid entry name {name[:60]!r}"
    if len(name) > MAX_NAME:
        return f"invalid entry name {name[:40]!r}... ({len(name)} bytes, more than {MAX_NAME})"
    return None


def target_problem(target: bytes) -> str | None:
    """Why ``target`` cannot be a symlink target, or None when it can."""
    if not target or b"\0" in target:
        return f"invalid symlink target {target[:60]!r}"
    if len(target) > MAX_TARGET:
        return f"invalid symlink target of {len(target)} bytes (more than {MAX_TARGET})"
    return None


def shown_path(parts: tuple[bytes, ...] | list[bytes]) -> str:
    """An entry's path for a one-line message: decoded, and cut short when long."""
    text = "/".join(p.decode(errors="replace") for p in parts) or "."
    return text if len(text) <= 120 else f"{text[:60]}...{text[-40:]} ({len(parts)} levels)"
