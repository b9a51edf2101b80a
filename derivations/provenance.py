"""Provenance: which binaries a build rests on without having been built from source.

Walks the build-time closure of a path (its deriver's whole input graph).
Only what *entered* the store rather than being built in a sandbox from
its inputs can bring machine code in unseen: fixed-output fetches, the
outputs of sx's builtin builders (``builtin:write`` puts a recipe's bytes
in the store, ``builtin:unpack`` extracts an archive) and source paths.
Those are reported as **binaries** when:

* a fixed output is marked ``binary-seed`` in its metadata (the hex0 seed,
  pinned Debian binary packages);
* any of them holds an executable (ELF, PE, Mach-O, wasm, Java class) or
  an ``ar`` archive;
* the output of ``builtin:write`` or ``builtin:unpack``, or a source path,
  holds any other archive or compressed file (tar, gzip, xz, zip, cpio...):
  an opaque blob that a later step could unpack into machine code.

``builtin:unpack`` of a marked binary seed is not listed again: the seed
covers what it holds. A builtin output that is not in the store is judged
from its derivation where possible (``builtin:write`` carries its bytes)
and otherwise reported as unknown.

Fetched files that are none of the above (source tarballs, patches) are
**sources**: listed separately with the hashes that pin them. What is inside
a fetched compressed tarball is not examined here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from sx.derivations.graph import build_order
from sx.derivations.hashing import fixed_output_path
from sx.derivations.instantiate import load_derivation
from sx.derivations.model import BUILTIN_FETCHURL, BUILTIN_UNPACK, BUILTIN_WRITE, Derivation
from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import StorePath

HEAD = 512
"""Bytes of each file read to recognise its format (a tar header's size)."""

_EXECUTABLES: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "ELF"),
    (b"!<arch>\n", "ar archive"),
    (b"!<thin>\n", "ar archive"),
    (b"\xfe\xed\xfa\xce", "Mach-O"), (b"\xfe\xed\xfa\xcf", "Mach-O"),
    (b"\xce\xfa\xed\xfe", "Mach-O"), (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", "Mach-O or Java class"),
    (b"\0asm", "wasm"),
)
_ARCHIVES: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"), (b"\x1f\x9d", "compress"), (b"BZh", "bzip2"),
    (b"\xfd7zXZ\0", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"LZIP", "lzip"),
    (b"\x04\x22\x4d\x18", "lz4"), (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"), (b"070701", "cpio"), (b"070702", "cpio"),
    (b"070707", "cpio"), (b"\xc7\x71", "cpio"), (b"\xed\xab\xee\xdb", "rpm"),
    (b"hsqs", "squashfs"),
)


@dataclass(frozen=True)
class Seed:
    """One binary input of a build-time closure."""

    path: StorePath
    size: int
    reason: str
    drv: StorePath | None


@dataclass(frozen=True)
class Fetched:
    """A fetched source of a build-time closure: no binaries in it, pinned by hash."""

    path: StorePath
    hashes: tuple[Digest, ...]
    drv: StorePath


@dataclass(frozen=True)
class Report:
    """The binaries and the fetched sources a build-time closure rests on."""

    binaries: list[Seed]
    sources: list[Fetched]


def _is_tar(head: bytes) -> bool:
    """A tar header: the ``ustar`` magic, or (old v7 archives) a valid header checksum."""
    if len(head) < HEAD:
        return False
    if head[257:262] == b"ustar":
        return True
    field = head[148:156].split(b"\0", 1)[0].strip()
    if not field or any(c not in b"01234567" for c in field):
        return False
    return int(field, 8) == sum(head[:148]) + 8 * 32 + sum(head[156:HEAD])


def _is_pe(head: bytes) -> bool:
    if not head.startswith(b"MZ") or len(head) < 64:
        return False
    at = int.from_bytes(head[60:64], "little")
    return at + 4 <= len(head) and head[at:at + 4] == b"PE\0\0"


EMPTY_AR = (b"!<arch>\n", b"!<thin>\n")
"""An ``ar`` archive with no member (its magic alone, the whole file): it holds nothing
to run (musl's empty ``libm.a``... are written so)."""


def binary_kind(head: bytes) -> str | None:
    """The executable or ``ar`` format that ``head`` (a file's first bytes) starts, or None."""
    if head in EMPTY_AR:
        return None
    for magic, kind in _EXECUTABLES:
        if head.startswith(magic):
            return kind
    return "PE" if _is_pe(head) else None


def archive_kind(head: bytes) -> str | None:
    """The archive or compression format ``head`` starts (tar, gzip, zip...), or None."""
    for magic, kind in _ARCHIVES:
        if head.startswith(magic):
            return kind
    return "tar archive" if _is_tar(head) else None


@dataclass
class _Found:
    """Binary and archive files found in a tree."""

    binaries: dict[str, int]
    archives: dict[str, int]

    def describe(self, with_archives: bool) -> str | None:
        kinds = dict(self.binaries)
        if with_archives:
            for k, n in self.archives.items():
                kinds[k] = kinds.get(k, 0) + n
        if not kinds:
            return None
        total = sum(kinds.values())
        what = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        return f"{total} binary or archive file(s) ({what})"


def _files(root: str) -> Iterator[str]:
    if not os.path.isdir(root) or os.path.islink(root):
        yield root
        return
    for d, dirs, fs in os.walk(root):
        dirs.sort()
        for f in sorted(fs):
            yield os.path.join(d, f)


