"""tcc-boot, second part: the link of tcc's units and mes libc into one x86_64 program.

The steps are those of MesCC's own link (``M1->hex2`` then ``hex2->elf`` in
mes's ``module/mescc/mescc.scm``), run directly with the mescc-tools cc1
built, so no shell and no Scheme are involved::

    tcc-boot.hex2 = M1 --architecture amd64 --little-endian
                    (x86_64.M1 with x86_64-M1.patch, crt1.s, the ten units, libc+tcc.s)
    tcc-boot      = hex2 --base-address 0x1000000
                    (mes's elf64-header.hex2, tcc-boot.hex2, elf64-footer-single-main.hex2)

crt1 comes first, as MesCC's start files do, so the program's entry is
``_start``; the footer is mes's minimal one (no symbol table), which is
what MesCC writes when it is not asked for debug information.
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mes_libc, mescc_tools, sources
from sx.derivations.bootstrap.stage1 import tcc_boot as units
from sx.derivations.model import Derivation

OUT = stage0.OUT
BASE_ADDRESS = "0x1000000"
"""Where MesCC's x86_64 programs are loaded (its ``--base-address`` default)."""

ELF_DIR = "lib/linux/x86_64-mes"
"""mes's ELF header and footer for x86_64 Linux (paths in its source)."""


def m1_inputs() -> list[Derivation]:
    """What M1 assembles, in order: definitions, crt1, tcc's units, mes libc."""
    return [units.m1_definitions(), mes_libc.crt1(),
            *(units.mescc_unit(u) for u in units.UNITS), mes_libc.libc_tcc()]


@cache
def tcc_boot_hex2() -> Derivation:
    """tcc-boot as hex2: every M1 input assembled in one run (labels resolve across files)."""
    args: list[str | Derivation] = ["--architecture", "amd64", "--little-endian"]
    for f in m1_inputs():
        args += ["-f", f]
    return stage0.run("tcc-boot.hex2", mescc_tools.tools()["M1"], [*args, "-o", OUT],
                      meta={"stage": "tcc-boot"})


@cache
def tcc_boot() -> Derivation:
    """tcc-boot: tcc 0.9.27 compiled by MesCC on the seed-built mes-m2, linked against mes libc."""
    src = sources.mes_source()
    return stage0.run("tcc-boot", mescc_tools.tools()["hex2"],
                      ["--architecture", "amd64", "--little-endian",
                       "--base-address", BASE_ADDRESS,
                       "-f", f"{src.out}/{ELF_DIR}/elf64-header.hex2",
                       "-f", tcc_boot_hex2(),
                       "-f", f"{src.out}/{ELF_DIR}/elf64-footer-single-main.hex2",
                       "-o", OUT], extra=[src], meta={"stage": "tcc-boot"})
