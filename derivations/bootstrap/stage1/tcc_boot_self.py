"""tcc-boot rebuilds itself: tcc's units and mes libc compiled and linked by tcc in one run.

``tcc-boot`` (boot0) is tcc compiled by MesCC. Each later generation is
one step of the previous one, in the sandbox, with no shell::

    tcc-boot-N = tcc-boot-(N-1) -static -nostdlib -nostdinc (mes's headers, sx's stdarg.h)
                 -o $out  crt1.c, libc+tcc's files, abort.c  libtcc1.c va_list.c
                 tcc's ten units

mes libc's files are taken in their gcc flavour (``x86_64-mes-gcc``: crt1,
syscall, ``_exit``, ``_write``, setjmp are gcc inline assembly, which tcc
reads; MesCC's flavour is its own assembly). tcc's ``lib/libtcc1.c`` and
``lib/va_list.c`` (what its ``libtcc1.a`` holds for x86_64 but for
alloca) give the helpers tcc's code calls: ``__va_arg`` for ``va_arg``,
and the ``long double`` conversions tcc itself uses. Every
generation has the same name, so two generations that write the same
bytes are one store path: ``tcc-boot-1`` and ``tcc-boot-2`` agreeing is
the fixpoint (boot0 differs: MesCC laid it out).
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mes_libc, sources, tcc_boot_link
from sx.derivations.bootstrap.stage1 import tcc_boot as boot
from sx.derivations.model import Derivation, Source

NAME = "tcc-boot-self"
"""The store name of every self-built generation (equal bytes, one path)."""


TCC_RUNTIME = ("lib/libtcc1.c", "lib/va_list.c")
"""tcc's run-time helpers its x86_64 code calls (long double conversions, ``__va_arg``)."""

LIBC_EXTRA = ("lib/stdlib/abort.c",)
"""mes libc files outside libc+tcc that the run-time helpers need (``va_list.c``'s abort)."""


def libc_files() -> list[str]:
    """crt1, libc+tcc's files and ``LIBC_EXTRA`` (paths in mes's source), in their gcc
    flavour."""
    return [f.replace("x86_64-mes-mescc", "x86_64-mes-gcc")
            for f in (mes_libc.CRT1, *mes_libc.LIBC_TCC, *LIBC_EXTRA)]


def include_flags() -> list[str]:
    """Where tcc finds headers: sx's fixed ones first, then mes's."""
    src = sources.mes_source().out
    return ["-I", mes_libc.include_tree().out, "-I", f"{src}/include",
            "-I", f"{src}/include/linux/x86_64"]


def program(name: str, cc: Derivation, c_files: list[str | Derivation],
            extra: list[Derivation] | None = None, meta: dict[str, str] | None = None
            ) -> Derivation:
    """``$out``: a static program, ``c_files`` compiled by tcc ``cc`` against mes libc
    (its files and tcc's run-time helpers compiled in the same run)."""
    src = sources.mes_source()
    tcc_src = boot.tcc_source()
    args: list[str | Source | Derivation] = [
        "-static", "-nostdlib", "-nostdinc", "-D", "HAVE_CONFIG_H=1", *include_flags(),
        "-o", stage0.OUT, *(f"{src.out}/{f}" for f in libc_files()),
        *(f"{tcc_src.out}/{f}" for f in TCC_RUNTIME), *c_files]
    return stage0.run(name, cc, args, extra=[src, mes_libc.include_tree(), tcc_src,
                                             *(extra or [])], meta=meta)


@cache
def generation(n: int) -> Derivation:
    """``tcc-boot-N``: tcc built by generation N-1 (0 is the MesCC-built tcc-boot)."""
    if n < 1:
        return tcc_boot_link.tcc_boot()
    tree = boot.tcc_tree()
    units = [f"{tree.out}/{u}.c" for u in boot.UNITS]
    defines = [a for d in boot.DEFINES for a in ("-D", d)]
    return program(NAME, generation(n - 1), [*defines, *units], extra=[tree],
                   meta={"stage": f"tcc-boot-{n}"})


def tcc_boot_fixpoint() -> list[Derivation]:
    """tcc-boot-1 (built by MesCC's tcc-boot) and tcc-boot-2 (built by tcc-boot-1)."""
    return [generation(1), generation(2)]
