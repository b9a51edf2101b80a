"""Golden archives: small trees and the exact NAR bytes and hashes they must give.

The files under ``data/nar/`` were written by Nix itself (``nix-store --dump``),
not by sx; regenerate them with ``python tests/store/test_nar_golden.py``
(needs nix-store) only if the trees below change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from store_helpers import shape, write
from sx.store import nar
from sx.store.hashing import Digest

DATA = Path(__file__).with_name("data") / "nar"


def _hash_and_size(m: nar.Measured) -> tuple[Digest, int]:
    return m.nar_hash, m.nar_size


def _mixed(p: Path) -> None:
    p.mkdir()
    write(p / "hello.txt", "hello\n")
    write(p / "eight", b"12345678")
    write(p / "nine", b"123456789")
    write(p / "empty", b"")
    write(p / "bin" / "run", "#!/bin/sh\nexit 0\n", executable=True)
    (p / "sub" / "empty-dir").mkdir(parents=True)
    write(p / "sub" / "B", "capital sorts first")
    write(p / "sub" / "a.b", "dot")
    write(p / "sub" / "a-b", "dash")
    write(p / "ünï", "utf-8 name\n")
    os.symlink("hello.txt", p / "link")
    os.symlink("../../outside", p / "sub" / "up")


TREES: dict[str, Callable[[Path], object]] = {
    "file-empty": lambda p: write(p, b""),
    "file-hello": lambda p: write(p, "hello\n"),
    "file-exec-8": lambda p: write(p, b"12345678", executable=True),
    "symlink": lambda p: os.symlink("target/somewhere", p),
    "dir-empty": lambda p: p.mkdir(),
    "dir-mixed": _mixed,
}


def _golden() -> dict[str, dict[str, object]]:
    with open(DATA / "hashes.json") as f:
        result: dict[str, dict[str, object]] = json.load(f)
    return result


def _build(tmp_path: Path, name: str) -> Path:
    p = tmp_path / "tree"
    TREES[name](p)
    return p


@pytest.mark.parametrize("name", sorted(TREES))
def test_dump_gives_the_golden_bytes(tmp_path: Path, name: str) -> None:
    assert nar.dump_bytes(_build(tmp_path, name)) == (DATA / f"{name}.nar").read_bytes()


@pytest.mark.parametrize("name", sorted(TREES))
def test_hashes_are_golden(tmp_path: Path, name: str) -> None:
    want = _golden()[name]
    tree = _build(tmp_path, name)
    assert nar.hash_path(tree) == (Digest.parse(str(want["b3"])), want["size"])
    assert nar.hash_path(tree, "sha256")[0] == Digest.parse(str(want["sha256"]))


@pytest.mark.parametrize("name", sorted(TREES))
def test_golden_files_are_intact(name: str) -> None:
    data = (DATA / f"{name}.nar").read_bytes()
    assert str(Digest.b3(data)) == _golden()[name]["b3"]
    assert len(data) == _golden()[name]["size"]


@pytest.mark.parametrize("name", sorted(TREES))
def test_restoring_the_golden_bytes_gives_the_tree(tmp_path: Path, name: str) -> None:
    tree = _build(tmp_path, name)
    data = (DATA / f"{name}.nar").read_bytes()
    out = tmp_path / "out"
    assert _hash_and_size(nar.restore_bytes(data, str(out))) == (Digest.b3(data), len(data))
    assert shape(out) == shape(tree)


def test_dir_mixed_layout_is_as_documented() -> None:
    # The start of every archive, spelled out as in docs/archive.md.
    data = (DATA / "dir-mixed.nar").read_bytes()
    assert data[:8] == (13).to_bytes(8, "little")
    assert data[8:24] == b"nix-archive-1\0\0\0"
    assert data[24:40] == (1).to_bytes(8, "little") + b"(" + b"\0" * 7


def _regenerate() -> None:
    import tempfile

    DATA.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in sorted(TREES.items()):
            tree = Path(tmp) / name / "tree"
            tree.parent.mkdir()
            build(tree)
            data = subprocess.run(["nix-store", "--dump", str(tree)], capture_output=True,
                                  check=True).stdout
            (DATA / f"{name}.nar").write_bytes(data)
            sha = subprocess.run(["nix-hash", "--type", "sha256", str(tree)],
                                 capture_output=True, text=True, check=True).stdout.strip()
            hashes[name] = {"b3": str(Digest.b3(data)), "sha256": f"sha256:{sha}",
                            "size": len(data)}
    with open(DATA / "hashes.json", "w") as f:
        json.dump(hashes, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    _regenerate()
