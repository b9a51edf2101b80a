"""Helpers for the toolchain tests."""

from __future__ import annotations

import struct
from collections.abc import Sequence

from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore
from sx.store.path import StorePath

PT_INTERP = 3


def build(store: LocalStore, drvs: Sequence[Derivation]) -> list[StorePath]:
    """Realize ``drvs``; their ``out`` paths in order."""
    outcome = realize(store, list(drvs), BuildOptions(jobs=2))
    return [o["out"] for o in outcome.outputs]


def elf_has_interpreter(data: bytes) -> bool:
    """Whether an ELF64 little-endian executable has a PT_INTERP program header."""
    assert data[:4] == b"\x7fELF" and data[4] == 2
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    types = [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]
    return PT_INTERP in types

