"""tcc-boot from the hex0 seed, second part: the linked program runs.

tcc-boot is tcc's ten units (MesCC on the seed-built mes-m2) linked with
mes's crt1 and libc+tcc by M1 and hex2. These tests compile every unit
(about 30 minutes on 2 cores), so they are marked ``bootstrap``: ``make
bootstrap`` runs them in the store its chain has just filled.

The hello is linked against mes libc compiled by tcc-boot itself: the
files of ``libc+tcc`` with the gcc flavour of the few that are written in
inline assembly (``x86_64-mes-gcc``: crt1, syscall, _exit, _write,
setjmp), as tcc takes gcc's asm syntax and MesCC's is its own. The
headers are mes's with sx's ``stdarg.h`` (tcc's builtins under tcc on
x86_64), so tcc's ``lib/va_list.c`` supplies ``__va_arg``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage1 import mes_libc, sources, tcc_boot_link
from sx.derivations.bootstrap.stage1.tcc_boot import tcc_source
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore

pytestmark = pytest.mark.bootstrap

HELLO = '#include <stdio.h>\nint main() { puts("hello from tcc-boot"); return 3; }\n'


def realized(store: LocalStore, drv: Derivation) -> Path:
    outcome = realize(store, [drv], BuildOptions(jobs=2))
    return Path(store.real_path(outcome.outputs[0]["out"]))


def libc_files() -> list[str]:
    """crt1 and libc+tcc's files (paths in mes's source), in their gcc flavour."""
    files = (mes_libc.CRT1, *mes_libc.LIBC_TCC)
    return [f.replace("x86_64-mes-mescc", "x86_64-mes-gcc") for f in files]


@pytest.fixture(scope="module")
def tcc_boot(stage1_store: LocalStore) -> Path:
    return realized(stage1_store, tcc_boot_link.tcc_boot())


@pytest.mark.timeout(3600)
def test_tcc_boot_prints_its_version(tcc_boot: Path) -> None:
    p = subprocess.run([str(tcc_boot), "-v"], capture_output=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"tcc version 0.9.27 (x86_64 Linux)\n"


@pytest.mark.timeout(3600)
def test_tcc_boot_compiles_a_function_to_an_object(tcc_boot: Path, tmp_path: Path) -> None:
    """``return 42`` compiles to an ELF relocatable object whose main is the expected code."""
    (tmp_path / "r.c").write_text("int main() { return 42; }\n")
    p = subprocess.run([str(tcc_boot), "-c", str(tmp_path / "r.c"), "-o", str(tmp_path / "r.o")],
                       capture_output=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    dump = subprocess.run(["objdump", "-d", str(tmp_path / "r.o")], capture_output=True,
                          check=True, timeout=60).stdout.decode()
    assert "<main>:" in dump
    assert "mov    $0x2a,%eax" in dump


@pytest.mark.timeout(3600)
def test_tcc_boot_compiles_a_hello_against_mes_libc(stage1_store: LocalStore, tcc_boot: Path,
                                                    tmp_path: Path) -> None:
    """tcc-boot compiles hello.c and mes libc's files (and tcc's ``__va_arg``) and links
    them; the program runs."""
    src = realized(stage1_store, sources.mes_source())
    inc = realized(stage1_store, mes_libc.include_tree())
    tcc_src = realized(stage1_store, tcc_source())
    (tmp_path / "hello.c").write_text(HELLO)
    argv = [str(tcc_boot), "-static", "-nostdlib", "-nostdinc", "-D", "HAVE_CONFIG_H=1",
            "-I", str(inc), "-I", f"{src}/include", "-I", f"{src}/include/linux/x86_64",
            "-o", str(tmp_path / "hello"), str(tmp_path / "hello.c"),
            *(f"{src}/{f}" for f in libc_files()), f"{tcc_src}/lib/va_list.c"]
    p = subprocess.run(argv, capture_output=True, timeout=600, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    p = subprocess.run([str(tmp_path / "hello")], capture_output=True, timeout=60, check=False)
    assert (p.returncode, p.stdout) == (3, b"hello from tcc-boot\n")