def _scan_bytes(found: _Found, head: bytes) -> None:
    kind = binary_kind(head)
    if kind:
        found.binaries[kind] = found.binaries.get(kind, 0) + 1
        return
    kind = archive_kind(head)
    if kind:
        found.archives[kind] = found.archives.get(kind, 0) + 1


def _scan(root: str) -> tuple[_Found, int]:
    """Formats of the regular files under ``root``, and its total size."""
    found = _Found({}, {})
    size = 0
    for p in _files(root):
        st = os.lstat(p)
        size += st.st_size
        if not stat.S_ISREG(st.st_mode):
            continue
        with open(p, "rb") as f:
            _scan_bytes(found, f.read(HEAD))
    return found, size


def _written_bytes(drv: Derivation) -> bytes | None:
    """What ``builtin:write`` puts in the store (None if its env is malformed)."""
    env = drv.env_dict
    if "hex" in env:
        try:
            return bytes.fromhex(env["hex"])
        except ValueError:
            return None
    return env.get("text", "").encode()


class _Walk:
    """One provenance walk over a build-time closure."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self.binaries: dict[StorePath, Seed] = {}
        self.sources: dict[StorePath, Fetched] = {}
        self.seed_outputs: set[str] = set()

    def add(self, path: StorePath, size: int, reason: str, drv: Derivation | None) -> None:
        self.binaries.setdefault(path, Seed(path, size, reason, drv.drv_path if drv else None))

    def fixed(self, drv: Derivation) -> None:
        path = fixed_output_path(drv)
        real = self.store.real_path(path)
        there = os.path.lexists(real)
        if drv.meta_dict.get("binary-seed") == "1":
            self.seed_outputs.add(drv.out)
            size = _scan(real)[1] if there else 0
            self.add(path, size, "binary seed" if there else "binary seed (not realized)", drv)
            return
        if drv.builder.startswith("builtin:") and drv.builder != BUILTIN_FETCHURL:
            self.builtin(drv, path)
            return
        if there:
            found, size = _scan(real)
            what = found.describe(with_archives=False)
            if what:
                self.add(path, size, f"{what} fetched, not built from source", drv)
                return
        self.sources[path] = Fetched(path, drv.outputs[0].hashes, drv.drv_path)

    def builtin(self, drv: Derivation, path: StorePath | None) -> None:
        """Report a builtin step's output holding executables or archives."""
        if (drv.builder == BUILTIN_UNPACK and drv.input_drvs and not drv.input_srcs
                and all(d.out in self.seed_outputs for d, _ in drv.input_drvs)):
            return  # the unpacked tree of binary seeds, already listed
        if drv.builder == BUILTIN_WRITE:
            data = _written_bytes(drv)
            if data is not None:
                found = _Found({}, {})
                _scan_bytes(found, data[:HEAD])
                what = found.describe(with_archives=True)
                if what:
                    out = path or self._output(drv)
                    self.add(out or drv.drv_path, len(data),
                             f"{what} written by {drv.builder}, not built from source", drv)
                return
        out = path or self._output(drv)
        real = self.store.real_path(out) if out else None
        if out is None or real is None or not os.path.lexists(real):
            self.add(out or drv.drv_path, 0,
                     f"output of {drv.builder} not realized: contents unknown", drv)
            return
        found, size = _scan(real)
        what = found.describe(with_archives=True)
        if what:
            self.add(out, size, f"{what} produced by {drv.builder}, not built from source", drv)

    def _output(self, drv: Derivation) -> StorePath | None:
        """The recorded ``out`` path of a content-addressed derivation, if realized."""
        outs = self.store.derivation_outputs(drv.drv_path)
        return outs.get("out")

    def source(self, path: StorePath) -> None:
        if path in self.binaries:
            return
        real = self.store.real_path(path)
        if not os.path.lexists(real):
            return
        found, size = _scan(real)
        what = found.describe(with_archives=True)
        if what:
            self.add(path, size, f"{what} in a source path, not built from source", None)


def report_of(store: LocalStore, root: Derivation) -> Report:
    """The binaries and fetched sources in the build-time closure of ``root``."""
    walk = _Walk(store)
    for drv in build_order([root]):
        if drv.is_fixed_output:
            walk.fixed(drv)
        elif drv.builder.startswith("builtin:"):
            walk.builtin(drv, None)
        for src in drv.input_srcs:
            walk.source(StorePath.parse(str(src)))
    return Report(sorted(walk.binaries.values(), key=lambda s: str(s.path)),
                  sorted(walk.sources.values(), key=lambda s: str(s.path)))


def seeds_of(store: LocalStore, root: Derivation) -> list[Seed]:
    """The binaries in the build-time closure of a derivation."""
    return report_of(store, root).binaries


def report(store: LocalStore, path: StorePath) -> Report:
    """The binaries and fetched sources ``path``'s build rests on."""
    info = store.require(path)
    if info.deriver is None or not store.is_valid(info.deriver):
        walk = _Walk(store)
        walk.source(path)
        return Report(list(walk.binaries.values()), [])
    return report_of(store, load_derivation(store, info.deriver))


def provenance(store: LocalStore, path: StorePath) -> list[Seed]:
    """The binaries that entered ``path``'s build-time closure without a source build."""
    return report(store, path).binaries
