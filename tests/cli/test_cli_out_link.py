"""``-o NAME`` never destroys data: only an older out-link is ever replaced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sx_runner import Sx


def _realize(sx: Sx, link: Path, what: str = "hello") -> object:
    return sx("realize", what, "-o", str(link))


def test_replaces_an_older_out_link(sx: Sx, tmp_path: Path) -> None:
    link = tmp_path / "result"
    assert sx("realize", "hello", "-o", str(link)).returncode == 0
    first = os.readlink(link)
    r = sx("realize", "hello-script", "-o", str(link))
    assert r.returncode == 0, r.stderr
    assert os.readlink(link) != first and os.readlink(link).endswith("-hello-script")
    # A dangling out-link (its path was collected) is still an out-link.
    os.unlink(link)
    os.symlink(str(tmp_path / "root" / "store" / ("0" * 32 + "-gone")), link)
    assert sx("realize", "hello", "-o", str(link)).returncode == 0
    # So is a link into another sx store (another --root).
    os.unlink(link)
    os.symlink("/elsewhere/store/" + "1" * 32 + "-old", link)
    assert sx("realize", "hello", "-o", str(link)).returncode == 0


@pytest.mark.parametrize("kind", ["file", "directory", "symlink elsewhere", "symlink to dir"])
def test_refuses_to_replace_anything_else(sx: Sx, tmp_path: Path, kind: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    link = work / "result"
    precious = work / "precious"
    precious.write_text("my data\n")
    if kind == "file":
        link.write_text("my data\n")
    elif kind == "directory":
        link.mkdir()
        (link / "x").write_text("mine\n")
    elif kind == "symlink elsewhere":
        link.symlink_to(precious)
    else:
        link.symlink_to(work)
    before = sorted(os.listdir(work))
    r = sx("realize", "hello", "-o", str(link))
    assert r.returncode == 1, r.stderr
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"sx: add out-link {link}: ") and "remove it first" in line
    assert sorted(os.listdir(work)) == before  # no temp link left behind either
    assert precious.read_text() == "my data\n"
    if kind == "file":
        assert link.read_text() == "my data\n"
    elif kind == "directory":
        assert (link / "x").read_text() == "mine\n"
    else:
        assert link.is_symlink()
    gcroots = tmp_path / "root" / "var" / "gcroots"
    assert not gcroots.exists() or os.listdir(gcroots) == []


def test_gc_roots_add_out_link_refuses_too(sx: Sx, tmp_path: Path) -> None:
    link = tmp_path / "keep"
    link.write_text("data\n")
    r = sx("gc", "roots", "add", "--out-link", str(link), "hello")
    assert r.returncode == 1 and "a file is there" in r.stderr
    assert link.read_text() == "data\n"
