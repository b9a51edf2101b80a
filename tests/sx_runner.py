"""Running the sx command line as a subprocess on one store root (for any test folder)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any


def sx_env(root: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for sx subprocesses on ``root``: unbuffered, no stray SX_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SX_")}
    env.update({"SX_ROOT": root, "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


NOBODY = 65534
_SETPRIV = ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups",
            "--inh-caps=-all"]
# An interpreter started as nobody finds sx through this venv's site directory.
_BOOT = ("import site, sys\n"
         "for d in sys.argv[1].split(':'):\n"
         "    site.addsitedir(d)\n"
         "sys.argv = ['sx', *sys.argv[2:]]\n"
         "from sx.cli.main import main\n"
         "sys.exit(main())\n")


def _others_reach(path: str) -> bool:
    """Whether a user with no rights of its own can run ``path`` (every directory searchable)."""
    real = os.path.realpath(path)
    parts = real.split("/")
    dirs = ["/".join(parts[:i]) or "/" for i in range(1, len(parts))]
    return all(os.stat(d).st_mode & 0o001 for d in dirs) and bool(os.stat(real).st_mode & 0o005)


def nobody_python() -> list[str]:
    """``setpriv`` plus an interpreter that user nobody can run, booting sx from this venv."""
    exe = sys.executable
    if not _others_reach(exe):
        exe = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
        if not os.path.exists(exe) or not _others_reach(exe):
            raise RuntimeError(f"no Python {sys.version_info[:2]} that user nobody can run")
    sites = ":".join(p for p in sys.path if p.endswith("-packages") and os.path.isdir(p))
    return [*_SETPRIV, exe, "-c", _BOOT, sites]


class Sx:
    """Runs ``sx --root ROOT ...`` as a subprocess; never raises on a non-zero exit.

    With ``nobody``, runs it as user nobody (uid 65534, no capabilities): the
    root and everything the command reads must be reachable by that user.
    """

    def __init__(self, root: str, nobody: bool = False) -> None:
        self.root = root
        self.nobody = nobody

    def argv(self, *args: str) -> list[str]:
        """The full command line for ``sx --root ROOT ARGS``."""
        if self.nobody:
            return [*nobody_python(), "--root", self.root, *args]
        return [sys.executable, "-m", "sx.cli.main", "--root", self.root, *args]

    def __call__(self, *args: str, input: str | None = None, timeout: float = 120,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run with text input and output."""
        return subprocess.run(self.argv(*args), input=input, capture_output=True, text=True,
                              env=sx_env(self.root, env), timeout=timeout, check=False)

    def raw(self, *args: str, input: bytes | None = None, timeout: float = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run with binary input and output (archives, export streams)."""
        return subprocess.run(self.argv(*args), input=input, capture_output=True,
                              env=sx_env(self.root, env), timeout=timeout, check=False)

    def ok(self, *args: str, **kw: Any) -> str:
        """Run, require exit status 0, and return stdout."""
        r = self(*args, **kw)
        assert r.returncode == 0, f"sx {' '.join(args)} failed ({r.returncode}): {r.stderr}"
        return r.stdout
