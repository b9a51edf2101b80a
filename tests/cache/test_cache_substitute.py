"""Substitution over several configured caches: order, fallback, unreachable caches."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from cache_helpers import Closure, add_realisation, free_port, sign
from sx.store import nar
from sx.store.cache import open_cache
from sx.store.cache.copy import copy_to
from sx.store.cache.layout import CACHE_INFO, CacheInfo
from sx.store.cache.signing import SecretKey, TrustPolicy
from sx.store.cache.substitute import substitute_paths, substitute_realisation, substituters
from sx.store.errors import StorageError
from sx.store.local import LocalStore


def _pol(policy: TrustPolicy, *urls: str) -> TrustPolicy:
    return TrustPolicy(policy.keys, policy.required, urls)


def test_falls_back_to_the_next_cache(tmp_path: Path, store: LocalStore, store2: LocalStore,
                                      closure: Closure, keys: dict[str, SecretKey],
                                      policy: TrustPolicy) -> None:
    r = add_realisation(store, closure.top)
    sign(store, keys["alice"], closure.all)
    weak = f"file://{tmp_path / 'weak'}"
    copy_to(store, open_cache(weak), [closure.top])  # only alice: not enough
    sign(store, keys["bob"], closure.all)
    good = f"file://{tmp_path / 'good'}"
    copy_to(store, open_cache(good), [closure.top])
    dead = f"http://127.0.0.1:{free_port()}"
    empty = f"file://{tmp_path / 'empty'}"
    pol = _pol(policy, dead, empty, weak, good)
    assert substitute_realisation(store2, r.drv_hash, "out", pol) == closure.top
    assert store2.valid_subset(closure.all) == set(closure.all)


def test_nothing_trusted_anywhere_gives_none(tmp_path: Path, store: LocalStore,
                                             store2: LocalStore, closure: Closure,
                                             keys: dict[str, SecretKey],
                                             policy: TrustPolicy) -> None:
    r = add_realisation(store, closure.top)
    sign(store, keys["alice"], closure.all)
    url = f"file://{tmp_path / 'c'}"
    copy_to(store, open_cache(url), [closure.top])
    pol = _pol(policy, url, f"http://127.0.0.1:{free_port()}")
    assert substitute_realisation(store2, r.drv_hash, "out", pol) is None
    assert substitute_realisation(store2, r.drv_hash, "dev", pol) is None
    assert substitute_paths(store2, closure.all, pol) == set()
    assert store2.all_paths() == []


def test_priority_orders_caches(tmp_path: Path) -> None:
    a, b = f"file://{tmp_path / 'a'}", f"file://{tmp_path / 'b'}"
    open_cache(a).put(CACHE_INFO, CacheInfo(priority=60).encode())
    open_cache(b).put(CACHE_INFO, CacheInfo(priority=10).encode())
    key = SecretKey.generate("k")
    pol = TrustPolicy((key.public(),), 1, (a, b))
    assert [c.url for c in substituters(pol)] == [b, a]


def test_foreign_cache_is_skipped(tmp_path: Path) -> None:
    a = f"file://{tmp_path / 'a'}"
    open_cache(a).put(CACHE_INFO, CacheInfo(store_dir="/nix/store").encode())
    key = SecretKey.generate("k")
    assert substituters(TrustPolicy((key.public(),), 1, (a,))) == []


def test_one_bad_path_does_not_spoil_the_others(tmp_path: Path, store: LocalStore,
                                                 store2: LocalStore, closure: Closure,
                                                 keys: dict[str, SecretKey],
                                                 policy: TrustPolicy) -> None:
    sign(store, keys["alice"], closure.all)
    sign(store, keys["bob"], [closure.lib, closure.mid])
    url = f"file://{tmp_path / 'c'}"
    copy_to(store, open_cache(url), [closure.top])
    pol = _pol(policy, url)
    got = substitute_paths(store2, [closure.top, closure.mid], pol)
    assert got == {closure.mid}
    assert store2.valid_subset(closure.all) == {closure.lib, closure.mid}


def test_already_valid_paths_need_no_cache(store: LocalStore, closure: Closure,
                                           policy: TrustPolicy) -> None:
    pol = _pol(policy, f"http://127.0.0.1:{free_port()}")
    assert substitute_paths(store, closure.all, pol) == set(closure.all)


def test_local_storage_failure_is_raised_not_skipped(
        tmp_path: Path, store: LocalStore, store2: LocalStore, closure: Closure,
        keys: dict[str, SecretKey], policy: TrustPolicy, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    sign(store, keys["alice"], closure.all)
    sign(store, keys["bob"], closure.all)
    url = f"file://{tmp_path / 'c'}"
    copy_to(store, open_cache(url), [closure.top])

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(nar, "_write", full)  # the disk fills up while unpacking
    with pytest.raises(StorageError, match="No space left on device"):
        substitute_paths(store2, [closure.top], _pol(policy, url))
    assert store2.all_paths() == [] and os.listdir(store2.tmp) == []
