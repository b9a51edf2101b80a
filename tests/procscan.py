"""Finding the processes of a build on this machine, by a marker only they carry.

A test gives its builder an environment variable (or argv word) that no
other process has, then scans ``/proc`` for it: that is how the tests see
whether a killed build left anything behind.
"""

from __future__ import annotations

import os
import time


def with_marker(marker: str) -> list[int]:
    """Pids of the processes whose environment or command line contains ``marker``."""
    needle = marker.encode()
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for part in ("environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{part}", "rb") as f:
                    if needle in f.read():
                        found.append(int(pid))
                        break
            except OSError:
                continue  # gone, or a kernel thread
    return found


def wait_for(marker: str, count: int, timeout: float = 60) -> list[int]:
    """Wait until at least ``count`` processes carry ``marker``; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        pids = with_marker(marker)
        if len(pids) >= count or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)


def wait_gone(marker: str, timeout: float) -> list[int]:
    """Wait up to ``timeout`` s for every process carrying ``marker`` to end; the survivors."""
    deadline = time.monotonic() + timeout
    while True:
        pids = with_marker(marker)
        if not pids or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)
