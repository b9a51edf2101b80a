"""``--check``: explaining how a rebuilt output differs from the recorded one.

Both trees are walked in the same (sorted) order; the first entry that is
missing on one side, has a different type, executable bit, link target or
bytes is *the first differing file*. When diffoscope is installed it is run
on that file and the start of its report shown.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator

from sx.store.local import LocalStore
from sx.store.path import StorePath

DIFFOSCOPE_TIMEOUT = 120
DIFFOSCOPE_LINES = 40


def _entries(root: str) -> Iterator[str]:
    yield ""
    if not os.path.isdir(root) or os.path.islink(root):
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in sorted(dirnames + filenames):
            yield name if rel == "." else f"{rel}/{name}"


def _same(a: str, b: str) -> bool:
    sa, sb = os.lstat(a), os.lstat(b)
    if stat.S_IFMT(sa.st_mode) != stat.S_IFMT(sb.st_mode):
        return False
    if stat.S_ISLNK(sa.st_mode):
        return os.readlink(a) == os.readlink(b)
    if stat.S_ISREG(sa.st_mode):
        if (sa.st_mode & 0o100) != (sb.st_mode & 0o100) or sa.st_size != sb.st_size:
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                ca, cb = fa.read(1 << 20), fb.read(1 << 20)
                if ca != cb:
                    return False
                if not ca:
                    return True
    return True


def first_difference(a: str, b: str) -> str | None:
    """The relative name of the first entry that differs between trees ``a`` and ``b``."""
    names = sorted(set(_entries(a)) | set(_entries(b)))
    for rel in names:
        pa, pb = os.path.join(a, rel) if rel else a, os.path.join(b, rel) if rel else b
        if not os.path.lexists(pa) or not os.path.lexists(pb):
            return rel or "."
        if not _same(pa, pb):
            return rel or "."
    return None


def describe_difference(store: LocalStore, before: StorePath, after: StorePath,
                        say: Callable[[str], None]) -> str:
    """Name the first differing file; show diffoscope's view of it when installed."""
    a, b = store.real_path(before), store.real_path(after)
    rel = first_difference(a, b)
    if rel is None:
        return "contents equal but paths differ (references?)"
    fa = a if rel == "." else os.path.join(a, rel)
    fb = b if rel == "." else os.path.join(b, rel)
    tool = shutil.which("diffoscope")
    if tool and os.path.isfile(fa) and os.path.isfile(fb):
        try:
            proc = subprocess.run([tool, "--no-progress", "--text", "-", fa, fb],
                                  capture_output=True, timeout=DIFFOSCOPE_TIMEOUT, check=False)
            for line in proc.stdout.decode(errors="replace").splitlines()[:DIFFOSCOPE_LINES]:
                say(f"  diffoscope: {line}")
        except (OSError, subprocess.TimeoutExpired) as e:
            say(f"  diffoscope could not run: {e}")
    return f"first differing file: {rel}"
