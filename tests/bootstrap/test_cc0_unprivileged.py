"""cc0 and a program compiled by it, realized and checked by an unprivileged user.

The user, the two store locations (0700 and 0755) and the way sx is run
are those of test_stage0_unprivileged.py, whose fixtures this module uses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cc0_support import CORPUS
from sx_runner import NOBODY, as_nobody
from test_stage0_unprivileged import base, sx, sx_argv

pytestmark = pytest.mark.sandbox
__all__ = ["base", "sx_argv"]  # fixtures used by the test below


def test_cc0_and_compile_c0_as_an_unprivileged_user(sx_argv: list[str], base: Path) -> None:
    src = base / "hello.c"
    shutil.copy(CORPUS / "run" / "basic_hello.c", src)
    recipe = base / "prog.py"
    recipe.write_text("from sx.derivations.bootstrap.stage1.cc0 import compile_c0\n"
                      "from sx.derivations.model import Source\n"
                      "def hello():\n"
                      f"    return compile_c0('hello', [Source({str(src)!r}, 'hello.c')])\n")
    if os.geteuid() == 0:
        for f in (src, recipe):
            os.chown(f, NOBODY, NOBODY)
    proc = sx(sx_argv, base, "realize", "stage0-cc0", f"{recipe}:hello")
    assert proc.returncode == 0, proc.stderr
    cc0, hello = (base / "root" / "store" / Path(p).name for p in proc.stdout.split())
    assert os.stat(cc0).st_uid == (NOBODY if os.geteuid() == 0 else os.geteuid())
    run = subprocess.run([*as_nobody(), str(hello)], capture_output=True, timeout=60, check=False)
    assert (run.returncode, run.stdout) == (0, b"Hello, C0!\n")
    check = sx(sx_argv, base, "realize", "--check", "--recursive", "stage0-cc0")
    assert check.returncode == 0, check.stderr
    assert "check: 11 derivation(s) rebuilt, every one bit-identical" in check.stderr
