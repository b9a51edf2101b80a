"""The built-in recipe set: names ``sx realize NAME`` accepts, each ``module:attr``.

Entries point at recipes shipped with sx. Keep values importable without
side effects: evaluation happens only when a name is used. The first line
of each recipe's docstring is its description (``sx list``, completion);
tests/cli/test_list.py checks that every entry has one.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any

REGISTRY: dict[str, str] = {
    "hello": "sx.derivations.examples:hello",
    "hello-script": "sx.derivations.examples:hello_script",
    "stage0": "sx.derivations.bootstrap.stage0.recipes:stage0",
    "stage0-seed": "sx.derivations.bootstrap.stage0.recipes:seed",
    "stage0-hex0": "sx.derivations.bootstrap.stage0.recipes:hex0",
    "stage0-hex1": "sx.derivations.bootstrap.stage0.recipes:hex1",
    "stage0-hex2": "sx.derivations.bootstrap.stage0.recipes:hex2",
    "stage0-catm": "sx.derivations.bootstrap.stage0.recipes:catm",
    "stage0-M0": "sx.derivations.bootstrap.stage0.recipes:m0",
    "stage0-hello": "sx.derivations.bootstrap.stage0.recipes:hello",
    "stage0-cc0": "sx.derivations.bootstrap.stage1.cc0:cc0",
    "stage0-cc1": "sx.derivations.bootstrap.stage1.cc1:cc1",
    "mescc-tools": "sx.derivations.bootstrap.stage1.mescc_tools:mescc_tools",
    "mes": "sx.derivations.bootstrap.stage1.mes:mes_m2",
    "stage1": "sx.derivations.bootstrap.stage1.chain:stage1",
    "tcc-boot-units": "sx.derivations.bootstrap.stage1.tcc_boot:units",
    "mes-libc": "sx.derivations.bootstrap.stage1.mes_libc:libc_tcc",
    "tcc-boot": "sx.derivations.bootstrap.stage1.tcc_boot_link:tcc_boot",
    "tcc-boot-fixpoint": "sx.derivations.bootstrap.stage1.tcc_boot_self:tcc_boot_fixpoint",
    "tcc-boot-ddc": "sx.derivations.bootstrap.stage1.tcc_boot_self:tcc_boot_ddc",
    "tcc": "sx.derivations.bootstrap.toolchain.tcc:tcc",
    "tcc-ddc": "sx.derivations.bootstrap.toolchain.tcc:tcc_ddc",
    "tcc-1": "sx.derivations.bootstrap.toolchain.tcc:tcc1_all",
    "toolchain-seeds": "sx.derivations.bootstrap.toolchain.chain:seeds",
    "musl": "sx.derivations.bootstrap.toolchain.musl:musl",
    "busybox-0": "sx.derivations.bootstrap.toolchain.busybox:busybox0",
    "tcc-musl": "sx.derivations.bootstrap.toolchain.chain:tcc_musl_stage",
    "tcc-musl-fixpoint": "sx.derivations.bootstrap.toolchain.musl:tcc_musl_fixpoint",
    "musl-2": "sx.derivations.bootstrap.toolchain.musl:musl2",
    "bootstrap": "sx.derivations.bootstrap.toolchain.chain:bootstrap",
    "bootstrap-hex0": "sx.derivations.bootstrap.toolchain.chain:bootstrap_hex0",
    "make": "sx.derivations.bootstrap.toolchain.binutils:gnu_make",
    "binutils": "sx.derivations.bootstrap.toolchain.binutils:binutils",
    "tar": "sx.derivations.bootstrap.toolchain.userland:gnu_tar",
    "sed": "sx.derivations.bootstrap.toolchain.userland:gnu_sed",
    "gzip": "sx.derivations.bootstrap.toolchain.userland:gzip",
    "xz": "sx.derivations.bootstrap.toolchain.userland:xz",
    "bash": "sx.derivations.bootstrap.toolchain.userland:bash",
    "coreutils": "sx.derivations.bootstrap.toolchain.userland:coreutils",
    "userland": "sx.derivations.bootstrap.toolchain.userland:userland",
    "gcc": "sx.derivations.bootstrap.toolchain.gcc:gcc",
    "musl-gcc": "sx.derivations.bootstrap.toolchain.gcc:musl_gcc",
    "gcc-hello": "sx.derivations.bootstrap.toolchain.gcc:gcc_hello",
}


def _target(name: str) -> Any:
    module, _, attr = REGISTRY[name].partition(":")
    value: Any = importlib.import_module(module)
    for part in attr.split("."):
        value = getattr(value, part)
    return value


def summary(name: str) -> str:
    """The one-line description of registry entry ``name`` (its docstring's first line).

    Imports the recipe's module but evaluates nothing.
    """
    doc = (getattr(_target(name), "__doc__", None) or "").strip()
    return doc.splitlines()[0].strip() if doc else ""
