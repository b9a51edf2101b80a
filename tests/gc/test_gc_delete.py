"""Deleting named paths: refused while alive (naming why), all or nothing otherwise."""

from __future__ import annotations

import os

import pytest
from gc_support import Helper, RunSx, add, chain, root_link
from sx.store.errors import NotFound, StillAlive
from sx.store.gc import GCOptions, add_out_link, delete_paths
from sx.store.local import LocalStore
from sx.store.path import StorePath


def test_delete_a_dead_path_returns_its_size(store: LocalStore) -> None:
    p = add(store, "p")
    size = store.require(p).nar_size
    assert delete_paths(store, [p]) == size
    assert not store.is_valid(p) and not os.path.lexists(store.real_path(p))
    assert store.verify() == []


def test_delete_refuses_a_rooted_path_naming_the_root(store: LocalStore) -> None:
    p = add(store, "p")
    link = root_link(store, "keep-me", p)
    with pytest.raises(StillAlive, match=f"delete {p}: still alive: kept by root {link}"):
        delete_paths(store, [p])
    assert store.is_valid(p)


def test_delete_refuses_a_path_under_an_out_link(store: LocalStore, tmp_path: object) -> None:
    p = add(store, "p")
    add_out_link(store, os.path.join(str(tmp_path), "result"), p)
    with pytest.raises(StillAlive, match=r"kept by root .*auto-"):
        delete_paths(store, [p])


def test_delete_refuses_a_referenced_path_naming_the_referrer(store: LocalStore) -> None:
    a, b = chain(store, "c", 2)
    with pytest.raises(StillAlive, match=f"delete {a}: still alive: referenced by {b}"):
        delete_paths(store, [a])
    assert store.is_valid(a)


def test_delete_refuses_a_path_in_the_closure_of_a_root(store: LocalStore) -> None:
    a, b = chain(store, "c", 2)
    root_link(store, "top", b)
    with pytest.raises(StillAlive, match=r"still alive: (kept by root|referenced by)"):
        delete_paths(store, [a, b])
    assert store.is_valid(a) and store.is_valid(b)


def test_delete_a_path_together_with_its_referrer(store: LocalStore) -> None:
    a, b = chain(store, "c", 2)
    sizes = store.require(a).nar_size + store.require(b).nar_size
    assert delete_paths(store, [a, b]) == sizes
    assert not store.is_valid(a) and not store.is_valid(b)
    assert store.verify() == []


def test_delete_is_all_or_nothing(store: LocalStore) -> None:
    free = add(store, "free")
    kept = add(store, "kept")
    root_link(store, "kept", kept)
    with pytest.raises(StillAlive):
        delete_paths(store, [free, kept])
    assert store.is_valid(free) and store.is_valid(kept)


def test_delete_an_invalid_path_is_not_found(store: LocalStore) -> None:
    ghost = StorePath.from_base("3" * 32 + "-ghost")
    with pytest.raises(NotFound, match=f"delete {ghost}: not a valid path"):
        delete_paths(store, [ghost])


def test_delete_refuses_a_path_a_running_process_uses(store: LocalStore, helper: object) -> None:
    p = add(store, "p")
    h: Helper = helper("hold", str(p))  # type: ignore[operator]
    assert h.until("ready") == []
    with pytest.raises(StillAlive, match=f"in use by running sx process {h.proc.pid}"):
        delete_paths(store, [p])
    h.finish()
    delete_paths(store, [p])


def test_delete_keep_outputs_applies(store: LocalStore) -> None:
    from sx.store.hashing import Digest
    from sx.store.info import Realisation

    drv = store.add_bytes(b"d", "x.drv", kind="drv").path
    out = store.add_bytes(b"o", "x").path
    store.register_realisation(Realisation(Digest.b3(b"r"), "out", out), drv)
    store.temp_roots.close()
    root_link(store, "drv", drv)
    with pytest.raises(StillAlive, match=r"output of live derivation .*keep-outputs"):
        delete_paths(store, [out], GCOptions(keep_outputs=True))
    delete_paths(store, [out])


def test_cli_delete_refuses_a_live_path(store: LocalStore, sx: RunSx) -> None:
    a, b = chain(store, "c", 2)
    root_link(store, "top", b)
    r = sx("store", "delete", str(b))
    assert r.returncode == 1
    assert r.stderr.strip() == (f"sx: delete {b}: still alive: kept by root "
                                f"{os.path.join(store.gcroots, 'top')}")
    r = sx("store", "delete", str(a))
    assert r.returncode == 1 and f"referenced by {b}" in r.stderr
    assert store.is_valid(a) and store.is_valid(b)


def test_cli_delete_a_dead_path(store: LocalStore, sx: RunSx) -> None:
    p = add(store, "p")
    r = sx("store", "delete", str(p))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"deleted {p}"
    assert not store.is_valid(p)
    assert sx("store", "verify").returncode == 0
