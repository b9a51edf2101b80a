"""Downloading closures from a cache: verify everything, then register everything at once.

1. Plan: fetch the records of the wanted paths and, level by level, of their
   references that this store lacks (concurrently). Each record must decode,
   describe the path it was fetched for, and, under a trust policy, carry
   valid signatures by k distinct trusted keys. A wanted path whose closure
   holds a missing or rejected record is unavailable (with the reason).
2. Download: the archives of the available closures, concurrently, each into
   its own locked temp dir, checking the compressed file's hash and size and
   the archive's hash, size and content address.
3. Register: all paths in one transaction (``install_many``). Any failure
   before this point registers nothing.
"""

from __future__ import annotations

import resource
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

import trio
from sx.store.cache.archive import unpack_archive
from sx.store.cache.base import Cache
from sx.store.cache.layout import CachedPath, info_key
from sx.store.cache.signing import TrustPolicy, Untrusted
from sx.store.cache.tasks import nursery
from sx.store.errors import Corrupt, InvalidInput, NotFound, StorageError, StoreError
from sx.store.info import PathInfo
from sx.store.local import LocalStore, TempDir
from sx.store.path import StorePath

DEFAULT_JOBS = 4


@dataclass
class FetchResult:
    """Paths newly registered, and wanted paths that could not be fetched (with why)."""

    fetched: list[PathInfo] = field(default_factory=list)
    unavailable: dict[StorePath, StoreError] = field(default_factory=dict)


def _record(cache: Cache, path: StorePath, policy: TrustPolicy | None) -> CachedPath | StoreError:
    """The checked record of ``path``, or the reason it cannot be used."""
    try:
        data = cache.get_bytes(info_key(path))
        if data is None:
            return NotFound(f"fetch {path} from {cache.url}: not in the cache")
        rec = CachedPath.decode(data, path, cache.url)
        if policy is not None:
            policy.check(rec.info.fingerprint(), rec.info.signatures, f"{path} in {cache.url}")
        return rec
    except (InvalidInput, Untrusted) as e:
        return e


async def plan(store: LocalStore, cache: Cache, roots: list[StorePath],
               policy: TrustPolicy | None, limiter: trio.CapacityLimiter
               ) -> tuple[dict[StorePath, CachedPath], dict[StorePath, StoreError]]:
    """Records of every missing path reachable from ``roots``, and the rejected ones."""
    records: dict[StorePath, CachedPath] = {}
    errors: dict[StorePath, StoreError] = {}
    store.temp_roots.add(roots)
    frontier = sorted(set(roots) - store.valid_subset(roots))
    seen = set(frontier)

    async def one(p: StorePath, got: dict[StorePath, CachedPath | StoreError]) -> None:
        got[p] = await trio.to_thread.run_sync(_record, cache, p, policy, limiter=limiter)

    while frontier:
        got: dict[StorePath, CachedPath | StoreError] = {}
        async with nursery() as tasks:
            for p in frontier:
                tasks.start_soon(one, p, got)
        refs: set[StorePath] = set()
        for p in frontier:
            r = got[p]
            if isinstance(r, StoreError):
                errors[p] = r
                continue
            records[p] = r
            refs.update(q for q in r.info.references if q not in seen)
        # Protect what we will rely on before checking it is there (see roots.py).
        store.temp_roots.add(refs)
        valid = store.valid_subset(refs)
        seen |= refs
        frontier = sorted(refs - valid)
    return records, errors


def _closure_error(root: StorePath, records: dict[StorePath, CachedPath],
                   errors: dict[StorePath, StoreError]) -> StoreError | None:
    """The first rejected path in ``root``'s closure, if any."""
    todo, seen = [root], {root}
    while todo:
        p = todo.pop()
        if p in errors:
            return errors[p]
        rec = records.get(p)
        for q in rec.info.references if rec else ():
            if q not in seen:
                seen.add(q)
                todo.append(q)
    return None


def _needed(roots: list[StorePath], records: dict[StorePath, CachedPath]) -> list[CachedPath]:
    out: dict[StorePath, CachedPath] = {}
    todo = [r for r in roots if r in records]
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out[p] = records[p]
        todo.extend(q for q in records[p].info.references if q in records and q not in out)
    return [out[p] for p in sorted(out)]


def _ensure_descriptors(count: int) -> None:
    """Each object waiting to be registered holds its temp dir's lock open: allow that many."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 256
    if soft >= want:
        return
    if hard != resource.RLIM_INFINITY and hard < want:
        raise StorageError(f"fetch {count} paths: needs {want} open files, the limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def _download(store: LocalStore, cache: Cache, rec: CachedPath, tmp: TempDir) -> str:
    # The record says how large the file is: never read more than one byte past it.
    try:
        stream = cache.get(rec.archive_key, rec.file_size)
    except Corrupt as e:
        raise Corrupt(f"fetch {rec.path}: {e}") from e
    if stream is None:
        raise Corrupt(f"fetch {rec.path} from {cache.url}: "
                      f"its archive {rec.archive_key} is missing from the cache")
    with stream:
        return unpack_archive(store, tmp, stream, rec, cache.url)


async def fetch_closure(store: LocalStore, cache: Cache, roots: list[StorePath],
                        policy: TrustPolicy | None, jobs: int = DEFAULT_JOBS,
                        strict: bool = False) -> FetchResult:
    """Fetch the closures of ``roots`` that the cache holds (trusted), all or nothing.

    With ``strict``, any unavailable root raises its reason before anything is
    downloaded. A failing download raises, and nothing is registered.
    """
    limiter = trio.CapacityLimiter(max(1, jobs))
    records, errors = await plan(store, cache, roots, policy, limiter)
    result = FetchResult()
    ok: list[StorePath] = []
    for root in sorted(set(roots)):
        err = _closure_error(root, records, errors)
        if err is None:
            ok.append(root)
        else:
            result.unavailable[root] = err
    if strict and result.unavailable:
        raise next(iter(result.unavailable.values()))
    needed = _needed(ok, records)
    if not needed:
        return result
    _ensure_descriptors(len(needed))
    with ExitStack() as stack:
        items: list[tuple[TempDir, str, PathInfo]] = []
        now = int(time.time())

        async def one(rec: CachedPath, tmp: TempDir) -> None:
            obj = await trio.to_thread.run_sync(_download, store, cache, rec, tmp,
                                                limiter=limiter)
            items.append((tmp, obj, replace(rec.info, registered=now)))

        async with nursery() as tasks:
            for rec in needed:
                tasks.start_soon(one, rec, stack.enter_context(store.temp_dir()))
        result.fetched = await trio.to_thread.run_sync(store.install_many, items)
    return result
