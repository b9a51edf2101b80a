"""The collector in-process: what is live, what goes, dry runs, limits, races, leftovers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gc_support import add, bulk, chain, registered_and_on_disk, root_link, sx_env
from sx.store import gc
from sx.store.gc import GCOptions, collect_garbage
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath, make_path


def valid(store: LocalStore, paths: list[StorePath]) -> list[bool]:
    return [store.is_valid(p) for p in paths]


def test_unreachable_paths_go_and_rooted_closures_stay(store: LocalStore) -> None:
    kept = chain(store, "kept", 4)
    dead = chain(store, "dead", 3)
    root_link(store, "top", kept[-1])
    result = collect_garbage(store)
    assert sorted(result.deleted) == sorted(dead)
    assert all(valid(store, kept)) and not any(valid(store, dead))
    assert result.live == 4
    assert store.verify(check_contents=True) == []
    reg, disk = registered_and_on_disk(store)
    assert reg == disk == {p.base for p in kept}


def test_freed_is_the_sum_of_archive_sizes(store: LocalStore) -> None:
    dead = chain(store, "d", 3)
    sizes = sum(store.require(p).nar_size for p in dead)
    assert collect_garbage(store).freed == sizes


def test_dry_run_deletes_nothing_and_lists_the_dead(store: LocalStore) -> None:
    kept = chain(store, "kept", 2)
    dead = chain(store, "dead", 3)
    root_link(store, "top", kept[-1])
    seen: list[StorePath] = []
    result = collect_garbage(store, GCOptions(dry_run=True), on_delete=lambda p, _: seen.append(p))
    assert sorted(seen) == sorted(result.deleted) == sorted(dead)
    assert all(valid(store, kept + dead))
    assert registered_and_on_disk(store)[1] == {p.base for p in kept + dead}


def test_referrers_go_before_what_they_reference(store: LocalStore) -> None:
    dead = chain(store, "d", 5)
    order = collect_garbage(store, GCOptions(dry_run=True)).deleted
    assert order == list(reversed(dead))


def test_max_freed_stops_early_and_leaves_a_consistent_store(store: LocalStore) -> None:
    dead = bulk(store, "d", 40, refs_of=lambda i, ps: ps[-2:])
    one = store.require(dead[0]).nar_size
    result = collect_garbage(store, GCOptions(max_freed=3 * one))
    assert result.stopped_early
    assert 3 <= len(result.deleted) < 40
    assert result.freed >= 3 * one
    left = [p for p in dead if store.is_valid(p)]
    assert len(left) == 40 - len(result.deleted)
    assert store.verify() == []
    assert store.closure(left) == set(left)  # nothing left references a deleted path


def test_max_freed_zero_frees_nothing(store: LocalStore) -> None:
    dead = chain(store, "d", 2)
    result = collect_garbage(store, GCOptions(max_freed=0))
    assert result.deleted == [] and result.stopped_early and all(valid(store, dead))


def test_max_freed_in_a_dry_run(store: LocalStore) -> None:
    chain(store, "d", 10)
    result = collect_garbage(store, GCOptions(dry_run=True, max_freed=1))
    assert len(result.deleted) == 1 and result.stopped_early


def _drv_with_output(store: LocalStore) -> tuple[StorePath, StorePath]:
    drv = store.add_bytes(b"a derivation", "thing.drv", kind="drv").path
    out = store.add_bytes(b"its output", "thing").path
    info = store.require(out)
    # Record the deriver and the derivation -> output mapping as the builder does.
    with store.db.write() as txn:
        txn.put("paths", out.base.encode(), PathInfo(
            out, info.nar_hash, info.nar_size, deriver=drv, ca=info.ca).to_record())
    store.register_realisation(Realisation(Digest.b3(b"resolved"), "out", out), drv)
    store.temp_roots.close()
    return drv, out


def test_keep_derivations_keeps_the_deriver_of_a_live_path(store: LocalStore) -> None:
    drv, out = _drv_with_output(store)
    root_link(store, "out", out)
    assert collect_garbage(store, GCOptions(keep_derivations=True, dry_run=True)).deleted == []
    assert collect_garbage(store).deleted == [drv]


def test_keep_outputs_keeps_the_outputs_of_a_live_derivation(store: LocalStore) -> None:
    drv, out = _drv_with_output(store)
    root_link(store, "drv", drv)
    assert collect_garbage(store, GCOptions(keep_outputs=True, dry_run=True)).deleted == []
    assert collect_garbage(store).deleted == [out]
    # Like Nix, the derivation keeps the record of what it was built to (and
    # the realisation stays): users of the mapping check validity.
    assert store.derivation_outputs(drv) == {"out": out}
    assert not store.is_valid(out)


def test_deleting_a_derivation_drops_its_output_records(store: LocalStore) -> None:
    drv, out = _drv_with_output(store)
    root_link(store, "out", out)
    assert collect_garbage(store).deleted == [drv]
    assert store.derivation_outputs(drv) == {}


def test_a_self_reference_does_not_keep_a_path_alive(store: LocalStore) -> None:
    from sx.store import nar
    from sx.store.ca import MASK

    with store.temp_dir() as tmp:
        obj = os.path.join(tmp.path, "obj")
        with open(obj, "wb") as f:
            f.write(f"I am /sx/store/{MASK}-selfref".encode())
        masked, _ = nar.hash_path(obj)
        p = make_path("output", masked, "selfref", (), self_reference=True)
        with open(obj, "wb") as f:
            f.write(f"I am {p}".encode())
        os.chmod(obj, 0o444)
        os.utime(obj, (1, 1))
        h, size = nar.hash_path(obj)
        store.install(tmp, obj, PathInfo(p, h, size, (p,), ca=f"output:{masked}"))
    store.temp_roots.close()
    assert store.referrers(p) == []
    assert collect_garbage(store).deleted == [p]
    assert store.verify() == []


def test_own_temp_roots_protect_until_closed(root: str) -> None:
    store = LocalStore(root)
    p = store.add_bytes(b"mine", "mine").path
    assert collect_garbage(store).deleted == []
    store.temp_roots.close()
    assert collect_garbage(store).deleted == [p]


def test_protect_reports_paths_that_are_gone(store: LocalStore) -> None:
    p = add(store, "p")
    collect_garbage(store)
    assert gc.protect(store, [p]) == {p}
    q = add(store, "q")
    assert gc.protect(store, [q]) == set()
    assert collect_garbage(store).deleted == []
    assert store.is_valid(q)


def test_a_path_registered_during_the_sweep_keeps_what_it_references(
        store: LocalStore, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mark saw D dead; a path referencing D registered before D's batch keeps D."""
    d = add(store, "d")
    e = add(store, "e", [d])
    # Learn the new path's name in a scratch store, then hold it as a temp root
    # (as an add announces its output before it registers it).
    scratch = LocalStore(os.path.join(str(tmp_path), "scratch"))
    scratch.add_bytes(b"d", "d")
    x = scratch.add_bytes(f"late {d}".encode(), "late",
                          references=[scratch.parse_path(str(d))]).path
    store.temp_roots.add([x])
    monkeypatch.setattr(gc, "BATCH", 1)
    late: list[StorePath] = []

    def after_delete(path: StorePath, _size: int) -> None:
        if path == e:
            late.append(store.add_bytes(f"late {d}".encode(), "late", references=[d]).path)

    result = collect_garbage(store, on_delete=after_delete)
    assert late == [x]
    assert result.deleted == [e]
    assert result.kept_by_race == 1
    assert store.is_valid(d) and store.is_valid(x)
    assert store.verify() == []


