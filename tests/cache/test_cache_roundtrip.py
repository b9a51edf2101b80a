"""Closures through every backend: upload, download into an empty store, substitute."""

from __future__ import annotations

import pytest
import trio
from cache_helpers import BACKENDS, Closure, add_realisation, sign
from sx.store import nar
from sx.store.cache.base import Cache
from sx.store.cache.copy import copy_from, copy_to
from sx.store.cache.fetch import fetch_closure
from sx.store.cache.layout import info_key
from sx.store.cache.signing import SecretKey, TrustPolicy
from sx.store.cache.substitute import substitute_paths, substitute_realisation
from sx.store.local import LocalStore
from tree_modes import modes

pytestmark = pytest.mark.parametrize("cache_url", BACKENDS, indirect=True)


def _signed(store: LocalStore, closure: Closure, keys: dict[str, SecretKey]) -> None:
    add_realisation(store, closure.top)
    sign(store, keys["alice"], closure.all)
    sign(store, keys["bob"], closure.all)


def test_closure_round_trip(cache: Cache, store: LocalStore, store2: LocalStore,
                            closure: Closure, keys: dict[str, SecretKey],
                            policy: TrustPolicy) -> None:
    _signed(store, closure, keys)
    report = copy_to(store, cache, [closure.top])
    assert sorted(report.uploaded) == sorted(closure.all)
    assert report.realisations == 1
    result = copy_from(store2, cache, [closure.top], policy)
    assert sorted(i.path for i in result.fetched) == sorted(closure.all)
    for p in closure.all:
        a, b = store.require(p), store2.require(p)
        assert (a.nar_hash, a.nar_size, a.references) == (b.nar_hash, b.nar_size, b.references)
        assert set(b.signatures) == set(a.signatures) and len(b.signatures) == 2
        assert nar.hash_path(store2.real_path(p)) == (a.nar_hash, a.nar_size)
        # Restored canonical as it was written: the modes and times an add gives.
        assert modes(store2.real_path(p)) == modes(store.real_path(p))
    assert store2.verify(check_contents=True) == []


def test_second_upload_skips_everything(cache: Cache, store: LocalStore, closure: Closure,
                                        keys: dict[str, SecretKey]) -> None:
    _signed(store, closure, keys)
    copy_to(store, cache, [closure.mid])
    report = copy_to(store, cache, [closure.top])
    assert report.uploaded == [closure.top]
    assert sorted(report.present) == sorted([closure.lib, closure.mid])
    again = copy_to(store, cache, [closure.top])
    assert again.uploaded == [] and len(again.present) == 3
    assert again.signatures_merged == [] and again.realisations == 0


def test_substitute_realisation(cache_url: str, cache: Cache, store: LocalStore,
                                store2: LocalStore, closure: Closure,
                                keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    r = add_realisation(store, closure.top)
    _signed(store, closure, keys)
    copy_to(store, cache, [closure.top])
    pol = TrustPolicy(policy.keys, 2, (cache_url,))
    got = substitute_realisation(store2, r.drv_hash, "out", pol)
    assert got == closure.top
    assert store2.valid_subset(closure.all) == set(closure.all)
    local = store2.query_realisation(r.drv_hash, "out")
    assert local is not None and local.path == closure.top and len(local.signatures) == 2


def test_substitute_paths(cache_url: str, cache: Cache, store: LocalStore, store2: LocalStore,
                          closure: Closure, keys: dict[str, SecretKey],
                          policy: TrustPolicy) -> None:
    _signed(store, closure, keys)
    copy_to(store, cache, [closure.top])
    pol = TrustPolicy(policy.keys, 2, (cache_url,))
    assert substitute_paths(store2, [closure.mid], pol) == {closure.mid}
    assert store2.valid_subset(closure.all) == {closure.lib, closure.mid}
    assert substitute_paths(store2, {closure.top, closure.lib}, pol) == {
        closure.top, closure.lib}


def test_only_missing_paths_are_downloaded(cache: Cache, store: LocalStore, store2: LocalStore,
                                           closure: Closure, keys: dict[str, SecretKey],
                                           policy: TrustPolicy) -> None:
    _signed(store, closure, keys)
    copy_to(store, cache, [closure.top])
    copy_from(store2, cache, [closure.lib], policy)
    cache_has = cache.has_many(info_key(p) for p in closure.all)
    assert len(cache_has) == 3
    result = trio.run(fetch_closure, store2, cache, [closure.top], policy)
    assert sorted(i.path for i in result.fetched) == sorted([closure.mid, closure.top])
