"""Nix as an independent oracle for the archive format, on real trees.

* ``nix-store --dump DIR | b3sum`` equals sx's archive hash of DIR;
* ``nix-store --restore`` unpacks sx's archives (from the library and from
  ``sx store dump``) into the same tree, file by file;
* sx restores Nix's archives into the same tree.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest
from store_helpers import (
    MIB,
    many_files,
    nix_dump,
    nix_dump_b3,
    nix_restore,
    rich_tree,
    shape,
    write,
)
from sx.store import nar
from sx.store.hashing import THREADED_MIN
from sx.store.local import LocalStore
from sx_runner import Sx

pytestmark = pytest.mark.nix


def _single_large_file(p: Path) -> Path:
    return write(p, os.urandom(5 * MIB + 3))


def _deep(p: Path) -> Path:
    d = p
    for i in range(60):
        d = d / f"level{i}"
    write(d / "bottom", "deep\n")
    return p


def _stdlib_slice(p: Path) -> Path:
    # Real source files of varied sizes: a slice of the interpreter's library.
    src = Path(sysconfig.get_paths()["stdlib"]) / "email"
    for f in sorted(src.rglob("*.py")):
        write(p / f.relative_to(src), f.read_bytes())
    return p


TREES: dict[str, Callable[[Path], Path]] = {
    "rich": rich_tree,
    "many-small-files": lambda p: many_files(p, 1500),
    "single-large-file": _single_large_file,
    "deep": _deep,
    "stdlib-slice": _stdlib_slice,
}


@pytest.fixture(params=sorted(TREES))
def tree(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return TREES[request.param](tmp_path / "tree")


def test_hash_equals_nix_dump_piped_to_b3sum(tree: Path) -> None:
    digest, size = nar.hash_path(tree)
    assert digest == nix_dump_b3(tree)
    assert size == len(nix_dump(tree))


def test_pool_and_one_thread_agree_with_nix(tmp_path: Path) -> None:
    # A lone file of THREADED_MIN bytes or more is hashed on BLAKE3's pool; the
    # same file inside a tree on one thread: both must be Nix's archive hash.
    big = write(tmp_path / "tree" / "big", os.urandom(THREADED_MIN + 5))
    write(tmp_path / "tree" / "small", "x")
    for path in (big, tmp_path / "tree"):
        assert nar.hash_path(path)[0] == nix_dump_b3(path)


def test_dump_bytes_equal_nix_dump(tree: Path) -> None:
    assert nar.dump_bytes(tree) == nix_dump(tree)


def test_nix_restores_sx_archive_to_the_same_tree(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "restored"
    nix_restore(nar.dump_bytes(tree), out)
    assert shape(out) == shape(tree)


def test_sx_restores_nix_archive_to_the_same_tree(tree: Path, tmp_path: Path) -> None:
    data = nix_dump(tree)
    out = tmp_path / "restored"
    nar.restore_bytes(data, str(out))
    assert shape(out) == shape(tree)


def test_added_path_dumps_through_the_cli_for_nix(sx: Sx, tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    path = sx.ok("store", "add", str(tree)).strip()
    archive = sx.raw("store", "dump", path)
    assert archive.returncode == 0, archive.stderr
    out = tmp_path / "restored"
    nix_restore(archive.stdout, out)
    assert shape(out) == shape(tree)
    assert sx.ok("hash", "path", str(tree)).strip() == str(nix_dump_b3(tree))
    assert sx.ok("hash", "path", "--type", "sha256", str(tree)).strip().startswith("sha256:")


def test_store_copy_has_the_source_archive(store: LocalStore, tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    info = store.add_tree(str(tree))
    assert info.nar_hash == nix_dump_b3(tree)
    assert nix_dump_b3(Path(store.real_path(info.path))) == info.nar_hash
