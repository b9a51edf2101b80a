"""Uploading closures to a cache, and the ``sx copy`` entry points for both directions.

Upload order makes every visible record usable: first the archives of all
missing paths (compressed, checked against the local record, uploaded
concurrently), then the path records references-first, then realisations.
A record therefore never appears before its archive, or before the records
of its references; an upload killed at any point leaves at most unreferenced
archives behind.

Existence is checked for the whole closure in one batch. For paths the
cache already holds, local signatures the cache lacks are merged into its
record, provided the record describes the same archive (same fingerprint);
otherwise the difference is reported and the cache's record is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

import trio
from sx.store.cache.archive import pack_path
from sx.store.cache.base import Cache
from sx.store.cache.fetch import FetchResult, fetch_closure
from sx.store.cache.layout import (
    CachedPath,
    decode_realisation,
    encode_realisation,
    ensure_cache_info,
    info_key,
    realisation_key,
)
from sx.store.cache.signing import TrustPolicy
from sx.store.cache.tasks import nursery
from sx.store.info import PathInfo, Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath

DEFAULT_JOBS = 2


@dataclass
class UploadReport:
    """What an upload did."""

    uploaded: list[StorePath] = field(default_factory=list)
    present: list[StorePath] = field(default_factory=list)
    signatures_merged: list[StorePath] = field(default_factory=list)
    realisations: int = 0
    conflicts: list[str] = field(default_factory=list)


async def _upload_archive(store: LocalStore, cache: Cache, info: PathInfo, scratch: str,
                          limiter: trio.CapacityLimiter, out: dict[StorePath, CachedPath]) -> None:
    packed = await trio.to_thread.run_sync(pack_path, store, info, scratch, limiter=limiter)
    rec = CachedPath(info, packed.file_hash, packed.file_size)
    try:
        await trio.to_thread.run_sync(cache.put_file, rec.archive_key, packed.file,
                                      limiter=limiter)
    finally:
        await trio.to_thread.run_sync(_remove, packed.file)
    out[info.path] = rec


def _remove(path: str) -> None:
    if os.path.lexists(path):
        os.unlink(path)


def _merge_record(cache: Cache, local: PathInfo, report: UploadReport) -> None:
    """Add local signatures to the cache's record of the same path (same fingerprint only)."""
    data = cache.get_bytes(info_key(local.path))
    if data is None:
        return
    remote = CachedPath.decode(data, local.path, cache.url)
    if remote.info.fingerprint() != local.fingerprint():
        report.conflicts.append(
            f"{local.path}: {cache.url} holds archive {remote.info.nar_hash}, "
            f"this store {local.nar_hash}; signatures not merged")
        return
    if set(local.signatures) <= set(remote.info.signatures):
        return
    merged = CachedPath(remote.info.with_signatures(local.signatures), remote.file_hash,
                        remote.file_size, remote.compression)
    cache.put(info_key(local.path), merged.encode())
    report.signatures_merged.append(local.path)


def _upload_realisation(cache: Cache, r: Realisation, present: bool,
                        report: UploadReport) -> None:
    key = realisation_key(r.drv_hash, r.output)
    data = cache.get_bytes(key) if present else None
    if data is not None:
        remote = decode_realisation(data, r.drv_hash, r.output, cache.url, r.is_derivation)
        if remote.path != r.path:
            report.conflicts.append(f"{r.key}: {cache.url} says {remote.path}, "
                                    f"this store {r.path}; not overwritten")
            return
        if remote.fingerprint() != r.fingerprint():
            report.conflicts.append(f"{r.key}: {cache.url} resolved its inputs to other "
                                    "paths than this store; not overwritten")
            return
        if set(r.signatures) <= set(remote.signatures):
            return
        r = r.with_signatures(remote.signatures)
    cache.put(key, encode_realisation(r))
    report.realisations += 1


def _upload_realisations(store: LocalStore, cache: Cache, closure: set[StorePath],
                         report: UploadReport) -> None:
    """Realisations pointing into the closure (after the records they need)."""
    mine = [r for r in store.all_realisations() if r.path in closure]
    present = cache.has_many(realisation_key(r.drv_hash, r.output) for r in mine)
    for r in mine:
        _upload_realisation(cache, r, realisation_key(r.drv_hash, r.output) in present, report)


async def upload_closure(store: LocalStore, cache: Cache, paths: Iterable[StorePath],
                         jobs: int = DEFAULT_JOBS) -> UploadReport:
    """Upload the closure of ``paths`` (and realisations that point into it)."""
    infos = {i.path: i for i in store.closure_infos(paths)}
    closure = set(infos)
    store.temp_roots.add(closure)
    order = list(infos)
    report = UploadReport()
    limiter = trio.CapacityLimiter(max(1, jobs))
    await trio.to_thread.run_sync(ensure_cache_info, cache)
    present = await trio.to_thread.run_sync(cache.has_many, [info_key(p) for p in order])
    missing = [p for p in order if info_key(p) not in present]
    report.present = [p for p in order if info_key(p) in present]
    records: dict[StorePath, CachedPath] = {}
    with store.temp_dir() as tmp:
        scratch = cache.scratch_dir() or tmp.path
        async with nursery() as tasks:
            for p in missing:
                tasks.start_soon(_upload_archive, store, cache, infos[p], scratch, limiter,
                                 records)
            for p in report.present:
                if infos[p].signatures:
                    merge = partial(trio.to_thread.run_sync, _merge_record, cache, infos[p],
                                    report, limiter=limiter)
                    tasks.start_soon(merge)
    # References first: a visible record's closure is complete.
    batch = [(info_key(p), records[p].encode()) for p in missing]
    await trio.to_thread.run_sync(cache.put_many, batch)
    report.uploaded = missing
    await trio.to_thread.run_sync(_upload_realisations, store, cache, closure, report)
    return report


def copy_to(store: LocalStore, cache: Cache, paths: Iterable[StorePath],
            jobs: int = DEFAULT_JOBS) -> UploadReport:
    """``sx copy --to``: upload closures (blocking)."""
    roots = list(paths)
    return trio.run(upload_closure, store, cache, roots, jobs)


def copy_from(store: LocalStore, cache: Cache, paths: Iterable[StorePath],
              policy: TrustPolicy | None, jobs: int = 4) -> FetchResult:
    """``sx copy --from``: download closures, all or nothing; ``policy`` None skips signatures."""
    roots = list(paths)

    async def run() -> FetchResult:
        return await fetch_closure(store, cache, roots, policy, jobs, strict=True)

    return trio.run(run)
