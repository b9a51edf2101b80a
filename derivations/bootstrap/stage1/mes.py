"""GNU Mes 0.24.2's ``mes-m2`` for x86_64, built by cc1 from Debian's pinned source.

mes's own M2 build (``kaem.run``) supports x86 and arm; an i386 mes keeps
numbers in a 32-bit long, which MesCC's work on tcc exceeds.  This builds
the same 87 files for x86_64 with cc1's amd64 back end, plus sx's glue in
``mes/x86_64-mes-m2/`` (crt1, ``_exit``, ``_write``, system calls, the
x86_64 system call numbers, ``MES_VERSION``) and ``mes/mes-x86_64-m2.patch``
(cell, pointer and ``size_t`` sizes), applied by sx's ``apply-diff``::

    patched files = apply-diff mes-x86_64-m2.patch FILE mes-src/FILE    (6 files)
    mes.M1        = cc1 --arch amd64 --bootstrap-mode --no-elf-end FILES...
    mes.blood-elf = blood-elf --64 --little-endian -f mes.M1
    mes.hex2      = M1 --architecture amd64 (definitions, crt1.M1, mes.M1, mes.blood-elf)
    mes-m2        = hex2 --architecture amd64 --base-address 0x1000000
                    (M2libc's ELF-amd64-debug.hex2, mes.hex2)

The tools are cc1 and the mescc-tools it built, all i386 programs from the
seed; ``mes-m2`` is an x86_64 program.
"""

from __future__ import annotations

import os
from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import cc1, mescc_tools, sources
from sx.derivations.model import Derivation, Source

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mes")
GLUE = os.path.join(HERE, "x86_64-mes-m2")
OUT = stage0.OUT

PATCHED = ("include/m2/types.h", "lib/posix/getenv.c", "lib/posix/setenv.c",
           "src/gc.c", "src/symbol.c", "src/vector.c")
"""The files mes-x86_64-m2.patch changes."""

GLUE_FILES = {
    "lib/linux/x86_64-mes-m2/crt1.c": ("crt1.c", "version.c"),
    "lib/linux/x86_64-mes-m2/_exit.c": ("_exit.c",),
    "lib/linux/x86_64-mes-m2/_write.c": ("_write.c",),
    "lib/linux/x86_64-mes-m2/syscall.c": ("syscall.c",),
    "include/linux/x86_64/syscall.h": ("syscall.h",),
}
"""kaem.run's x86_64 files that mes lacks, and sx's glue files that take their place."""

M2_FILES = (
    "include/m2/lib.h", "lib/linux/x86_64-mes-m2/crt1.c", "lib/linux/x86_64-mes-m2/_exit.c",
    "lib/linux/x86_64-mes-m2/_write.c", "lib/mes/globals.c", "lib/m2/cast.c", "lib/m2/exit.c",
    "lib/mes/mini-write.c", "lib/linux/x86_64-mes-m2/syscall.c", "include/linux/x86_64/syscall.h",
    "lib/stub/__raise.c", "lib/linux/brk.c", "lib/m2/malloc.c", "lib/string/memset.c",
    "lib/m2/read.c", "lib/mes/fdgetc.c", "lib/stdio/getchar.c", "lib/stdio/putchar.c",
    "lib/m2/open.c", "lib/m2/mes_open.c", "lib/string/strlen.c", "lib/mes/eputs.c",
    "lib/mes/fdputc.c", "lib/mes/eputc.c", "include/m2/types.h", "include/mes/mes.h",
    "include/mes/builtins.h", "include/mes/constants.h", "include/mes/symbols.h",
    "lib/mes/__assert_fail.c", "lib/mes/assert_msg.c", "lib/mes/fdputc.c", "lib/string/strncmp.c",
    "lib/posix/getenv.c", "lib/mes/fdputs.c", "lib/mes/ntoab.c", "lib/ctype/isdigit.c",
    "lib/ctype/isxdigit.c", "lib/ctype/isspace.c", "lib/ctype/isnumber.c", "lib/mes/abtol.c",
    "lib/stdlib/atoi.c", "lib/string/memcpy.c", "lib/stdlib/free.c", "lib/stdlib/realloc.c",
    "lib/string/strcpy.c", "lib/mes/itoa.c", "lib/mes/ltoa.c", "lib/mes/fdungetc.c",
    "lib/posix/setenv.c", "lib/linux/access.c", "include/linux/m2/kernel-stat.h",
    "include/sys/stat.h", "lib/m2/chmod.c", "lib/linux/ioctl3.c", "lib/m2/isatty.c",
    "lib/linux/fork.c", "lib/m2/execve.c", "lib/m2/execv.c", "lib/m2/waitpid.c",
    "lib/linux/gettimeofday.c", "lib/m2/clock_gettime.c", "lib/m2/time.c", "lib/linux/_getcwd.c",
    "lib/m2/getcwd.c", "lib/linux/dup.c", "lib/linux/dup2.c", "lib/string/strcmp.c",
    "lib/string/memcmp.c", "lib/linux/unlink.c", "src/builtins.c", "src/core.c", "src/display.c",
    "src/eval-apply.c", "src/gc.c", "src/hash.c", "src/lib.c", "src/m2.c", "src/math.c",
    "src/mes.c", "src/module.c", "src/posix.c", "src/reader.c", "src/stack.c", "src/string.c",
    "src/struct.c", "src/symbol.c", "src/vector.c",
)
"""The files of kaem.run's M2 build, in its order, with ${mes_cpu} = x86_64."""


