"""Provenance: which binaries a build rests on without having been built from source.

Walks the build-time closure of a path (its deriver's whole input graph) and
reports every input that *entered* the store rather than being built in it
and that holds machine code:

* fixed-output derivations marked ``binary-seed`` in their metadata (the
  hex0 seed, pinned Debian binary packages), and
* fixed outputs or source paths that contain ELF files or ``ar`` archives.

Text sources (hex0, M0 or C source files, tarballs of source) are not
binaries and are not listed. The hex0 seed is listed even though its source
is text: its bytes are what the first step executes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sx.derivations.graph import build_order
from sx.derivations.hashing import fixed_output_path
from sx.derivations.instantiate import load_derivation
from sx.derivations.model import Derivation
from sx.store.local import LocalStore
from sx.store.path import StorePath

_MAGICS = (b"\x7fELF", b"!<arch>\n")


@dataclass(frozen=True)
class Seed:
    """One binary input of a build-time closure."""

    path: StorePath
    size: int
    reason: str
    drv: StorePath | None


def _binary_files(root: str) -> tuple[int, int]:
    """(number of ELF/ar files, total bytes) under ``root``."""
    count = size = 0
    paths = [root] if not os.path.isdir(root) else [
        os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    for p in paths:
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        with open(p, "rb") as f:
            head = f.read(8)
        if head.startswith(_MAGICS[0]) or head == _MAGICS[1]:
            count += 1
        size += os.path.getsize(p)
    return count, size


def _tree_size(root: str) -> int:
    if not os.path.isdir(root):
        return os.lstat(root).st_size
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _, fs in os.walk(root) for f in fs)


def _check(store: LocalStore, path: StorePath, drv: Derivation | None) -> Seed | None:
    real = store.real_path(path)
    marked = drv is not None and drv.meta_dict.get("binary-seed") == "1"
    if not os.path.lexists(real):
        if marked:
            return Seed(path, 0, "binary seed (not realized)", drv.drv_path if drv else None)
        return None
    count, _ = _binary_files(real)
    if marked:
        return Seed(path, _tree_size(real), "binary seed", drv.drv_path if drv else None)
    if count:
        return Seed(path, _tree_size(real), f"{count} binary file(s) not built from source",
                    drv.drv_path if drv else None)
    return None


def provenance(store: LocalStore, path: StorePath) -> list[Seed]:
    """The binaries that entered ``path``'s build-time closure without a source build."""
    info = store.require(path)
    if info.deriver is None or not store.is_valid(info.deriver):
        seed = _check(store, path, None)
        return [seed] if seed else []
    return seeds_of(store, load_derivation(store, info.deriver))


def seeds_of(store: LocalStore, root: Derivation) -> list[Seed]:
    """The binary seeds in the build-time closure of a derivation."""
    found: dict[StorePath, Seed] = {}
    for drv in build_order([root]):
        if drv.is_fixed_output:
            seed = _check(store, fixed_output_path(drv), drv)
            if seed:
                found[seed.path] = seed
        for src in drv.input_srcs:
            p = StorePath.parse(str(src))
            if p not in found:
                seed = _check(store, p, None)
                if seed:
                    found[p] = seed
    return sorted(found.values(), key=lambda s: str(s.path))
