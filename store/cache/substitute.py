"""Substitution: getting a path or a derivation output from the configured caches
instead of building it, but only when the trust policy is met.

The builder calls :func:`load_policy` once and then, per derivation output,
:func:`substitute_realisation`; :func:`substitute_paths` fetches given paths.
Caches are tried by priority (their ``sx-cache-info``), then in configuration
order. Anything wrong with a cache's answer (missing, untrusted, corrupt,
unreachable) is logged and the next cache is tried; only a failure of the
local store raises. A cache that cannot be opened is skipped for the rest of
the process.
"""

from __future__ import annotations

import logging

import trio
from sx.store.cache import open_cache
from sx.store.cache.base import Cache, CacheError
from sx.store.cache.config import load_config
from sx.store.cache.copy import read_cache_info
from sx.store.cache.fetch import fetch_closure
from sx.store.cache.layout import DEFAULT_PRIORITY, decode_realisation, realisation_key
from sx.store.cache.signing import TrustPolicy, Untrusted
from sx.store.errors import InvalidInput, NotFound
from sx.store.hashing import Digest
from sx.store.info import Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath

log = logging.getLogger("sx.cache")
# url -> (cache, priority), or None when the cache could not be opened.
_opened: dict[str, tuple[Cache, int] | None] = {}
# What went wrong with a cache's answer: try the next cache.
_SKIP = (InvalidInput, Untrusted, CacheError, NotFound)


def load_policy(store: LocalStore) -> TrustPolicy | None:
    """The trust policy of ``store``'s configuration; None when no substituters are set."""
    cfg = load_config(store.root)
    if not cfg.substituters:
        return None
    return cfg.policy()


def _open(url: str) -> tuple[Cache, int] | None:
    if url not in _opened:
        try:
            cache = open_cache(url)
            info = read_cache_info(cache)
            _opened[url] = (cache, info.priority if info else DEFAULT_PRIORITY)
        except _SKIP as e:
            log.warning("sx: substituter %s disabled: %s", url, e)
            _opened[url] = None
    return _opened[url]


async def substituters(policy: TrustPolicy) -> list[Cache]:
    """The usable caches of ``policy``, best priority first."""
    found = []
    for i, url in enumerate(policy.substituters):
        got = await trio.to_thread.run_sync(_open, url)
        if got is not None:
            found.append((got[1], i, got[0]))
    return [c for _, _, c in sorted(found, key=lambda t: (t[0], t[1]))]


async def _from_cache(store: LocalStore, cache: Cache, drv_hash: Digest, output: str,
                      policy: TrustPolicy) -> StorePath | None:
    key = realisation_key(drv_hash, output)
    data = await trio.to_thread.run_sync(cache.get_bytes, key)
    if data is None:
        return None
    r = decode_realisation(data, drv_hash, output, cache.url)
    policy.check(r.fingerprint(), r.signatures, f"realisation {r.key} in {cache.url}")
    await fetch_closure(store, cache, [r.path], policy, strict=True)
    store.register_realisation(Realisation(drv_hash, output, r.path, r.signatures))
    return r.path


async def substitute_realisation(store: LocalStore, drv_hash: Digest, output: str,
                                 policy: TrustPolicy) -> StorePath | None:
    """Fetch a trusted realisation of ``(drv_hash, output)`` and its closure; None if none.

    The realisation must be signed by ``policy.required`` distinct trusted
    keys, and so must every path of the closure. Paths and realisation are
    registered only after every archive is verified.
    """
    for cache in await substituters(policy):
        try:
            path = await _from_cache(store, cache, drv_hash, output, policy)
        except _SKIP as e:
            log.warning("sx: not substituted: %s", e)
            continue
        if path is not None:
            return path
    return None


async def _paths_from(store: LocalStore, cache: Cache, want: list[StorePath],
                      policy: TrustPolicy) -> None:
    try:
        result = await fetch_closure(store, cache, want, policy)
    except _SKIP as e:
        if len(want) == 1:
            log.warning("sx: not substituted: %s", e)
            return
        # One bad archive spoils the batch: try the paths one by one.
        for p in want:
            await _paths_from(store, cache, [p], policy)
        return
    for err in result.unavailable.values():
        if not isinstance(err, NotFound):
            log.warning("sx: not substituted: %s", err)


async def substitute_paths(store: LocalStore, paths: list[StorePath] | set[StorePath],
                           policy: TrustPolicy) -> set[StorePath]:
    """Fetch the trusted closures of ``paths`` from the caches; returns those now valid."""
    wanted = set(paths)
    for cache in await substituters(policy):
        missing = sorted(wanted - store.valid_subset(wanted))
        if not missing:
            break
        await _paths_from(store, cache, missing, policy)
    return store.valid_subset(wanted)


def reset() -> None:
    """Forget opened caches (tests, or after the configuration changed)."""
    _opened.clear()