def glue(name: str) -> Source:
    """A file of sx's x86_64 glue."""
    return Source(os.path.join(GLUE, name), name)


def patch_file() -> Source:
    """sx's patch to mes 0.24.2 for the M2 build on x86_64."""
    return Source(os.path.join(HERE, "mes-x86_64-m2.patch"), "mes-x86_64-m2.patch")


@cache
def apply_diff(compiler: Derivation | None = None) -> Derivation:
    """sx's apply-diff (one file's part of a unified diff, no fuzz), compiled by cc1."""
    src = Source(os.path.join(HERE, "apply-diff.c"), "apply-diff.c")
    return cc1.program("apply-diff", compiler or cc1.cc1(), [src])


def patched(path: str, compiler: Derivation | None = None) -> Derivation:
    """``path`` of mes's source with its part of mes-x86_64-m2.patch applied."""
    src = sources.mes_source()
    name = "mes-" + path.replace("/", "-")
    return stage0.run(name, apply_diff(compiler),
                      [patch_file(), path, f"{src.out}/{path}", OUT], extra=[src])


def m2_inputs(compiler: Derivation | None = None) -> list[str | Source | Derivation]:
    """The files cc1 compiles: mes's, with the patched and the glue files in their places."""
    src = sources.mes_source()
    files: list[str | Source | Derivation] = []
    for path in M2_FILES:
        if path in GLUE_FILES:
            files.extend(glue(g) for g in GLUE_FILES[path])
        elif path in PATCHED:
            files.append(patched(path, compiler))
        else:
            files.append(f"{src.out}/{path}")
    return files


@cache
def mes_m2(compiler: Derivation | None = None) -> Derivation:
    """``mes-m2`` for x86_64 (``compiler``: the cc1 to use, by default from the seed)."""
    cc = compiler or cc1.cc1()
    tools = mescc_tools.tools(compiler)
    src = sources.mes_source()
    m1 = cc1.compile_c("mes.M1", cc, m2_inputs(compiler), arch="amd64",
                       options=["--bootstrap-mode", "--no-elf-end"], inputs=[src])
    table = stage0.run("mes.blood-elf-M1", tools["blood-elf"],
                       ["--64", "--little-endian", "-f", m1, "-o", OUT])
    hex2 = stage0.run("mes.hex2", tools["M1"],
                      ["--architecture", "amd64", "--little-endian",
                       "-f", cc1.amd64_defs(), "-f", glue("x86_64_defs.M1"),
                       "-f", f"{src.out}/lib/x86_64-mes/x86_64.M1", "-f", glue("crt1.M1"),
                       "-f", m1, "-f", table, "-o", OUT], extra=[src])
    return stage0.run("mes-m2", tools["hex2"],
                      ["--architecture", "amd64", "--little-endian",
                       "--base-address", "0x1000000",
                       "-f", cc1.m2libc_file("amd64/ELF-amd64-debug.hex2"), "-f", hex2,
                       "-o", OUT], extra=[sources.m2libc()])
