"""cc1, the C compiler written in C0, as derivations built from the hex0 seed.

cc0 (written in M0) compiles cc1's C0 sources; then cc1 compiles itself,
linked against M2libc, until it reproduces itself::

    cc1-0 = compile_c0(cc1 sources)                       cc1 built by cc0
    cc1-1 = link(cc1-0 --arch x86 M2libc... cc1 sources)   cc1 built by cc1-0
    cc1   = link(cc1-1 --arch x86 M2libc... cc1 sources)   cc1 built by cc1-1

cc1-1 and cc1 are the same bytes: both derivations are named ``cc1``, so
content addressing gives them the same store path (the tests check it).

``link`` uses only the stage0 tools: ``catm`` joins sx's i386
definitions, M2libc's ``x86_defs.M1`` (for the ``asm`` blocks) and
``libc-full.M1`` (``_start``, ``exit``) with cc1's output; ``M0`` turns it
into hex2; ``catm`` puts M2libc's ``ELF-x86.hex2`` in front; ``hex2``
links it at 0x8048000.  Nothing but the seed is a binary input.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import sources
from sx.derivations.bootstrap.stage1.cc0 import compile_c0
from sx.derivations.model import Derivation, Source

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cc1")
OUT = stage0.OUT
Arg = str | Source | Derivation

M2LIBC_PROGRAM_FILES = ("sys/types.h", "stddef.h", "{arch}/Linux/unistd.h", "stdlib.c",
                        "{arch}/Linux/fcntl.h", "stdio.c", "string.c", "bootstrappable.c")
"""The M2libc files a program is compiled with, in this order (declarations first)."""


def source(name: str) -> Source:
    """A file of cc1's source folder."""
    return Source(os.path.join(HERE, name), name)


def cc1_sources() -> list[Source]:
    """cc1's C0 sources, in the order of ``cc1/SOURCES`` (cc1.h first)."""
    with open(os.path.join(HERE, "SOURCES"), encoding="utf-8") as f:
        return [source(name) for name in f.read().split()]


def m2libc_file(path: str) -> str:
    """A file of the unpacked M2libc tree, as a path in the store."""
    return f"{sources.m2libc().out}/{path}"


def m2libc_program_files(arch: str = "x86") -> list[str]:
    """The M2libc C files every program is compiled with (see M2LIBC_PROGRAM_FILES)."""
    return [m2libc_file(p.format(arch=arch)) for p in M2LIBC_PROGRAM_FILES]


def compile_c(name: str, compiler: Derivation, files: Sequence[Arg], arch: str = "x86",
              options: Sequence[str] = (), inputs: Sequence[Derivation] = ()) -> Derivation:
    """M1 text: ``compiler --arch ARCH OPTIONS -o $out FILES`` (cc1's command line).

    ``inputs`` are the derivations whose outputs FILES name as paths.
    """
    return stage0.run(name, compiler, ["--arch", arch, *options, "-o", OUT, *files],
                      extra=[sources.m2libc(), *inputs])


def link_x86(name: str, m1: Derivation) -> Derivation:
    """An i386 executable from cc1's output, with M2libc's start-up code, by the stage0 tools."""
    m0_in = stage0.run(f"{name}-all.M1", stage0.catm(),
                       [OUT, stage0.defs(), m2libc_file("x86/x86_defs.M1"),
                        m2libc_file("x86/libc-full.M1"), m1], extra=[sources.m2libc()])
    body = stage0.run(f"{name}-body.hex2", stage0.m0(), [m0_in, OUT])
    hex2_in = stage0.run(f"{name}.hex2", stage0.catm(),
                         [OUT, m2libc_file("x86/ELF-x86.hex2"), body], extra=[sources.m2libc()])
    return stage0.run(name, stage0.hex2(), [hex2_in, OUT])


def program(name: str, compiler: Derivation, files: Sequence[Arg],
            inputs: Sequence[Derivation] = ()) -> Derivation:
    """An i386 program: FILES compiled by ``compiler`` (a cc1) after M2libc, then linked."""
    m1 = compile_c(f"{name}.M1", compiler, [*m2libc_program_files(), *files], inputs=inputs)
    return link_x86(name, m1)


def cc1_built_by(compiler: Derivation) -> Derivation:
    """cc1 compiled by ``compiler`` (any cc1 binary) against M2libc."""
    return program("cc1", compiler, cc1_sources())


@cache
def cc1_from_cc0() -> Derivation:
    """cc1 compiled by cc0 with cc0's C0 runtime: the first cc1 from the seed."""
    return compile_c0("cc1-0", cc1_sources())


@cache
def cc1_first() -> Derivation:
    """cc1 built by the cc0-built cc1."""
    return cc1_built_by(cc1_from_cc0())


@cache
def cc1() -> Derivation:
    """cc1 built by itself: the fixpoint (the same store path as :func:`cc1_first`)."""
    return cc1_built_by(cc1_first())


def amd64_defs() -> Source:
    """cc1's amd64 instruction definitions (what its amd64 back end emits)."""
    return source("amd64_defs.M1")
