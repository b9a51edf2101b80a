"""Trees deeper than PATH_MAX allows to name: made and inspected through descriptors.

Python's ``os.walk`` and ``shutil.rmtree`` (3.11) recurse and build long
paths, so tests that make such trees also remove them with sx's iterative
``remove_tree`` (pytest's own cleanup would crash on them).
"""

from __future__ import annotations

import os


def deep_chain(top: str, depth: int, name: str = "d", leaf: bytes | None = b"bottom") -> None:
    """``top/d/d/.../d`` (``depth`` directories below ``top``), with a file ``leaf`` at the end."""
    os.makedirs(top, exist_ok=True)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir(name, 0o755, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        if leaf is not None:
            out = os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(out, leaf)
            os.close(out)
    finally:
        os.close(fd)


def chain_depth(top: str, name: str = "d") -> int:
    """How many ``name`` directories are nested below ``top``."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    depth = 0
    try:
        while True:
            try:
                nxt = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except (FileNotFoundError, NotADirectoryError):
                return depth
            os.close(fd)
            fd = nxt
            depth += 1
    finally:
        os.close(fd)


def open_fds(under: str) -> list[str]:
    """What this process's open descriptors name inside ``under`` (other threads of
    the test process may open and close descriptors of their own meanwhile)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target == under or target.startswith(under + "/"):
            found.append(target)
    return found
