"""Helpers for the cc1 tests: build cc1 with the host's gcc, link programs against M2libc.

Until cc1 is built by cc0 (``stage0-cc1``), the tests build it with the
host's gcc from the same C0 sources, concatenated in the order of
``cc1/SOURCES``, and assemble its output with Debian's ``M1`` and ``hex2``
(oracles: they are never inputs of the chain).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CC1_DIR = ROOT / "derivations" / "bootstrap" / "stage1" / "cc1"
I386_DEFS = ROOT / "derivations" / "bootstrap" / "stage0" / "i386_defs.M0"
CORPUS = Path(__file__).resolve().parent / "cc1"
TIMEOUT = 60
ARCHES = ("x86", "amd64")
BASE_ADDRESS = {"x86": "0x8048000", "amd64": "0x600000"}
GCC_C0_FLAGS = ("-m32", "-funsigned-char", "-std=c99", "-Wall", "-Werror")
"""How cc1's C0 sources must compile with gcc (C0 is a subset of C)."""


def cc1_sources() -> list[Path]:
    """cc1's source files, in compilation order."""
    return [CC1_DIR / name for name in (CC1_DIR / "SOURCES").read_text().split()]


def build_cc1_with_gcc(dest: Path) -> Path:
    """cc1 compiled by the host's gcc as i386 C0; returns the binary."""
    unit = dest / "cc1_all.c"
    unit.write_text("".join(p.read_text() for p in cc1_sources()))
    exe = dest / "cc1"
    run(["gcc", *GCC_C0_FLAGS, "-o", str(exe), str(unit)])
    return exe


def run(argv: Sequence[str], check: bool = True,
        cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a command (no shell) in ``cwd``, capturing output."""
    p = subprocess.run(list(argv), capture_output=True, timeout=TIMEOUT, check=False, cwd=cwd)
    if check and p.returncode != 0:
        err = p.stderr.decode(errors="replace")
        raise AssertionError(f"{argv[0]} failed ({p.returncode}): {err}")
    return p


def m2libc_files(m2libc: Path, arch: str) -> list[Path]:
    """The M2libc C files a program is compiled with, in order (headers first)."""
    names = ["sys/types.h", "stddef.h", f"{arch}/Linux/unistd.h", "stdlib.c",
             f"{arch}/Linux/fcntl.h", "stdio.c", "string.c", "bootstrappable.c"]
    return [m2libc / n for n in names]


def assemble(arch: str, m2libc: Path, m1: Path, out: Path) -> None:
    """M1 text to an executable with Debian's M1 and hex2, against M2libc's start-up code."""
    if arch == "x86":
        defs = [I386_DEFS, m2libc / "x86" / "x86_defs.M1"]
    else:
        defs = [CC1_DIR / "amd64_defs.M1", m2libc / "amd64" / "amd64_defs.M1"]
    inputs = [*defs, m2libc / arch / "libc-full.M1", m1]
    hex2 = out.with_suffix(".hex2")
    run(["M1", "--architecture", arch, "--little-endian",
         *[a for p in inputs for a in ("-f", str(p))], "-o", str(hex2)])
    run(["hex2", "--architecture", arch, "--little-endian", "--base-address", BASE_ADDRESS[arch],
         "-f", str(m2libc / arch / f"ELF-{arch}.hex2"), "-f", str(hex2), "-o", str(out)])


def compile_program(cc1: Path, arch: str, m2libc: Path, sources: Sequence[Path], out: Path,
                    args: Sequence[str] = ()) -> None:
    """``sources`` compiled by cc1 with M2libc, assembled and linked into ``out``."""
    m1 = out.with_suffix(".M1")
    run([str(cc1), "--arch", arch, *args, "-o", str(m1),
         *map(str, m2libc_files(m2libc, arch)), *map(str, sources)])
    assemble(arch, m2libc, m1, out)
