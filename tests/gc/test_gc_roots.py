"""Indirect roots: finding them, stale ones, adding and removing, the ``sx gc roots`` CLI."""

from __future__ import annotations

import os

import pytest
from gc_support import Helper, RunSx, add, chain, root_link
from sx.store.errors import InvalidInput, NotFound
from sx.store.gc import (
    add_out_link,
    add_root,
    collect_garbage,
    find_roots,
    out_link_root_name,
    remove_root,
)
from sx.store.local import LocalStore
from sx.store.path import StorePath


def test_root_kinds_and_targets(store: LocalStore, tmp_path: object) -> None:
    a, b, c, d, e = (add(store, n) for n in "abcde")
    base = str(tmp_path)
    os.symlink(str(a), os.path.join(store.gcroots, "logical"))
    os.symlink(store.real_path(b) + "/sub/file", os.path.join(store.gcroots, "subpath"))
    out = os.path.join(base, "result")
    os.symlink(store.real_path(c), out)
    os.symlink(out, os.path.join(store.gcroots, "indirect"))
    os.makedirs(os.path.join(store.gcroots, "nested", "deeper"))
    os.symlink(os.path.relpath(store.real_path(d), os.path.join(store.gcroots, "nested", "deeper")),
               os.path.join(store.gcroots, "nested", "deeper", "relative"))
    os.symlink(os.path.join(base, "gone"), os.path.join(store.gcroots, "stale"))
    os.symlink("/etc/hostname", os.path.join(store.gcroots, "elsewhere"))
    with open(os.path.join(store.gcroots, "plain-file"), "w") as f:
        f.write(str(e))
    roots = {os.path.relpath(r.link, store.gcroots): r for r in find_roots(store)}
    assert sorted(roots) == ["elsewhere", "indirect", "logical", "nested/deeper/relative",
                             "stale", "subpath"]
    assert roots["logical"].path == a and roots["logical"].kind == "direct"
    assert roots["subpath"].path == b
    assert roots["indirect"].path == c and roots["indirect"].kind == "indirect"
    assert roots["indirect"].target == out
    assert roots["nested/deeper/relative"].path == d
    assert roots["stale"].stale and roots["elsewhere"].stale
    assert collect_garbage(store).deleted == [e]


def test_root_loops_end(store: LocalStore) -> None:
    x = os.path.join(store.gcroots, "x")
    y = os.path.join(store.gcroots, "y")
    os.symlink(y, x)
    os.symlink(x, y)
    assert all(r.stale for r in find_roots(store))


def test_root_to_an_invalid_path_keeps_nothing(store: LocalStore) -> None:
    ghost = StorePath.from_base("4" * 32 + "-ghost")
    p = add(store, "p")
    root_link(store, "ghost", ghost)
    assert collect_garbage(store).deleted == [p]


def test_add_root_and_remove_it(store: LocalStore) -> None:
    p = add(store, "p")
    link = add_root(store, "mine", p)
    assert os.readlink(link) == store.real_path(p)
    assert collect_garbage(store).deleted == []
    add_root(store, "mine", p)  # repointing is fine
    assert remove_root(store, "mine") == [link]
    assert collect_garbage(store).deleted == [p]


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "..", "sp ace", "x\0y"])
def test_add_root_refuses_bad_names(store: LocalStore, name: str) -> None:
    p = add(store, "p")
    with pytest.raises(InvalidInput, match="add root"):
        add_root(store, name, p)
    assert os.listdir(store.gcroots) == []


def test_add_root_refuses_an_invalid_path(store: LocalStore) -> None:
    ghost = StorePath.from_base("5" * 32 + "-ghost")
    with pytest.raises(NotFound, match=f"add root g: {ghost} is not a valid path"):
        add_root(store, "g", ghost)
    assert os.listdir(store.gcroots) == []


def test_out_link_root_goes_stale_when_the_link_goes(store: LocalStore, tmp_path: object) -> None:
    p = add(store, "p")
    link = os.path.join(str(tmp_path), "result")
    root = add_out_link(store, link, p)
    assert os.path.basename(root) == out_link_root_name(link)
    assert os.readlink(link) == store.real_path(p)
    assert collect_garbage(store).deleted == []
    os.unlink(link)
    assert [r.stale for r in find_roots(store)] == [True]
    assert collect_garbage(store).deleted == [p]