def test_unregistered_leftovers_are_removed(store: LocalStore) -> None:
    live = add(store, "live")
    root_link(store, "live", live)
    junk = os.path.join(store.store_dir, "0" * 32 + "-crashed")
    os.mkdir(junk)
    with open(os.path.join(junk, "f"), "w") as f:
        f.write("half")
    result = collect_garbage(store)
    assert result.leftovers == 1
    assert not os.path.lexists(junk)
    assert store.is_valid(live)


def test_leftovers_announced_by_a_live_process_stay(root: str, store: LocalStore) -> None:
    other = LocalStore(root)
    name = "1" * 32 + "-being-added"
    other.temp_roots.add([StorePath.from_base(name)])
    # TempRoots locks are per open file, so this process's other store object
    # looks like another live process to the collector.
    obj = os.path.join(store.store_dir, name)
    os.mkdir(obj)
    assert collect_garbage(store).leftovers == 0
    assert os.path.isdir(obj)
    other.temp_roots.close()
    assert collect_garbage(store).leftovers == 1


def test_live_temp_dirs_are_untouched(store: LocalStore) -> None:
    with store.temp_dir() as tmp:
        tmp.mark_target("2" * 32 + "-unborn")
        with open(os.path.join(tmp.path, "work"), "w") as f:
            f.write("in progress")
        collect_garbage(store)
        assert os.path.exists(os.path.join(tmp.path, "work"))


def test_dead_processes_temp_root_files_are_removed(store: LocalStore) -> None:
    d = os.path.join(store.var, "temproots")
    p = add(store, "p")
    with open(os.path.join(d, "999999999-dead"), "w") as f:
        f.write(p.base + "\n")
    Path(d, "999999998-empty").touch()
    own_empty = os.path.join(d, f"{os.getpid()}-starting")
    Path(own_empty).touch()
    assert collect_garbage(store).deleted == [p]
    left = sorted(os.listdir(d))
    assert left == [os.path.basename(own_empty)]


def test_many_paths_in_several_batches(store: LocalStore) -> None:
    paths = bulk(store, "m", 700, files=1, refs_of=lambda i, ps: ps[-3:][:i % 3])
    keep = paths[350]
    root_link(store, "k", keep)
    live = store.closure([keep])
    result = collect_garbage(store)
    assert len(result.deleted) == 700 - len(live)
    assert registered_and_on_disk(store)[0] == registered_and_on_disk(store)[1] == {
        p.base for p in live}
    assert os.listdir(store.tmp) == []



def test_a_collection_waits_for_a_running_one(root: str, store: LocalStore,
                                              helper: object) -> None:
    """A second collector blocks on the GC lock until the first is done."""
    from sx.store.roots import gc_lock_exclusive

    add(store, "p")
    started = time.monotonic()
    with gc_lock_exclusive(store.var, wait=False) as got:
        assert got
        proc = subprocess.Popen([sys.executable, "-m", "sx.cli.main", "gc"], env=sx_env(root),
                                stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        assert proc.poll() is None and store.is_valid(store.all_paths()[0])
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and len(out.split()) == 1
    assert time.monotonic() - started >= 1
