"""Running a tcc-boot-self step's command outside the sandbox (for oracles and checks)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mes_libc, sources, tcc_boot
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore


def step_inputs() -> list[Derivation]:
    """The trees a tcc-boot-self step reads: mes's source and headers, tcc's source and tree."""
    return [sources.mes_source(), mes_libc.include_tree(), tcc_boot.tcc_tree(),
            tcc_boot.tcc_source()]


def host_args(store: LocalStore, args: Sequence[str], out: Path) -> list[str]:
    """``args`` with the inputs' placeholders replaced by where this host sees them
    (realized first) and ``$out`` by ``out``."""
    inputs = step_inputs()
    outcome = realize(store, inputs, BuildOptions(jobs=2))
    argv = list(args)
    for d, o in zip(inputs, outcome.outputs, strict=True):
        argv = [a.replace(d.out, store.real_path(o["out"])) for a in argv]
    return [a.replace(stage0.OUT, str(out)) for a in argv]
