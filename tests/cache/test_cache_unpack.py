"""The download unpacker against the store's archive reader: same trees, same refusals."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cache_helpers import make_tree
from sx.store import nar
from sx.store.cache.unpack import restore_whole
from sx.store.errors import Corrupt


def reader(data: bytes, most: int | None = None) -> Callable[[int], bytes]:
    """``read(n)`` over ``data``, returning at most ``most`` bytes per call."""
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        take = n if most is None else min(n, most)
        chunk = data[pos:pos + take]
        pos += len(chunk)
        return chunk
    return read


def mixed_tree(root: Path, big: bool = True) -> Path:
    """Edge cases: empty files and dirs, padding sizes, long names and targets, a big file."""
    d = make_tree(root, "mixed")
    (d / "empty").write_bytes(b"")
    (d / "emptydir" / "deeper").mkdir(parents=True)
    (d / "exec-empty").write_bytes(b"")
    (d / "exec-empty").chmod(0o755)
    for n in range(17):
        (d / f"size{n:02d}").write_bytes(b"x" * n)
    (d / ("n" * 255)).write_bytes(b"long name")
    os.symlink("t" * 4000, d / "long-target")
    (d / "\u00e9t\u00e9").write_bytes(b"utf-8 name")
    if big:
        (d / "big").write_bytes(os.urandom((5 << 20) + 3))
    return d


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return nar.dump_bytes(str(mixed_tree(tmp_path_factory.mktemp("src"))))


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return nar.dump_bytes(str(mixed_tree(tmp_path_factory.mktemp("src"), big=False)))


@pytest.mark.parametrize("which,most", [("big", None), ("big", 4096), ("small", 1),
                                        ("small", 7)])
def test_same_tree_and_hash_as_nar_restore(archive: bytes, small_archive: bytes,
                                           tmp_path: Path, which: str, most: int | None
                                           ) -> None:
    archive = archive if which == "big" else small_archive
    want = nar.restore(reader(archive), str(tmp_path / "a"), "a")
    got = restore_whole(reader(archive, most), str(tmp_path / "b"), "b")
    assert got == want == (nar.hash_path(str(tmp_path / "a"))[0], len(archive))
    assert nar.dump_bytes(str(tmp_path / "b")) == archive


@pytest.mark.parametrize("make", [
    lambda p: p.write_bytes(b"a single file"),
    lambda p: os.symlink("somewhere", p),
    lambda p: p.mkdir(),
])
def test_roots_of_every_kind(tmp_path: Path, make: Callable[[Path], None]) -> None:
    make(tmp_path / "src")
    data = nar.dump_bytes(str(tmp_path / "src"))
    assert restore_whole(reader(data), str(tmp_path / "out"), "x")[1] == len(data)
    assert nar.dump_bytes(str(tmp_path / "out")) == data


def test_trailing_data_is_refused(archive: bytes, tmp_path: Path) -> None:
    with pytest.raises(Corrupt, match="read archive x: data after the end of the archive"):
        restore_whole(reader(archive + b"\0"), str(tmp_path / "out"), "x")


def test_truncation_is_refused(archive: bytes, tmp_path: Path) -> None:
    for i, cut in enumerate([0, 5, 100, len(archive) // 2, len(archive) - 1]):
        with pytest.raises(Corrupt, match="truncated"):
            restore_whole(reader(archive[:cut]), str(tmp_path / f"out{i}"), "x")


def _outcome(fn: Callable[[], tuple[object, int]], data: bytes) -> str:
    try:
        _, size = fn()
    except Corrupt:
        return "corrupt"
    return "ok" if size == len(data) else "corrupt"  # nar.restore leaves trailing data


def test_mutations_are_judged_alike(tmp_path: Path) -> None:
    src = make_tree(tmp_path, "small")
    (src / "sub" / "z").write_bytes(b"abc")
    data = nar.dump_bytes(str(src))
    rnd = random.Random(1234)
    for i in range(600):
        mutated = bytearray(data)
        pos = rnd.randrange(len(mutated))
        if i % 3 == 0:
            mutated = mutated[:pos]
        else:
            mutated[pos] ^= 1 << rnd.randrange(8)
        m = bytes(mutated)
        a, b = tmp_path / f"a{i}", tmp_path / f"b{i}"
        want = _outcome(lambda m=m, a=a: nar.restore(reader(m), str(a), "a"), m)
        got = _outcome(lambda m=m, b=b: restore_whole(reader(m, 64), str(b), "b"), m)
        assert got == want, f"mutation {i} at {pos}"
        if got == "ok":
            assert nar.dump_bytes(str(a)) == nar.dump_bytes(str(b))
        for d in (a, b):
            if d.exists() or d.is_symlink():
                shutil.rmtree(d) if d.is_dir() and not d.is_symlink() else d.unlink()
