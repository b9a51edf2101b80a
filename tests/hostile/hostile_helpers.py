"""Checks every hostile-input test makes: one line, the right exit code, nothing left."""

from __future__ import annotations

import os
import subprocess
from collections import Counter

TRIED: Counter[str] = Counter()
"""Inputs each fuzz target ran (incremented by the targets, printed by conftest)."""


def one_line(r: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The single ``sx:`` line of a refused command (exit ``code``, no traceback)."""
    lines = r.stderr.strip().splitlines()
    assert r.returncode == code, (r.returncode, r.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("sx: "), r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    return lines[0]


def empty_store(root: str) -> bool:
    """Nothing registered on disk and nothing left in ``<root>/tmp``."""
    return os.listdir(os.path.join(root, "store")) == [] and \
        os.listdir(os.path.join(root, "tmp")) == []


def assert_clean_refusal(r: subprocess.CompletedProcess[str], root: str, verb: str,
                         code: int = 1) -> str:
    """A refusal in one line naming ``verb``, with nothing registered or left behind."""
    line = one_line(r, code)
    assert verb in line, line
    assert empty_store(root), (os.listdir(os.path.join(root, "store")),
                               os.listdir(os.path.join(root, "tmp")))
    return line