def test_out_link_into_a_missing_directory_is_bad_input(store: LocalStore,
                                                        tmp_path: object) -> None:
    p = add(store, "p")
    with pytest.raises(InvalidInput, match="add out-link"):
        add_out_link(store, os.path.join(str(tmp_path), "no", "such", "dir"), p)
    assert os.listdir(store.gcroots) == []


def test_remove_root_by_out_link(store: LocalStore, tmp_path: object) -> None:
    p = add(store, "p")
    link = os.path.join(str(tmp_path), "result")
    root = add_out_link(store, link, p)
    assert remove_root(store, link) == [root]
    assert os.path.islink(link)  # the out-link itself is the user's


def test_remove_unknown_root(store: LocalStore) -> None:
    with pytest.raises(NotFound, match="remove root nope: no such root"):
        remove_root(store, "nope")


def test_cli_roots_lists_what_each_keeps(store: LocalStore, sx: RunSx, tmp_path: object) -> None:
    a, b, c = chain(store, "c", 3)
    root_link(store, "top", c)
    out = os.path.join(str(tmp_path), "result")
    os.symlink(store.real_path(a), out)
    os.symlink(out, os.path.join(store.gcroots, "via-link"))
    os.symlink(os.path.join(str(tmp_path), "gone"), os.path.join(store.gcroots, "old"))
    r = sx("gc", "roots")
    assert r.returncode == 0, r.stderr
    size = sum(store.require(p).nar_size for p in (a, b, c))
    lines = r.stdout.splitlines()
    g = store.gcroots
    assert f"{g}/top -> {c} (3 paths, {size} B)" in lines
    assert f"{g}/via-link -> {a} via {out} (1 paths, {store.require(a).nar_size} B)" in lines
    assert f"{g}/old -> {tmp_path}/gone (stale, ignored)" in lines


def test_cli_roots_shows_temp_roots(store: LocalStore, sx: RunSx, helper: object) -> None:
    p = add(store, "p")
    h: Helper = helper("hold", str(p))  # type: ignore[operator]
    h.until("ready")
    r = sx("gc", "roots", "--no-closure")
    assert f"{{temp:{h.proc.pid}}} -> {p}" in r.stdout.splitlines()
    h.finish()


def test_cli_roots_add_and_remove(store: LocalStore, sx: RunSx, tmp_path: object) -> None:
    p = add(store, "p")
    r = sx("gc", "roots", "add", "keep", str(p))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{store.gcroots}/keep -> {p}"
    link = os.path.join(str(tmp_path), "res")
    r = sx("gc", "roots", "add", "--out-link", link, store.real_path(p))
    assert r.returncode == 0, r.stderr
    assert os.readlink(link) == store.real_path(p)
    assert len(find_roots(store)) == 2
    r = sx("gc", "roots", "remove", "keep", link)
    assert r.returncode == 0, r.stderr
    assert find_roots(store) == []


@pytest.mark.parametrize("args,message", [
    (["add", "p"], "add root: a NAME or --out-link LINK is needed"),
    (["add", "n", "p", "--out-link", "x"], "give either NAME or --out-link"),
    (["add", "bad/name", "p"], "add root 'bad/name'"),
    (["remove", "nope"], "remove root nope: no such root"),
])
def test_cli_roots_errors(store: LocalStore, sx: RunSx, args: list[str], message: str) -> None:
    p = add(store, "p")
    args = [str(p) if a == "p" else a for a in args]
    r = sx("gc", "roots", *args)
    assert r.returncode == 1
    assert message in r.stderr and r.stderr.startswith("sx: ")


def test_cli_roots_add_an_invalid_path(sx: RunSx) -> None:
    r = sx("gc", "roots", "add", "n", "/sx/store/" + "6" * 32 + "-ghost")
    assert r.returncode == 1 and "not a valid path" in r.stderr
