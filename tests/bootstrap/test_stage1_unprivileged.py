"""stage1 built with the ``sx`` command by an unprivileged user, in a private and a shared folder.

The root of the chain is the host-gcc-built cc1, written into the store by
a recipe file (it stands in for cc0's output); the user realizes cc1's
fixpoint and mescc-tools and runs the tools it got.  The helpers and
fixtures are stage0's (test_stage0_unprivileged).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cc1_support import GCC_C0_FLAGS, ROOT, cc1_sources, run
from sx_runner import NOBODY, as_nobody
from test_stage0_unprivileged import base, sx, sx_argv

pytestmark = pytest.mark.sandbox
__all__ = ["base", "sx_argv"]

RECIPE = """
from sx.derivations.bootstrap.stage1 import cc1, mescc_tools
from sx.derivations.model import BUILTIN_WRITE, derivation

with open({exe!r}, "rb") as f:
    HOST = derivation("cc1-host", BUILTIN_WRITE, env={{"hex": f.read().hex(), "executable": "1"}},
                      system="builtin")


def fixpoint():
    return [cc1.cc1_built_by(HOST), cc1.cc1_built_by(cc1.cc1_built_by(HOST))]


def tools():
    return list(mescc_tools.tools(HOST).values())
"""


def test_cc1_fixpoint_and_mescc_tools_as_an_unprivileged_user(sx_argv: list[str],
                                                             base: Path) -> None:
    unit = base / "cc1_all.c"
    unit.write_text("".join(p.read_text() for p in cc1_sources()))
    exe = base / "cc1-host"
    run(["gcc", *GCC_C0_FLAGS, "-static", "-o", str(exe), str(unit)])
    recipe = base / "stage1_recipe.py"
    recipe.write_text(RECIPE.format(exe=str(exe)))
    if os.geteuid() == 0:
        for f in (unit, exe, recipe):
            os.chown(f, NOBODY, NOBODY)
    proc = sx(sx_argv, base, "realize", f"{recipe}:fixpoint")
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.split()
    assert first == second
    proc = sx(sx_argv, base, "realize", f"{recipe}:tools")
    assert proc.returncode == 0, proc.stderr
    m1, hex2, _, _ = (base / "root" / "store" / Path(p).name for p in proc.stdout.split())
    assert os.stat(m1).st_uid == (NOBODY if os.geteuid() == 0 else os.geteuid())
    hello = ROOT / "derivations" / "bootstrap" / "stage0" / "hello.M0"
    defs = hello.with_name("i386_defs.M0")
    args = ["--architecture", "x86", "--little-endian", "-f", str(defs), "-f", str(hello)]
    ours = subprocess.run([*as_nobody(), str(m1), *args, "-o", str(base / "hello.hex2")],
                          capture_output=True, timeout=60, check=False)
    assert ours.returncode == 0, ours.stderr
    run(["M1", *args, "-o", str(base / "oracle.hex2")])
    assert (base / "hello.hex2").read_bytes() == (base / "oracle.hex2").read_bytes()
    elf = hello.with_name("ELF-i386.hex2")
    linked = subprocess.run([*as_nobody(), str(hex2), "--architecture", "x86", "--little-endian",
                             "--base-address", "0x8048000", "-f", str(elf),
                             "-f", str(base / "hello.hex2"), "-o", str(base / "hello")],
                            capture_output=True, timeout=60, check=False)
    assert linked.returncode == 0, linked.stderr
    ran = subprocess.run([*as_nobody(), str(base / "hello")], capture_output=True, timeout=60,
                         check=False)
    assert (ran.returncode, ran.stdout) == (0, b"Hello from M0\n")
