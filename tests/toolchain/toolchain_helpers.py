"""Helpers for the toolchain tests."""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Sequence

import pytest
from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.toolchain import debian, seeds
from sx.derivations.build.errors import BuildError
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation
from sx.derivations.provenance import report_of
from sx.store.errors import HashMismatch
from sx.store.local import LocalStore
from sx.store.path import StorePath

PT_INTERP = 3


TESTSUITE_ARCHIVES = ("testsuite/awk_t1.tar.bz2", "testsuite/bz2_issue_11.bz2",
                      "testsuite/bz2_issue_12.bz2", "testsuite/tar.utf8.tar.bz2")
"""The compressed files of busybox's source tree: test data of its testsuite."""


def assert_rests_on_the_seed(store: LocalStore, drv: Derivation) -> None:
    """What a realized stage of the hex0 route from busybox-0 on rests on, by ``sx
    provenance``: the hex0 seed, nyacc's package (MesCC's Scheme files), and busybox's
    source tree, listed for the bzip2 files of its testsuite (opaque blobs to provenance;
    no step reads them: see test_busybox0.py)."""
    found = {b.path.name: b.reason for b in report_of(store, drv).binaries}
    assert sorted(found) == ["busybox-src", "hex0-seed", "nyacc-deb",
                             "nyacc_1.00.2-5_amd64.deb"], drv.name
    assert found["busybox-src"].startswith(
        f"{len(TESTSUITE_ARCHIVES)} binary or archive file(s) "
        f"({len(TESTSUITE_ARCHIVES)} bzip2)"), found["busybox-src"]


def seed_paths(*seed_names: str, hex0: bool = True) -> set[str]:
    """The store paths ``sx provenance`` lists for a stage of the Debian route: the
    busybox-static package, the packages of each named seed (``glibc``, ``debian-tcc``...)
    and, with ``hex0``, the hex0 seed (kaem and the tools musl's build takes from it)."""
    packages = ["busybox-static", *(p for n in seed_names for p in seeds.SEED_PACKAGES[n])]
    drvs = [*map(debian.deb, packages), *([stage0.seed()] if hex0 else [])]
    return {str(fixed_output_path(d)) for d in drvs}


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


def assert_wrong_pin_fails_first(store: LocalStore, pin: debian.DebFile) -> None:
    """A source pinned with a wrong BLAKE3 fails its fetch; what depends on it is never built.

    Nothing is registered: not the fetched file, not the dependent output.
    """
    bad = debian.fetch_file(dataclasses.replace(pin, b3="0" * 64), binary_seed=False)
    after = derivation("after-bad-source", BUILTIN_WRITE, env={"text": bad.out},
                       inputs=[bad], system="builtin")
    with pytest.raises((HashMismatch, BuildError), match="b3:"):
        build(store, [after])
    assert not store.is_valid(fixed_output_path(bad))
    assert store.derivation_outputs(after.drv_path) == {}
    assert not [p for p in store.all_paths() if not p.name.endswith(".drv")]
