"""The local store: adding, querying, installing, realisations, verification, leftovers."""

from __future__ import annotations

import fcntl
import io
import os
import stat
import time
from pathlib import Path

import pytest
from store_helpers import add_with_refs, chain, rich_tree, shape, store_is_clean, write
from sx.store import nar
from sx.store.errors import (
    Corrupt,
    HashMismatch,
    InvalidInput,
    InvalidName,
    MissingReference,
    NotFound,
)
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.local import LocalStore
from sx.store.path import STORE_DIR, StorePath, make_path
from sx.store.roots import read_all

# ---- adding -----------------------------------------------------------------------------


def test_add_tree_copies_canonically_and_registers(store: LocalStore, tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    info = store.add_tree(str(tree))
    real = Path(store.real_path(info.path))
    assert info.path.name == "tree"
    assert shape(real) == shape(tree)
    assert (info.nar_hash, info.nar_size) == nar.hash_path(tree)
    assert info.ca == f"source:{info.nar_hash}"
    assert info.path == make_path("source", info.nar_hash, "tree")
    assert stat.S_IMODE(os.lstat(real).st_mode) == 0o555
    assert os.lstat(real).st_mtime == 1
    assert store.query(info.path) == info
    store_is_clean(store)


def test_adding_twice_gives_one_path(store: LocalStore, tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    first = store.add_tree(str(tree))
    time.sleep(1.1)
    second = store.add_tree(str(tree))
    assert second == first  # the existing info, registration time included
    assert store.all_paths() == [first.path]
    store_is_clean(store)


def test_name_override_and_bad_names(store: LocalStore, tmp_path: Path) -> None:
    f = write(tmp_path / "has space", "x")
    with pytest.raises(InvalidName, match="character ' ' not allowed"):
        store.add_tree(str(f))
    assert store.add_tree(str(f), name="nice-name").path.name == "nice-name"


def test_add_missing_source_is_bad_input(store: LocalStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file or directory"):
        store.add_tree(str(tmp_path / "absent"))
    store_is_clean(store)


def test_add_refuses_special_files_and_leaves_nothing(store: LocalStore, tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    os.mkfifo(tree / "zz-fifo")
    with pytest.raises(InvalidInput, match=r"zz-fifo'?: unsupported file type"):
        store.add_tree(str(tree))
    assert store.all_paths() == []
    store_is_clean(store)


def test_add_with_a_missing_reference_is_refused(store: LocalStore) -> None:
    ghost = make_path("source", Digest.b3(b"ghost"), "ghost")
    with pytest.raises(MissingReference, match=f"referenced path {ghost} is not valid"):
        store.add_bytes(b"uses ghost", "user", references=[ghost])
    assert store.all_paths() == []
    store_is_clean(store)


def test_add_bytes_kinds_and_executable(store: LocalStore) -> None:
    a = store.add_bytes(b"data", "thing")
    b = store.add_bytes(b"data", "thing", kind="drv")
    c = store.add_bytes(b"data", "thing", executable=True)
    assert len({a.path, b.path, c.path}) == 3
    assert stat.S_IMODE(os.lstat(store.real_path(c.path)).st_mode) == 0o555
    assert b.ca == f"drv:{b.nar_hash}"


# ---- queries ----------------------------------------------------------------------------


def test_queries_on_a_small_closure(store: LocalStore) -> None:
    c = chain(store)
    assert store.referrers(c["lib"]) == [c["app"]]
    assert sorted(store.referrers(c["app"])) == [c["top"]]
    assert store.closure([c["top"]]) == set(c.values())
    assert store.closure([c["app"]]) == {c["app"], c["lib"]}
    order = store.topo_sort(c.values())
    assert order.index(c["lib"]) < order.index(c["app"]) < order.index(c["top"])
    assert order.index(c["tool"]) < order.index(c["top"])
    assert sorted(store.all_paths()) == sorted(c.values())
    ghost = make_path("source", Digest.b3(b"ghost"), "ghost")
    assert store.valid_subset([c["lib"], ghost]) == {c["lib"]}
    assert store.query(ghost) is None and not store.is_valid(ghost)
    with pytest.raises(NotFound, match=f"query {ghost}: not a valid path"):
        store.require(ghost)
    with pytest.raises(NotFound, match="compute closure"):
        store.closure([ghost])


def _reference_order(store: LocalStore, paths: set[StorePath]) -> list[StorePath]:
    """The documented order, computed the slow and obvious way: depth first from the
    sorted paths, each path's references (in sorted order) before the path itself."""
    order: list[StorePath] = []

    def visit(p: StorePath) -> None:
        if p in order:
            return
        for r in store.require(p).references:
            if r in paths and r != p:
                visit(r)
        order.append(p)

    for p in sorted(paths):
        visit(p)
    return order


def test_closure_order_and_infos_come_from_one_walk(store: LocalStore) -> None:
    # A diamond-rich graph: every path refers to up to three older ones.
    paths: list[StorePath] = []
    for i in range(60):
        refs = tuple(sorted({paths[j] for j in (i - 1, i // 2, i * 7 % max(i, 1))
                             if 0 <= j < i}))
        paths.append(add_with_refs(store, f"p{i:02d}", refs))
    for top in (paths[-1], paths[30], paths[0]):
        closure = store.closure([top])
        order = store.sorted_closure([top])
        assert set(order) == closure and len(order) == len(closure)
        assert order == store.topo_sort(closure) == _reference_order(store, closure)
        infos = store.closure_infos([top])
        assert infos == [store.require(p) for p in order]
        assert store.closure_references([top]) == {
            p: store.require(p).references for p in closure}
        seen: set[StorePath] = set()
        for info in infos:
            assert all(r in seen or r == info.path for r in info.references)
            seen.add(info.path)
    ghost = make_path("source", Digest.b3(b"ghost"), "ghost")
    for query in (store.sorted_closure, store.closure_infos, store.closure,
                  store.closure_references):
        with pytest.raises(NotFound, match=f"compute closure: {ghost} is not a valid path"):
            query([paths[3], ghost])


def test_parse_path_accepts_logical_physical_and_base(store: LocalStore) -> None:
    p = add_with_refs(store, "x")
    for text in (str(p), f"{p}/sub/file", store.real_path(p), p.base,
                 store.real_path(p) + "/sub"):
        assert store.parse_path(text) == p
    assert store.to_logical(store.real_path(p)) == str(p)
    with pytest.raises(InvalidInput, match="not inside the store"):
        store.to_logical("/etc/passwd")


def test_dump_of_a_valid_path(store: LocalStore, tmp_path: Path) -> None:
    info = store.add_tree(str(rich_tree(tmp_path / "tree")))
    out = io.BytesIO()
    assert store.dump(info.path, out) == info.nar_size
    assert Digest.b3(out.getvalue()) == info.nar_hash


# ---- installing ------------------------------------------------------------------------


def _prepared(store: LocalStore, tmp_path: Path, name: str, refs: tuple[StorePath, ...] = (),
              ) -> tuple[str, PathInfo]:
    src = write(tmp_path / f"src-{name}", f"{name} " + " ".join(map(str, refs)))
    h, size = nar.hash_path(src)
    return str(src), PathInfo(make_path("source", h, name, refs), h, size, refs,
                              ca=f"source:{h}")


def test_install_is_idempotent(store: LocalStore, tmp_path: Path) -> None:
    src, info = _prepared(store, tmp_path, "one")
    with store.temp_dir() as tmp:
        obj = os.path.join(tmp.path, "obj")
        nar.copy_hashed(src, obj)
        assert store.install(tmp, obj, info) == info
    with store.temp_dir() as tmp:
        obj = os.path.join(tmp.path, "obj")
        nar.copy_hashed(src, obj)
        assert store.install(tmp, obj, info) == info
        assert os.path.exists(obj)  # not needed, left for the temp dir to remove
    store_is_clean(store)


def test_install_many_is_all_or_nothing(store: LocalStore, tmp_path: Path) -> None:
    ghost = make_path("source", Digest.b3(b"ghost"), "ghost")
    src_a, a = _prepared(store, tmp_path, "a")
    src_b, b = _prepared(store, tmp_path, "b", (a.path,))
    src_c, c = _prepared(store, tmp_path, "c", (ghost,))
    with store.temp_dir() as t1, store.temp_dir() as t2, store.temp_dir() as t3:
        items = []
        for t, src, info in ((t1, src_a, a), (t2, src_b, b), (t3, src_c, c)):
            obj = os.path.join(t.path, "obj")
            nar.copy_hashed(src, obj)
            items.append((t, obj, info))
        with pytest.raises(MissingReference, match=f"register {c.path}: referenced path"):
            store.install_many(items)
        assert os.listdir(store.store_dir) == []
        assert all(os.path.exists(obj) for _, obj, _ in items)  # rolled back into temp
        assert store.install_many(items[:2]) == [a, b]
    assert store.all_paths() == sorted([a.path, b.path])
    store_is_clean(store)


def test_install_replaces_an_unregistered_leftover(store: LocalStore, tmp_path: Path) -> None:
    src, info = _prepared(store, tmp_path, "x")
    os.mkdir(store.real_path(info.path))  # garbage where the object goes
    with store.temp_dir() as tmp:
        obj = os.path.join(tmp.path, "obj")
        nar.copy_hashed(src, obj)
        store.install(tmp, obj, info)
    assert os.path.isfile(store.real_path(info.path))
    store_is_clean(store)


def test_install_takes_temp_roots(store: LocalStore) -> None:
    p = add_with_refs(store, "rooted")
    assert p.base in read_all(store.var)


def test_signatures_merge(store: LocalStore) -> None:
    p = add_with_refs(store, "signed")
    store.add_signatures(p, ["k1:a"])
    assert store.add_signatures(p, ["k2:b", "k1:a"]).signatures == ("k1:a", "k2:b")
    assert store.require(p).signatures == ("k1:a", "k2:b")
    ghost = make_path("source", Digest.b3(b"ghost"), "ghost")
    with pytest.raises(NotFound, match="sign"):
        store.add_signatures(ghost, ["k:x"])


# ---- realisations ------------------------------------------------------------------------


def test_realisations(store: LocalStore) -> None:
    out = add_with_refs(store, "out")
    other = add_with_refs(store, "other")
    drv = store.add_bytes(b"drv", "x.drv", kind="drv").path
    h = Digest.b3(b"resolved")
    assert store.query_realisation(h, "out") is None
    store.register_realisation(Realisation(h, "out", out, ("k1:s",)), drv)
    store.register_realisation(Realisation(h, "out", out, ("k2:s",)))
    store.register_realisation(Realisation(h, "out", other, ("k3:s",)))  # first one wins
    r = store.query_realisation(h, "out")
    assert r is not None and r.path == out and sorted(r.signatures) == ["k1:s", "k2:s"]
    assert store.derivation_outputs(drv) == {"out": out}
    assert [x.key for x in store.all_realisations()] == [f"{h}!out"]
    ghost = make_path("source", Digest.b3(b"ghost"), "ghost")
    with pytest.raises(MissingReference, match="register realisation"):
        store.register_realisation(Realisation(h, "dev", ghost))


# ---- restoring archives into the store ------------------------------------------------------


def test_restored_archives_are_checked_when_installed(store: LocalStore,
                                                      tmp_path: Path) -> None:
    src = write(tmp_path / "f", "payload")
    data = nar.dump_bytes(src)
    h = Digest.b3(data)
    right = PathInfo(make_path("source", h, "f"), h, len(data), ca=f"source:{h}")
    cases = [
        (PathInfo(right.path, h, len(data) + 1, ca=right.ca), Corrupt,
         f"ends after {len(data)} bytes, {len(data) + 1} were declared"),
        (PathInfo(right.path, h, len(data) - 1, ca=right.ca), Corrupt,
         "longer than its declared size"),
        (PathInfo(right.path, Digest.b3(b"other"), len(data), ca=right.ca), HashMismatch,
         "archive hash"),
        (PathInfo(make_path("source", h, "f", [right.path]), h, len(data), (right.path,),
                  ca=f"source:{h}"), HashMismatch, "which its contents do not mention"),
        (PathInfo(right.path, h, len(data), ca=f"source:{Digest.b3(b'forged')}"), HashMismatch,
         "content address b3:"),
        (PathInfo(right.path, h, len(data), ca="source:nonsense"), Corrupt, "bad content address"),
        (PathInfo(right.path, h, len(data)), Corrupt, "no content address"),
        (PathInfo(make_path("source", Digest.b3(b"x"), "f"), h, len(data), ca=right.ca),
         HashMismatch, "content address gives"),
    ]
    for info, exc, why in cases:
        with store.temp_dir() as tmp, pytest.raises(exc, match=why):
            item = store.restore_nar(tmp, io.BytesIO(data).read, info, "test")
            store.install_many([item], "import test:")
    with store.temp_dir() as tmp:
        store.install_many([store.restore_nar(tmp, io.BytesIO(data).read, right, "test")])
    store_is_clean(store)


# ---- verification and repair --------------------------------------------------------------


def _tamper(store: LocalStore, p: StorePath, rel: str) -> None:
    real = Path(store.real_path(p))
    target = real / rel if rel else real
    os.chmod(target.parent, 0o755)
    os.chmod(target, 0o644)
    target.write_text("tampered")


def test_verify_clean_store(store: LocalStore) -> None:
    chain(store)
    assert store.verify() == [] and store.verify(check_contents=True) == []


def test_verify_finds_changed_contents_and_repair_unregisters(store: LocalStore,
                                                             tmp_path: Path) -> None:
    c = chain(store)
    info = store.require(c["app"])
    _tamper(store, c["app"], "")
    assert store.verify() == []  # only --check-contents re-hashes
    problems = store.verify(check_contents=True)
    assert len(problems) == 1
    assert problems[0].startswith(f"{c['app']}: contents changed: expected {info.nar_hash}, "
                                  "actual b3:")
    problems = store.verify(check_contents=True, repair=True)
    # The damaged path and what refers to it are gone; the rest is intact.
    assert sorted(store.all_paths()) == sorted([c["lib"], c["tool"]])
    assert not os.path.lexists(store.real_path(c["app"]))
    assert not os.path.lexists(store.real_path(c["top"]))
    store_is_clean(store)


def test_verify_finds_paths_missing_on_disk(store: LocalStore) -> None:
    c = chain(store)
    os.chmod(store.store_dir, 0o755)
    os.unlink(store.real_path(c["tool"]))
    assert store.verify() == [f"{c['tool']}: registered but missing on disk"]
    store.verify(repair=True)
    assert c["tool"] not in store.all_paths() and c["top"] not in store.all_paths()
    assert store.verify() == []


def test_verify_reports_dangling_references(store: LocalStore) -> None:
    c = chain(store)
    with store.db.write() as txn:
        txn.delete("paths", c["lib"].base.encode())
    problems = store.verify()
    assert f"{c['app']}: references missing path {c['lib']}" in problems


def test_unregister_removes_records_then_files(store: LocalStore) -> None:
    c = chain(store)
    store.unregister([c["top"]])
    assert store.query(c["top"]) is None
    assert not os.path.lexists(store.real_path(c["top"]))
    assert store.referrers(c["app"]) == []
    store_is_clean(store)


# ---- temp dirs and crash leftovers -----------------------------------------------------------


def _dead_temp_dir(store: LocalStore, name: str, targets: list[str]) -> None:
    """What a process killed while holding a temp dir leaves behind."""
    os.mkdir(os.path.join(store.tmp, name))
    write(Path(store.tmp) / name / "obj" / "partial", "half")
    with open(os.path.join(store.tmp, name + ".lock"), "w") as f:
        f.write("\n".join(targets))


def test_open_removes_dead_temp_dirs_and_their_unregistered_objects(root: str,
                                                                   tmp_path: Path) -> None:
    store = LocalStore(root)
    kept = add_with_refs(store, "kept")
    orphan = make_path("source", Digest.b3(b"orphan"), "orphan")
    write(Path(store.real_path(orphan)), "renamed but never committed")
    _dead_temp_dir(store, "0123456789abcdef", [orphan.base, kept.base])
    os.mkdir(os.path.join(store.tmp, "trash-0000"))
    write(Path(store.tmp) / "trash-0000" / "x", "half-deleted")
    reopened = LocalStore(root)
    assert os.listdir(reopened.tmp) == []
    assert not os.path.lexists(reopened.real_path(orphan))
    assert reopened.all_paths() == [kept]
    store_is_clean(reopened)


def test_live_temp_dirs_are_left_alone(store: LocalStore) -> None:
    with store.temp_dir() as tmp:
        tmp.mark_target("0" * 32 + "-in-progress")
        write(Path(tmp.path) / "work", "busy")
        assert store.cleanup_leftovers() == 0
        assert os.path.exists(os.path.join(tmp.path, "work"))
        # Another open file description of the lock cannot take it either.
        fd = os.open(os.path.join(store.tmp, os.path.basename(tmp.path) + ".lock"), os.O_RDWR)
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(fd)
    assert os.listdir(store.tmp) == []


def test_unlocked_lock_files_only_appear_when_stale(store: LocalStore) -> None:
    fresh = os.path.join(store.tmp, "aaaa.lock-new")
    stale = os.path.join(store.tmp, "bbbb.lock-new")
    for p in (fresh, stale):
        write(Path(p), "")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    store.cleanup_leftovers()
    assert os.listdir(store.tmp) == ["aaaa.lock-new"]


def test_temp_dir_removes_read_only_contents(store: LocalStore, tmp_path: Path) -> None:
    with store.temp_dir() as tmp:
        nar.copy_hashed(rich_tree(tmp_path / "tree"), os.path.join(tmp.path, "obj"))
        tmp.mark_targets(["a", "b"])
    assert os.listdir(store.tmp) == []


def test_verify_removes_unregistered_entries(store: LocalStore) -> None:
    p = add_with_refs(store, "valid")
    os.mkdir(os.path.join(store.store_dir, "0" * 32 + "-junk"))
    problems = store.verify()
    assert problems == [f"removed unregistered leftover {STORE_DIR}/{'0' * 32}-junk"]
    assert os.listdir(store.store_dir) == [p.base]
