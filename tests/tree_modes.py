"""What canonical form is checked by: each entry's permission bits and mtime."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def modes(root: Path) -> dict[str, tuple[int, float]]:
    """Every entry of the tree at ``root`` (the root itself as ``.``): its permission
    bits (0 for a symlink, whose bits mean nothing) and its mtime (a symlink's own)."""
    out = {".": _mode(os.lstat(root))}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = _mode(os.lstat(path))
    return out


def _mode(st: os.stat_result) -> tuple[int, float]:
    bits = 0 if stat.S_ISLNK(st.st_mode) else stat.S_IMODE(st.st_mode)
    return bits, st.st_mtime
