"""Every test folder is collected by a plain ``pytest`` run (none silently left out)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_every_test_folder_is_collected() -> None:
    folders = sorted(p.name for p in TESTS.iterdir()
                     if p.is_dir() and any(p.glob("test_*.py")))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=TESTS.parent, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    collected = {line.split("/")[1] for line in proc.stdout.splitlines()
                 if line.startswith("tests/") and line.count("/") >= 2}
    assert set(folders) <= collected, set(folders) - collected
    assert "build" in folders
