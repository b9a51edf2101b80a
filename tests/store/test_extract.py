"""The shared extractor: entries land inside the tree or are refused, never followed out."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import shape
from sx.store import extract
from sx.store.errors import Corrupt
from sx.store.extract import Extractor, Limits
from sx.store.fsutil import remove_tree


@pytest.fixture(params=["openat2", "per-component"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run each test with openat2 and with the O_NOFOLLOW-per-component fallback."""
    if request.param == "openat2":
        assert extract._openat2() is not None, "this kernel should have openat2"
    monkeypatch.setattr(extract, "USE_OPENAT2", request.param == "openat2")
    yield request.param


def write(ex: Extractor, parts: list[str], data: bytes, executable: bool = False) -> None:
    fd = ex.create_file(parts, executable)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def refused(match: str) -> pytest.RaisesContext[Corrupt]:
    return pytest.raises(Corrupt, match=match)


def one_line(e: pytest.ExceptionInfo[Corrupt]) -> str:
    text = str(e.value)
    assert "\n" not in text and text.startswith("unpack t: "), text
    return text


def test_every_kind_of_entry(tmp_path: Path, mode: str) -> None:
    dest = tmp_path / "out"
    with Extractor(str(dest), "unpack t") as ex:
        ex.mkdir([])
        ex.mkdir(["bin"])
        write(ex, ["bin", "sh"], b"#!", executable=True)
        write(ex, ["README"], b"hi")
        ex.symlink(["lib"], "bin")
        ex.symlink(["abs"], "/etc/passwd")
        ex.hardlink(["bin", "bash"], ["bin", "sh"])
        assert ex.entries == 7
    got = shape(dest)
    assert got["bin/sh"][:2] == ("f", True) and got["README"][:2] == ("f", False)
    assert got["lib"] == ("l", "bin") and got["abs"] == ("l", "/etc/passwd")
    assert os.stat(dest / "bin" / "bash").st_ino == os.stat(dest / "bin" / "sh").st_ino


def test_root_can_be_a_file_or_a_symlink(tmp_path: Path, mode: str) -> None:
    with Extractor(str(tmp_path / "f"), "unpack t") as ex:
        write(ex, [], b"only a file")
    with Extractor(str(tmp_path / "l"), "unpack t") as ex:
        ex.symlink([], "/anywhere")
    assert (tmp_path / "f").read_bytes() == b"only a file"
    assert os.readlink(tmp_path / "l") == "/anywhere"


