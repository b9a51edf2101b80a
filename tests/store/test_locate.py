"""The one parser of store path arguments (store/locate.py), against hostile and odd input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sx.store.errors import InvalidInput
from sx.store.local import LocalStore
from sx.store.locate import MAX_HOPS, locate
from sx.store.path import StorePath

BASE = "0" * 32 + "-hello"
P = StorePath.from_base(BASE)


def test_forms_of_one_path(store: LocalStore, tmp_path: Path) -> None:
    sd = store.store_dir
    assert locate(sd, f"/sx/store/{BASE}") == (P, "")
    assert locate(sd, f"/sx/store/{BASE}/bin//sh/") == (P, "bin/sh")
    assert locate(sd, f"{sd}/{BASE}/share") == (P, "share")
    assert locate(sd, BASE) == (P, "")
    link = tmp_path / "result"
    link.symlink_to(f"{sd}/{BASE}")
    assert locate(sd, str(link)) == (P, "")
    assert locate(sd, f"{link}/bin/sh") == (P, "bin/sh")
    # A chain of links, relative ones included, ends in the store.
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "again").symlink_to("../result")
    assert locate(sd, str(tmp_path / "d" / "again" / "x")) == (P, "x")
    os.chdir(tmp_path)
    assert locate(sd, "result/bin") == (P, "bin")
    # A dangling out-link (its path was collected) still names the path.
    gone = tmp_path / "gone"
    gone.symlink_to(f"/sx/store/{'1' * 32}-gone")
    assert locate(sd, str(gone))[0].name == "gone"  # type: ignore[index]


def test_what_names_no_store_path(store: LocalStore, tmp_path: Path) -> None:
    sd = store.store_dir
    (tmp_path / "plain").write_text("x")
    (tmp_path / "elsewhere").symlink_to("/etc")
    for text in ("hello", "recipe.py:attr", str(tmp_path / "plain"),
                 str(tmp_path / "elsewhere" / "passwd"), str(tmp_path / "missing" / "x"), "",
                 "a\0b", "/", "-", f"{'0' * 31}-short"):
        assert locate(sd, text) is None, text


def test_loops_and_long_chains_end(store: LocalStore, tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert locate(store.store_dir, str(tmp_path / "a")) is None
    prev = f"/sx/store/{BASE}"
    for i in range(MAX_HOPS + 2):
        (tmp_path / f"l{i}").symlink_to(prev)
        prev = str(tmp_path / f"l{i}")
    assert locate(store.store_dir, prev) is None
    assert locate(store.store_dir, str(tmp_path / "l3")) == (P, "")


@pytest.mark.parametrize("text", [
    f"/sx/store/{BASE}/../etc/passwd", f"/sx/store/{BASE}/./x", "/sx/store/../etc",
    "/sx/store/not-a-digest-x", f"/sx/store/{'e' * 32}-x", "/sx/store/" + "0" * 32 + "-a b",
])
def test_malformed_store_paths_are_errors(store: LocalStore, text: str) -> None:
    with pytest.raises(InvalidInput, match="parse store path"):
        locate(store.store_dir, text)


def test_dot_dot_through_an_out_link_cannot_leave_the_object(store: LocalStore,
                                                           tmp_path: Path) -> None:
    link = tmp_path / "result"
    link.symlink_to(f"{store.store_dir}/{BASE}")
    # After the out-link the rest is a path inside the object, taken as written.
    with pytest.raises(InvalidInput, match=r"'\.' and '\.\.' are not allowed"):
        locate(store.store_dir, f"{link}/lib/../../x")
