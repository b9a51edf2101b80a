"""The native toolchain chain in build order: what ``make bootstrap`` realizes.

Each stage is a registry name (``sx realize NAME``) standing for one or more
derivations; realizing them in this order builds each stage once, on top of
the ones before it.
"""

from __future__ import annotations

from sx.derivations.bootstrap.toolchain.binutils import binutils, gnu_make
from sx.derivations.bootstrap.toolchain.gcc import gcc, gcc_hello, musl_gcc
from sx.derivations.bootstrap.toolchain.musl import (
    DEFAULT_SEED,
    musl1,
    musl2,
    tcc_musl_generation,
)
from sx.derivations.bootstrap.toolchain.seeds import busybox, seed
from sx.derivations.bootstrap.toolchain.tcc import tcc1, tcc_generation
from sx.derivations.bootstrap.toolchain.userland import userland
from sx.derivations.model import Derivation


def seeds() -> list[Derivation]:
    """The binary seed trees the chain starts from (busybox, glibc, Debian's tcc)."""
    return [busybox(), seed("glibc"), seed(DEFAULT_SEED)]


def tcc_stage() -> list[Derivation]:
    """tcc-1 (built by Debian's tcc) and tcc-2 (built by tcc-1)."""
    return [tcc1(DEFAULT_SEED), tcc_generation(DEFAULT_SEED, 2)]


def tcc_musl_stage() -> list[Derivation]:
    """tcc-musl-1 (built by tcc-2 against musl) and tcc-musl-2 (built by tcc-musl-1)."""
    return [tcc_musl_generation(1), tcc_musl_generation(2)]


def fixpoint_stage() -> list[Derivation]:
    """tcc-musl-3: built by tcc-musl-2, the same store path when it is a fixpoint."""
    return [tcc_musl_generation(3)]


STAGES: tuple[tuple[str, str], ...] = (
    ("toolchain-seeds", "binary seeds: busybox, glibc, Debian's tcc"),
    ("tcc", "tcc-1 by Debian's tcc, tcc-2 by tcc-1"),
    ("musl", "musl 1.2.3 by tcc-2"),
    ("tcc-musl", "static tcc against musl: tcc-musl-1 by tcc-2, tcc-musl-2 by itself"),
    ("tcc-musl-fixpoint", "tcc-musl-3 by tcc-musl-2 (same path: the fixpoint)"),
    ("musl-2", "musl rebuilt by the static tcc"),
    ("make", "GNU make 4.3 by the static tcc (hand-written config.h)"),
    ("binutils", "binutils 2.40 by make, busybox and the static tcc"),
    ("tar", "GNU tar 1.34 by make, busybox and the static tcc (unpacks the later sources)"),
    ("sed", "GNU sed 4.9 by the static tcc"),
    ("gzip", "gzip 1.12 by the static tcc"),
    ("xz", "XZ Utils 5.4.1 by the static tcc"),
    ("bash", "bash 5.2.15 by the static tcc"),
    ("coreutils", "GNU coreutils 9.1 by the static tcc"),
    ("gcc", "gcc 12.2.0 (C) by the g++-12 seed, for musl-2 and binutils"),
    ("musl-gcc", "musl 1.2.3 rebuilt by gcc (stock source, musl's Makefile)"),
    ("gcc-hello", "static C programs by gcc against musl-2 and musl-gcc, run"),
)
"""(registry name, description) of each stage, in build order."""


def bootstrap() -> list[Derivation]:
    """Every derivation of the chain (realizing the last ones builds the rest)."""
    return [*seeds(), *tcc_stage(), musl1(), *tcc_musl_stage(), *fixpoint_stage(), musl2(),
            gnu_make(), binutils(), *userland(), gcc(), musl_gcc(), gcc_hello()]
