"""The store used by an unprivileged user: directories are installed like files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sx.store.fsutil import remove_tree
from sx_runner import NOBODY, Sx


def test_nobody_adds_a_directory_and_the_store_stays_consistent() -> None:
    base = Path(tempfile.mkdtemp(prefix="sx-nobody-"))
    try:
        os.chmod(base, 0o755)
        src = base / "src" / "sub"
        src.mkdir(parents=True)
        (src / "f").write_text("hi\n")
        for p in (base, *base.rglob("*")):
            os.chown(p, NOBODY, NOBODY)
        sx = Sx(str(base / "root"), nobody=True)
        r = sx("store", "add", str(base / "src"))
        assert r.returncode == 0, r.stderr
        real = sx.root + "/store/" + r.stdout.strip().rsplit("/", 1)[1]
        assert os.stat(real).st_mode & 0o777 == 0o555  # read-only again once in place
        assert (Path(real) / "sub" / "f").read_text() == "hi\n"
        v = sx("store", "verify", "--check-contents")
        assert v.returncode == 0 and "consistent" in v.stderr, v.stderr
    finally:
        remove_tree(str(base))
