"""Running a tcc-boot-self step's command outside the sandbox, and programs that check a tcc."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mes_libc, sources, tcc_boot, tcc_boot_self
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore

NEGATE = """double neg(double x) { return -x; }
float negf(float x) { return -x; }
long double negl(long double x) { return -x; }
int main() { union { double d; unsigned long u; } z; z.d = neg(0.0);
    if (neg(2.0) != -2.0) return 1;
    if (negf(2.0f) != -2.0f) return 2;
    if (negl(2.0L) != -2.0L) return 3;
    if (z.u != 0x8000000000000000UL) return 4;
    return 42; }
"""
"""Exit 42 if unary minus works on every floating type (-0.0 included)."""

LITERALS = ("4294967296.0", "18446744073709551616.0", "0.25", "0.1", "1e-10", "2.5E+3",
            "123456789.125", "3.0e22", "0x1.8p1", "0x10p-8", "1.7976931348623157e308")
"""Floating literals whose double tcc must write exactly (beyond 2^53 digits or 10^22,
mes libc's strtod may be a few ulps off: none of these is)."""


def step_inputs() -> list[Derivation]:
    """The trees a tcc-boot-self step reads: mes's source and headers, the libc files sx
    fixes, tcc's source and tree."""
    fixed = [a for a in tcc_boot_self.libc_args() if isinstance(a, Derivation)]
    return [sources.mes_source(), mes_libc.include_tree(), *fixed, tcc_boot_self.self_tree(),
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
