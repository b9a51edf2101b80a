"""Running sx as an unprivileged user on a root that user owns (for any test folder).

As root, commands run as uid/gid 65534 (``setpriv``, no capabilities); run by
a non-root user, they run as that user. The store root lives in a directory
the user owns, either private (0700) or world-searchable (0755), under the
system's temp dir (pytest's own temp dirs are private to root).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

NOBODY = 65534
SETPRIV = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
           "--inh-caps=-all"]
MAIN = "import sys; from sx.cli.main import main; sys.argv[0] = 'sx'; sys.exit(main())"


def as_user() -> list[str]:
    """The command prefix that drops to the unprivileged user (nothing when not root)."""
    return SETPRIV if os.geteuid() == 0 else []


def user_base(mode: int) -> Iterator[Path]:
    """A fresh directory owned by the user with ``mode`` (for a fixture to yield)."""
    d = Path(tempfile.mkdtemp(prefix="sx-unpriv-"))
    os.chmod(d, mode)
    if os.geteuid() == 0:
        os.chown(d, NOBODY, NOBODY)
    try:
        yield d
    finally:
        from sx.store.fsutil import remove_tree

        remove_tree(str(d))


def give(path: Path) -> Path:
    """Hand a file or tree made by the test over to the user (as root)."""
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(path)], check=True)
    return path


class UserSx:
    """``sx --root BASE/NAME ...`` as the unprivileged user; never raises on failure."""

    def __init__(self, base: Path, name: str = "root") -> None:
        self.base = base
        self.root = str(base / name)

    def __call__(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run with text output."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.base),
               "LC_ALL": "C", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        return subprocess.run([*as_user(), sys.executable, "-c", MAIN, "--root", self.root,
                               *args], capture_output=True, text=True, cwd=self.base, env=env,
                              timeout=timeout, check=False)

    def ok(self, *args: str) -> str:
        """Run, require exit 0, return stdout."""
        r = self(*args)
        assert r.returncode == 0, f"sx {' '.join(args)} failed ({r.returncode}): {r.stderr}"
        return r.stdout
