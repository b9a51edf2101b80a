"""Directories and commands of an unprivileged user, for tests that run as root (or anyone).

How that user runs sx at all (``setpriv`` to uid 65534 as root, and which
Python it can run) is :mod:`sx_runner`'s; this adds a home the user owns,
and running sx there with the user's plain environment and default root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sx_runner import NOBODY, as_nobody, unprivileged_python


def user_id() -> int:
    """The uid the unprivileged commands run as."""
    return NOBODY if os.geteuid() == 0 else os.geteuid()


def user_dir(kind: str, prefix: str = "sx-user-") -> Path:
    """A fresh directory the user owns under the system temp dir: 0700 or 0755."""
    assert kind in ("private", "searchable")
    d = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(d, 0o700 if kind == "private" else 0o755)
    give(d)
    return d


def give(*paths: Path) -> None:
    """Make ``paths`` (recursively) the unprivileged user's."""
    if os.geteuid() != 0:
        return
    for p in paths:
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(p)], check=True)


def remove_dir(d: Path) -> None:
    """Remove a test directory (read-only store trees included)."""
    subprocess.run(["chmod", "-R", "u+w", str(d)], check=False)
    shutil.rmtree(d, ignore_errors=True)


def user_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A plain environment for the user: ``PATH``, ``HOME``, ``LC_ALL`` (no ``SX_*``)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LC_ALL": "C",
           "PYTHONUNBUFFERED": "1"}
    env.update(extra or {})
    return env


def sx_command(root: Path | None, *args: str) -> list[str]:
    """The argv of ``sx [--root ROOT] ARGS`` as the user."""
    rooted = ["--root", str(root)] if root is not None else []
    return [*as_nobody(), *unprivileged_python(), *rooted, *args]


def run_sx(root: Path | None, home: Path, *args: str, timeout: float = 300,
           env: dict[str, str] | None = None, cwd: Path | None = None
           ) -> subprocess.CompletedProcess[str]:
    """Run ``sx`` as the user; never raises on a non-zero exit."""
    return subprocess.run(sx_command(root, *args), capture_output=True, text=True,
                          cwd=cwd or home, env=user_env(home, env), timeout=timeout,
                          check=False)


def run_as_user(argv: Sequence[str], home: Path, timeout: float = 120,
                **kw: object) -> subprocess.CompletedProcess[str]:
    """Run any command as the user."""
    return subprocess.run([*as_nobody(), *argv], capture_output=True, text=True, cwd=home,
                          env=user_env(home), timeout=timeout, check=False,
                          **kw)  # type: ignore[call-overload]
