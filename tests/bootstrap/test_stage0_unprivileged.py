"""The stage0 chain, its checks and ``sx provenance``, run by an unprivileged user.

As root, the commands run as uid/gid 65534 (``setpriv``, no capabilities)
on a store root that user owns, once in a private directory (0700) and once
in a world-searchable one (0755). Run by a non-root user, they run as that
user. sx must be importable by that user: the test uses this Python when
uid 65534 can run it, else the system's ``/usr/bin/python3`` of the same
version with this environment's packages, and fails saying so if neither
works.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage0 import recipes
from sx.derivations.hashing import fixed_output_path
from sx_runner import NOBODY, as_nobody, unprivileged_python

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def sx_argv() -> list[str]:
    """How the unprivileged user runs sx."""
    try:
        return unprivileged_python()
    except RuntimeError as e:
        pytest.fail(str(e))


@pytest.fixture(params=["private", "searchable"])
def base(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A directory the user owns, 0700 or 0755, under the system's temp dir."""
    d = Path(tempfile.mkdtemp(prefix="sx-unpriv-"))
    os.chmod(d, 0o700 if request.param == "private" else 0o755)
    if os.geteuid() == 0:
        os.chown(d, NOBODY, NOBODY)
    try:
        yield d
    finally:
        # The store is read-only by design; as root that does not stop removal.
        subprocess.run(["chmod", "-R", "u+w", str(d)], check=False)
        shutil.rmtree(d)


def sx(argv: list[str], base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(base), "LC_ALL": "C"}
    return subprocess.run([*as_nobody(), *argv, "--root", str(base / "root"), *args],
                          capture_output=True, text=True, cwd=base, env=env, timeout=300,
                          check=False)


def test_chain_check_and_provenance_as_an_unprivileged_user(sx_argv: list[str],
                                                             base: Path) -> None:
    proc = sx(sx_argv, base, "realize", "stage0")
    assert proc.returncode == 0, proc.stderr
    index = base / "root" / "store" / Path(proc.stdout.strip()).name
    lines = dict(line.split() for line in index.read_text().splitlines())
    hello = base / "root" / "store" / Path(lines["hello"]).name
    assert os.stat(hello).st_uid == (NOBODY if os.geteuid() == 0 else os.geteuid())
    run = subprocess.run([*as_nobody(), str(hello)], capture_output=True, timeout=60, check=False)
    assert (run.returncode, run.stdout) == (0, b"Hello from M0\n")
    check = sx(sx_argv, base, "realize", "--check", "--recursive", "stage0")
    assert check.returncode == 0, check.stderr
    assert "check: 12 derivation(s) rebuilt, every one bit-identical" in check.stderr
    prov = sx(sx_argv, base, "provenance", "stage0-M0")
    assert prov.returncode == 0, prov.stderr
    assert prov.stdout == f"{fixed_output_path(recipes.seed())}\t246 bytes\tbinary seed\n"


def test_edited_seed_source_fails_as_an_unprivileged_user(sx_argv: list[str],
                                                          base: Path) -> None:
    assert sx(sx_argv, base, "realize", "stage0-hex0").returncode == 0
    changed = base / "hex0.hex0"
    changed.write_text(Path(recipes.SEED_SOURCE).read_text().replace("CD 80", "CD 81", 1))
    recipe = base / "edited.py"
    recipe.write_text("from sx.derivations.bootstrap.stage0 import recipes as r\n"
                      f"r.SEED_SOURCE = {str(changed)!r}\n"
                      "def hex0():\n    return r.hex0()\n")
    if os.geteuid() == 0:
        for f in (changed, recipe):
            os.chown(f, NOBODY, NOBODY)
    proc = sx(sx_argv, base, "realize", f"{recipe}:hex0")
    assert proc.returncode == 4, proc.stderr
    assert f"pins sha256:{recipes.SEED_SHA256}" in proc.stderr
