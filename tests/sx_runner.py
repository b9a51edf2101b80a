"""Running the sx command line as a subprocess on one store root (for any test folder)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import sysconfig
from typing import Any


def sx_env(root: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for sx subprocesses on ``root``: unbuffered, no stray SX_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SX_")}
    env.update({"SX_ROOT": root, "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


NOBODY = 65534
SETPRIV = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
           "--inh-caps=-all"]
_MAIN = "import sys; from sx.cli.main import main; sys.argv[0] = 'sx'; sys.exit(main())"
SYSTEM_PYTHON = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"


def as_nobody() -> list[str]:
    """The prefix that runs a command unprivileged: ``setpriv`` to nobody as root, else none."""
    return SETPRIV if os.geteuid() == 0 else []


def _works(argv: list[str]) -> bool:
    proc = subprocess.run([*as_nobody(), *argv, "--help"], capture_output=True, cwd="/",
                          timeout=60, check=False)
    return proc.returncode == 0


@functools.cache
def unprivileged_python(code: str = _MAIN) -> list[str]:
    """How the unprivileged user runs sx (or ``code``, with sx importable): this Python
    when that user can run it, else the system's Python of the same version with this
    environment's packages."""
    if _works([sys.executable, "-c", _MAIN]):
        return [sys.executable, "-c", code]
    site = sysconfig.get_paths()["purelib"]
    prefix = f"import site; site.addsitedir({site!r}); "
    if os.path.exists(SYSTEM_PYTHON) and _works([SYSTEM_PYTHON, "-c", prefix + _MAIN]):
        return [SYSTEM_PYTHON, "-c", prefix + code]
    raise RuntimeError(f"uid {NOBODY} can run neither {sys.executable} nor {SYSTEM_PYTHON} "
                       "with sx importable: put the checkout and its environment where "
                       "others can read them")


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
            return [*as_nobody(), *unprivileged_python(), "--root", self.root, *args]
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
