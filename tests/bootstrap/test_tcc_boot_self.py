"""tcc-boot's self-rebuild recipe, checked fast with Debian's tcc (the version sx pins).

``tcc-boot-self`` generations are tcc compiling tcc's units and mes libc
in one run. Before paying for the MesCC build of tcc-boot, the same
arguments are run outside the sandbox by Debian's tcc: what it builds must
print tcc's version, rebuild itself to a fixpoint (its last two of
``GENERATIONS`` generations are equal), and link a program whose
``printf`` walks its variadic arguments (mes libc's ``stdarg.h`` under
tcc: sx's fix).
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage1 import tcc_boot_link, tcc_boot_self
from sx.store.errors import NotFound
from sx.store.local import LocalStore
from tcc_boot_support import LITERALS, NEGATE, host_args

HELLO = ('#include <stdio.h>\n'
         'int main() { printf("%s %d %ld %c\\n", "hello", 42, 7L, 33); return 3; }\n')


def tcc(cc: Path | str, argv: list[str]) -> None:
    p = subprocess.run([str(cc), *argv], capture_output=True, timeout=300, check=False)
    assert p.returncode == 0, p.stderr[-3000:]


@pytest.fixture(scope="module")
def generations(stage1_store: LocalStore, tmp_path_factory: pytest.TempPathFactory
                ) -> list[Path]:
    """Debian's tcc, then generations 1 to GENERATIONS of the recipe's command, each
    run by the one before it."""
    d = tmp_path_factory.mktemp("self")
    args = tcc_boot_self.generation(1).args
    gens: list[Path] = []
    for n in range(1, tcc_boot_self.GENERATIONS + 1):
        tcc(gens[-1] if gens else "tcc", host_args(stage1_store, args, d / f"t{n}"))
        gens.append(d / f"t{n}")
    return gens


@pytest.mark.slow
def test_debian_tcc_runs_the_self_rebuild_to_a_fixpoint(generations: list[Path]) -> None:
    p = subprocess.run([str(generations[0]), "-v"], capture_output=True, timeout=60,
                       check=False)
    assert (p.returncode, p.stdout) == (0, b"tcc version 0.9.27 (x86_64 Linux)\n")
    assert generations[-2].read_bytes() == generations[-1].read_bytes()


@pytest.mark.slow
def test_self_built_tcc_links_a_variadic_printf(stage1_store: LocalStore,
                                                 generations: list[Path],
                                                 tmp_path: Path) -> None:
    (tmp_path / "hello.c").write_text(HELLO)
    hello = tcc_boot_self.program("hello", tcc_boot_link.tcc_boot(),
                                  [str(tmp_path / "hello.c")])
    tcc(generations[-1], host_args(stage1_store, hello.args, tmp_path / "hello"))
    p = subprocess.run([str(tmp_path / "hello")], capture_output=True, timeout=60, check=False)
    assert (p.returncode, p.stdout) == (3, b"hello 42 7 !\n")


@pytest.mark.slow
def test_self_built_tcc_negates_floating_values(stage1_store: LocalStore,
                                                generations: list[Path],
                                                tmp_path: Path) -> None:
    """tccgen's unary minus subtracts from a -0.0 it pushes; MesCC cannot compute that
    constant, and a wrong one is inherited by every later generation."""
    (tmp_path / "neg.c").write_text(NEGATE)
    prog = tcc_boot_self.program("neg", tcc_boot_link.tcc_boot(), [str(tmp_path / "neg.c")])
    tcc(generations[-1], host_args(stage1_store, prog.args, tmp_path / "neg"))
    p = subprocess.run([str(tmp_path / "neg")], capture_output=True, timeout=60, check=False)
    assert p.returncode == 42


@pytest.mark.slow
def test_self_built_tcc_reads_floating_literals(generations: list[Path],
                                                tmp_path: Path) -> None:
    """mes libc's strtod (sx's fix) and ldexp (hexadecimal literals) in the fixpoint."""
    (tmp_path / "lit.c").write_text("double v[] = {" + ", ".join(LITERALS) + "};\n")
    tcc(generations[-1], ["-c", str(tmp_path / "lit.c"), "-o", str(tmp_path / "lit.o")])
    obj = (tmp_path / "lit.o").read_bytes()
    want = [float.fromhex(v) if "0x" in v else float(v) for v in LITERALS]
    assert struct.pack(f"<{len(want)}d", *want) in obj


@pytest.mark.slow
def test_self_built_tcc_reports_an_error_and_exits_1(generations: list[Path],
                                                     tmp_path: Path) -> None:
    """tcc leaves a failed compile through longjmp (mes libc's setjmp, sx's fix)."""
    (tmp_path / "bad.c").write_text("int main( { return 0; }\n")
    p = subprocess.run([str(generations[-1]), "-c", str(tmp_path / "bad.c"), "-o",
                        str(tmp_path / "bad.o")], capture_output=True, timeout=60, check=False)
    assert (p.returncode, p.stderr) == (1, f"{tmp_path}/bad.c:1: error: identifier expected\n"
                                        .encode())


def test_both_routes_run_one_command_from_generation_1() -> None:
    """The diverse double-compiling routes differ only in how generation 0 is started."""
    hex0, debian = (tcc_boot_self.generation(1, s) for s in tcc_boot_self.SEEDS)
    assert hex0.builder == tcc_boot_link.tcc_boot().out
    assert debian.builder.endswith("/ld-linux-x86-64.so.2")
    prefix = debian.args[:len(debian.args) - len(hex0.args)]
    assert debian.args[len(prefix):] == hex0.args
    assert prefix[-1].endswith("/usr/bin/tcc")
    two = [tcc_boot_self.generation(2, s) for s in tcc_boot_self.SEEDS]
    assert two[0].args == two[1].args
    assert two[0].builder != two[1].builder


def test_fixpoint_is_the_last_two_generations() -> None:
    last = tcc_boot_self.GENERATIONS
    assert tcc_boot_self.tcc_boot_fixpoint() == [tcc_boot_self.generation(last - 1),
                                                 tcc_boot_self.generation(last)]
    assert [d.name for d in tcc_boot_self.tcc_boot_fixpoint()] == ["tcc-boot-self"] * 2


@pytest.mark.parametrize("n,seed", [(0, "hex0"), (1, "gcc-12")])
def test_unknown_generation_or_seed_is_refused(n: int, seed: str) -> None:
    with pytest.raises(NotFound, match="tcc-boot-self"):
        tcc_boot_self.generation(n, seed)
