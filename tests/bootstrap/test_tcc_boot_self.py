"""tcc-boot's self-rebuild recipe, checked fast with Debian's tcc (the version sx pins).

``tcc-boot-self`` generations are tcc compiling tcc's units and mes libc
in one run. Before paying for the MesCC build of tcc-boot, the same
arguments are run outside the sandbox by Debian's tcc: what it builds must
print tcc's version, rebuild itself to a fixpoint in one more generation,
and link a program whose ``printf`` walks its variadic arguments (mes libc's
``stdarg.h`` under tcc: sx's fix).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mes_libc, sources, tcc_boot, tcc_boot_self
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore

HELLO = ('#include <stdio.h>\n'
         'int main() { printf("%s %d %ld %c\\n", "hello", 42, 7L, 33); return 3; }\n')


def host_argv(store: LocalStore, drv: Derivation, out: Path) -> list[str]:
    """``drv``'s arguments with its inputs realized where this host sees them."""
    inputs = [sources.mes_source(), mes_libc.include_tree(), tcc_boot.tcc_tree(),
              tcc_boot.tcc_source()]
    outcome = realize(store, inputs, BuildOptions(jobs=2))
    args = list(drv.args)
    for d, o in zip(inputs, outcome.outputs, strict=True):
        args = [a.replace(d.out, store.real_path(o["out"])) for a in args]
    return [a.replace(stage0.OUT, str(out)) for a in args]


def tcc(cc: Path | str, argv: list[str]) -> None:
    p = subprocess.run([str(cc), *argv], capture_output=True, timeout=300, check=False)
    assert p.returncode == 0, p.stderr[-3000:]


@pytest.mark.slow
def test_debian_tcc_runs_the_self_rebuild_to_a_fixpoint(stage1_store: LocalStore,
                                                        tmp_path: Path) -> None:
    gen = tcc_boot_self.generation(1)
    tcc("tcc", host_argv(stage1_store, gen, tmp_path / "t1"))
    p = subprocess.run([str(tmp_path / "t1"), "-v"], capture_output=True, timeout=60,
                       check=False)
    assert (p.returncode, p.stdout) == (0, b"tcc version 0.9.27 (x86_64 Linux)\n")
    for n in (2, 3):
        tcc(tmp_path / f"t{n - 1}", host_argv(stage1_store, gen, tmp_path / f"t{n}"))
    assert (tmp_path / "t2").read_bytes() == (tmp_path / "t3").read_bytes()
    (tmp_path / "hello.c").write_text(HELLO)
    hello = tcc_boot_self.program("hello", tcc_boot_self.generation(0), [str(tmp_path / "hello.c")])
    tcc(tmp_path / "t2", host_argv(stage1_store, hello, tmp_path / "hello"))
    p = subprocess.run([str(tmp_path / "hello")], capture_output=True, timeout=60, check=False)
    assert (p.returncode, p.stdout) == (3, b"hello 42 7 !\n")
