"""cc0, the C0 compiler written in M0, as derivations built from the hex0 seed.

Every step runs a tool of the stage0 chain (or cc0 itself) in the
sandbox, with no shell::

    cc0.M0       = catm  i386_defs.M0 cc0_defs.M0 lib.M0 lex.M0 types.M0 expr.M0 stmt.M0 main.M0
    cc0.hex2     = M0    cc0.M0
    cc0-elf.hex2 = catm  ELF-i386.hex2 cc0.hex2
    cc0          = hex2  cc0-elf.hex2

``compile_c0(name, sources)`` turns C0 sources into an i386 executable the
same way: cc0 compiles the runtime and the sources (in that order, as one
program; cc0 takes several inputs, so each keeps its own name in error
messages), then catm, M0, catm and hex2 as above.
"""

from __future__ import annotations

import os

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.model import Derivation, Source

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cc0")

#: cc0's M0 files, in the order catm joins them (main.M0 ends with :ELF_end).
CC0_FILES = ("lib.M0", "lex.M0", "types.M0", "expr.M0", "stmt.M0", "main.M0")
OUT = stage0.OUT


def source(name: str) -> Source:
    """A file of cc0's source folder."""
    return Source(os.path.join(HERE, name), name)


def cc0_defs() -> Source:
    """The i386 definitions cc0 and its output use beyond stage0's i386_defs.M0."""
    return source("cc0_defs.M0")


def runtime() -> Source:
    """The C0 runtime (_start, exit, read, write, open, close, calloc, free)."""
    return source("runtime.c")


def assemble(name: str, m0_files: list[Source | Derivation]) -> Derivation:
    """An i386 executable from M0 text: catm the definitions and the files, M0, hex2."""
    m0_in = stage0.run(f"{name}.M0", stage0.catm(),
                       [OUT, stage0.defs(), cc0_defs(), *m0_files])
    body = stage0.run(f"{name}.hex2", stage0.m0(), [m0_in, OUT])
    hex2_in = stage0.run(f"{name}-elf.hex2", stage0.catm(),
                         [OUT, stage0.source("ELF-i386.hex2"), body])
    return stage0.run(name, stage0.hex2(), [hex2_in, OUT])


def cc0() -> Derivation:
    """cc0: ``cc0 INPUT... OUTPUT`` compiles C0 to M0 text for i386 Linux."""
    return assemble("cc0", [source(f) for f in CC0_FILES])


def compile_c0(name: str, sources: list[Source]) -> Derivation:
    """An i386 executable NAME from C0 SOURCES, compiled with the runtime by cc0."""
    m0_text = stage0.run(f"{name}.cc0.M0", cc0(), [runtime(), *sources, OUT])
    return assemble(name, [m0_text])
