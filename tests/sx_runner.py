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


class Sx:
    """Runs ``sx --root ROOT ...`` as a subprocess; never raises on a non-zero exit."""

    def __init__(self, root: str) -> None:
        self.root = root

    def argv(self, *args: str) -> list[str]:
        """The full command line for ``sx --root ROOT ARGS``."""
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
