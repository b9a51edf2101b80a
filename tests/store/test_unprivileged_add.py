"""Adding a directory tree to a store owned by an unprivileged user.

A canonical tree is read-only (0555), and Linux moves a directory to a new
parent only with write permission on it: the rename from the store's temp
folder into the store must not fail for a user without CAP_DAC_OVERRIDE.
As root the add runs as uid 65534 (setpriv, no capabilities).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

NOBODY = 65534
MAIN = "import sys; from sx.cli.main import main; sys.argv[0] = 'sx'; sys.exit(main())"


def as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "--inh-caps=-all"]


@pytest.fixture
def home() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="sx-unpriv-add-"))
    os.chmod(d, 0o755)
    if os.geteuid() == 0:
        os.chown(d, NOBODY, NOBODY)
    try:
        yield d
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(d)], check=False)
        shutil.rmtree(d)


def test_add_directory_tree_as_unprivileged_user(home: Path) -> None:
    tree = home / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "sub" / "deeper" / "f").write_text("hello\n")
    (tree / "x").write_text("x\n")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(tree)], check=True)
    argv = [*as_user(), sys.executable, "-c", MAIN, "--root", str(home / "root"),
            "store", "add", str(tree)]
    p = subprocess.run(argv, capture_output=True, text=True, cwd=home, timeout=120,
                       check=False, env={"PATH": os.environ.get("PATH", ""), "HOME": str(home)})
    if "No module named" in p.stderr:
        pytest.fail(f"uid {NOBODY} cannot import sx from {sys.executable}: {p.stderr}")
    assert p.returncode == 0, p.stderr
    out = home / "root" / "store" / Path(p.stdout.strip()).name
    assert (out / "sub" / "deeper" / "f").read_text() == "hello\n"
    for d in (out, out / "sub", out / "sub" / "deeper"):
        assert stat.S_IMODE(os.lstat(d).st_mode) == 0o555
