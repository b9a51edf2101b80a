"""Running sx as an unprivileged user, from tests that run as root (or as anyone).

As root, commands run as uid/gid 65534 (``setpriv``, no capabilities) on
directories that user owns; run by a non-root user they run as that user.
sx must be importable by the user: this Python when uid 65534 can run it,
else the system's ``/usr/bin/python3`` of the same version with this
environment's packages (:func:`sx_argv` fails, saying so, when neither works).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from pathlib import Path

NOBODY = 65534
SETPRIV = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
           "--inh-caps=-all"]
MAIN = "import sys; from sx.cli.main import main; sys.argv[0] = 'sx'; sys.exit(main())"
SYSTEM_PYTHON = "/usr/bin/python3"


def as_user() -> list[str]:
    """The prefix that runs a command as the unprivileged user."""
    return SETPRIV if os.geteuid() == 0 else []


def user_id() -> int:
    """The uid the unprivileged commands run as."""
    return NOBODY if os.geteuid() == 0 else os.geteuid()


def _works(argv: list[str]) -> bool:
    proc = subprocess.run([*as_user(), *argv, "--help"], capture_output=True, cwd="/",
                          timeout=60, check=False)
    return proc.returncode == 0


@functools.cache
def sx_argv() -> list[str]:
    """How the unprivileged user runs sx (an AssertionError when it cannot)."""
    own = [sys.executable, "-c", MAIN]
    if _works(own):
        return own
    site = sysconfig.get_paths()["purelib"]
    system = [SYSTEM_PYTHON, "-c", f"import site; site.addsitedir({site!r}); {MAIN}"]
    same = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print(sys.version_info[:2])"],
                          capture_output=True, text=True, timeout=60, check=False)
    if same.stdout.strip() == str(sys.version_info[:2]) and _works(system):
        return system
    raise AssertionError(f"uid {user_id()} can run neither {sys.executable} nor "
                         f"{SYSTEM_PYTHON} with sx importable: put the checkout and its "
                         "environment where others can read them")


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
    return [*as_user(), *sx_argv(), *rooted, *args]


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
    return subprocess.run([*as_user(), *argv], capture_output=True, text=True, cwd=home,
                          env=user_env(home), timeout=timeout, check=False,
                          **kw)  # type: ignore[call-overload]
