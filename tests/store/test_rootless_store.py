"""The store's commands as an unprivileged user on a root it owns.

Adding a directory used to fail with PermissionError: the tree was made
0555 before it was renamed into ``store/``, and Linux lets only root move a
directory whose ``..`` it cannot rewrite. Each case runs with the root in
a private (0700) and in a world-searchable (0755) directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sx.store.fsutil import remove_tree
from sx_runner import NOBODY, Sx
from unpriv import give, user_dir


@pytest.fixture(params=["private", "searchable"])
def base(request: pytest.FixtureRequest) -> Iterator[Path]:
    d = user_dir(request.param, prefix="sx-unpriv-")
    yield d
    remove_tree(str(d))


def user_sx(base: Path, name: str = "root") -> Sx:
    """sx as the unprivileged user on the root ``base/name``."""
    return Sx(str(base / name), nobody=True)


def _tree(base: Path, name: str) -> Path:
    tree = base / name
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "sub" / "deeper" / "file").write_text(f"{name}\n")
    (tree / "run").write_text("#!/bin/sh\n")
    (tree / "run").chmod(0o755)
    os.symlink("sub/deeper/file", tree / "link")
    give(tree)
    return tree


def test_add_export_import_delete_gc_verify(base: Path) -> None:
    sx = user_sx(base)
    path = sx.ok("store", "add", str(_tree(base, "tree"))).strip()
    real = Path(sx.root) / "store" / path.split("/")[-1]
    st = os.lstat(real)
    assert (st.st_mode & 0o7777, st.st_uid) == (0o555, NOBODY if os.geteuid() == 0
                                                else os.geteuid())
    assert sx.ok("store", "add", str(base / "tree")).strip() == path  # idempotent
    sx.ok("store", "verify", "--check-contents")

    sx.ok("store", "export", "-o", str(base / "tree.sxe"), path)
    other = user_sx(base, "other")
    assert other.ok("store", "import", str(base / "tree.sxe")).strip() == path
    other.ok("store", "verify", "--check-contents")

    sx.ok("export-oci", path, "-o", str(base / "img"))
    third = user_sx(base, "third")
    assert third.ok("import-oci", str(base / "img")).strip() == path

    other.ok("store", "delete", path)
    garbage = sx.ok("store", "add", str(_tree(base, "garbage"))).strip()
    assert sorted(sx.ok("gc").split()) == sorted([path, garbage])
    for s in (sx, other, third):
        s.ok("store", "verify", "--check-contents")
        assert os.listdir(os.path.join(s.root, "tmp")) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a leftover the user cannot remove")
def test_a_leftover_the_user_cannot_remove(base: Path) -> None:
    sx = user_sx(base)
    path = sx.ok("store", "add", str(_tree(base, "tree"))).strip()
    trash = Path(sx.root) / "tmp" / "trash-0123456789abcdef"
    (trash / "root-owned").mkdir(parents=True)
    (trash / "root-owned" / "f").write_text("root's\n")
    os.chown(trash, NOBODY, NOBODY)  # the user may open it, not what root put inside
    r = sx("path-info", path)
    assert r.returncode == 0 and r.stdout.strip() == path
    warning = r.stderr.strip().splitlines()
    assert len(warning) == 1 and "cannot remove leftover" in warning[0], r.stderr
    v = sx("store", "verify")
    assert v.returncode == 1 and "cannot remove leftover" in v.stdout, (v.stdout, v.stderr)
