"""Fixtures every test folder may use: a fresh store and the sx command line.

Each test gets its own physical store root under pytest's ``tmp_path``; no
test ever touches the default root. Folders that need more add their own
``conftest.py`` (a fixture defined there overrides one of the same name here).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sx.store.local import LocalStore


@pytest.fixture
def root(tmp_path: Path) -> str:
    """A fresh physical store root (not created yet)."""
    return str(tmp_path / "root")


@pytest.fixture
def store(root: str) -> Iterator[LocalStore]:
    """A store at ``root``, opened in this process."""
    s = LocalStore(root)
    yield s
    s.temp_roots.close()


def sx_env(root: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for sx subprocesses on ``root``: unbuffered, no stray SX_ROOT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SX_")}
    env.update({"SX_ROOT": root, "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


class Sx:
    """Runs the sx command line as a subprocess on one store root."""

    def __init__(self, root: str) -> None:
        self.root = root

    def argv(self, *args: str) -> list[str]:
        """The full command line for ``sx --root ROOT ARGS``."""
        return [sys.executable, "-m", "sx.cli.main", "--root", self.root, *args]

    def __call__(self, *args: str, input: str | None = None, timeout: float = 120,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run with text input and output; never raises on a non-zero exit."""
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


@pytest.fixture
def sx(root: str) -> Sx:
    """The sx command line on ``root``: ``sx("store", "add", p)``, ``sx.raw(..)``, ``sx.ok(..)``."""
    return Sx(root)