def test_a_symlink_it_made_is_never_followed(tmp_path: Path, mode: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    with Extractor(str(tmp_path / "out"), "unpack t") as ex:
        ex.mkdir([])
        ex.symlink(["evil"], str(outside))
        for make in (lambda: ex.mkdir(["evil", "etc"]),
                     lambda: write(ex, ["evil", "cron"], b"* * * * * boom"),
                     lambda: ex.symlink(["evil", "x"], "/"),
                     lambda: ex.mkdir(["evil", "a", "b"])):
            with refused("not a directory") as e:
                make()
            one_line(e)
    assert os.listdir(outside) == []


def test_a_symlink_already_in_the_tree_is_never_followed(tmp_path: Path, mode: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "out"
    (dest / "sub").mkdir(parents=True)
    os.symlink(outside, dest / "sub" / "link")
    with Extractor(str(dest), "unpack t", parents=True) as ex, refused("not a directory"):
        write(ex, ["sub", "link", "deeper", "x"], b"no")
    assert os.listdir(outside) == []


def test_a_file_in_the_way(tmp_path: Path, mode: str) -> None:
    with Extractor(str(tmp_path / "out"), "unpack t") as ex:
        ex.mkdir([])
        write(ex, ["f"], b"")
        with refused("'f/x': a parent is not a directory"):
            write(ex, ["f", "x"], b"")
        with refused("exists and is not a directory"):
            ex.mkdir(["f"], exist_ok=True)


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\0b", "x" * 256])
def test_bad_names_are_refused(tmp_path: Path, mode: str, name: str) -> None:
    with Extractor(str(tmp_path / "out"), "unpack t") as ex:
        ex.mkdir([])
        with refused("invalid entry name") as e:
            write(ex, [name], b"")
        one_line(e)
        with refused("invalid entry name"):
            ex.mkdir(["ok", name, "below"])
    assert os.listdir(tmp_path / "out") == []


def test_a_255_byte_name_is_fine(tmp_path: Path, mode: str) -> None:
    with Extractor(str(tmp_path / "out"), "unpack t") as ex:
        ex.mkdir([])
        write(ex, ["n" * 255], b"long")
    assert (tmp_path / "out" / ("n" * 255)).read_bytes() == b"long"


def test_hard_links_only_to_files_it_extracted(tmp_path: Path, mode: str) -> None:
    secret = tmp_path / "secret"
    secret.write_text("host file")
    with Extractor(str(tmp_path / "out"), "unpack t") as ex:
        ex.mkdir([])
        ex.symlink(["l0"], str(secret))
        ex.mkdir(["d"])
        for target in (["l0"], ["d"], ["absent"], ["..", "secret"], [str(secret)]):
            with refused("not a regular file extracted before it") as e:
                ex.hardlink(["h"], target)
            one_line(e)
    assert sorted(os.listdir(tmp_path / "out")) == ["d", "l0"]


def test_duplicates_are_refused_unless_replacing(tmp_path: Path, mode: str) -> None:
    with Extractor(str(tmp_path / "a"), "unpack t") as ex:
        ex.mkdir([])
        write(ex, ["f"], b"first")
        with refused("'f': appears twice"):
            write(ex, ["f"], b"second")
        with refused("appears twice"):
            ex.symlink(["f"], "x")
        ex.mkdir(["d"])
        with refused("appears twice"):
            ex.mkdir(["d"])
        ex.mkdir(["d"], exist_ok=True)
    assert (tmp_path / "a" / "f").read_bytes() == b"first"
    with Extractor(str(tmp_path / "b"), "unpack t", replace=True) as ex:
        ex.mkdir([])
        write(ex, ["f"], b"first")
        ex.symlink(["f"], "elsewhere")
        with refused("not a regular file extracted before it"):
            ex.hardlink(["g"], ["f"])
        write(ex, ["f"], b"third")
        ex.mkdir(["d"])
        with refused("replaces a directory"):
            write(ex, ["d"], b"")
    assert (tmp_path / "b" / "f").read_bytes() == b"third"


def test_parents_are_created_only_when_asked(tmp_path: Path, mode: str) -> None:
    with Extractor(str(tmp_path / "a"), "unpack t") as ex:
        with refused("comes before the root directory"):
            write(ex, ["x"], b"")
        ex.mkdir([])
        with refused("'a/b/c': comes before its directory"):
            write(ex, ["a", "b", "c"], b"")
    with Extractor(str(tmp_path / "b"), "unpack t", parents=True) as ex:
        write(ex, ["a", "b", "c"], b"deep")
        ex.mkdir(["a"], exist_ok=True)
        assert ex.entries == 5  # root, a, a/b, a/b/c, and the mkdir of a
    assert (tmp_path / "b" / "a" / "b" / "c").read_bytes() == b"deep"


def test_limits(tmp_path: Path, mode: str) -> None:
    limits = Limits(entries=5, depth=3, path=12)
    with Extractor(str(tmp_path / "out"), "unpack t", limits) as ex:
        ex.mkdir([])
        with refused("deeper than 3 levels") as e:
            ex.mkdir(["a", "b", "c", "d"])
        one_line(e)
        with refused("path of 13 bytes is longer than 12"):
            write(ex, ["abcdef", "ghijkl"], b"")
        for name in "wxyz":
            write(ex, [name], b"")
        with refused("more than 5 entries"):
            write(ex, ["v"], b"")


def test_default_limits_match_the_store(tmp_path: Path, mode: str) -> None:
    with Extractor(str(tmp_path / "out"), "unpack t", parents=True) as ex:
        with refused("deeper than 1024 levels"):
            write(ex, ["d"] * 1025, b"")
        with refused("path of 3841 bytes is longer than 3840"):
            write(ex, ["n" * 255] * 15 + ["n" * 1], b"")
    assert not os.path.lexists(tmp_path / "out" / "d")


def test_a_deep_chain_needs_few_descriptors(tmp_path: Path, mode: str) -> None:
    depth = 1000
    parts: list[str] = []
    fds_before = len(os.listdir("/proc/self/fd"))
    with Extractor(str(tmp_path / "out"), "unpack t") as ex:
        ex.mkdir([])
        for _ in range(depth):
            parts.append("d")
            ex.mkdir(parts)
        write(ex, [*parts, "leaf"], b"bottom")
        # Back at the top after the cache forgot the deep levels: reopened, not followed.
        write(ex, ["top"], b"")
        write(ex, [*parts[:500], "middle"], b"")
        assert len(os.listdir("/proc/self/fd")) - fds_before <= 70
    fd = os.open(tmp_path / "out", os.O_RDONLY)
    try:
        for _ in range(depth):
            nxt = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        assert os.stat("leaf", dir_fd=fd).st_size == 6
    finally:
        os.close(fd)
    remove_tree(str(tmp_path / "out"))  # pytest's own cleanup recurses


def test_many_directories_in_random_order(tmp_path: Path, mode: str) -> None:
    rnd = random.Random(7)
    dirs = [[f"d{i}", f"e{i % 7}"] for i in range(200)]
    with Extractor(str(tmp_path / "out"), "unpack t", parents=True) as ex:
        for d in dirs:
            ex.mkdir(d[:1], exist_ok=True)
            ex.mkdir(d, exist_ok=True)
        order = [(d, n) for d in dirs for n in range(3)]
        rnd.shuffle(order)
        for d, n in order:
            write(ex, [*d, f"f{n}"], f"{d}{n}".encode())
    for d in dirs:
        for n in range(3):
            assert (tmp_path / "out" / d[0] / d[1] / f"f{n}").read_text() == f"{d}{n}"


def test_an_existing_destination_must_be_a_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path, tmp_path / "link")
    from sx.store.errors import StorageError
    for name in ("file", "link"):
        with pytest.raises(StorageError, match="is not a directory"):
            Extractor(str(tmp_path / name), "unpack t")
