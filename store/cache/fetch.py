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
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, BinaryIO, cast

from sx.store.cache.archive import unpack_archive
from sx.store.cache.base import Cache
from sx.store.cache.layout import CachedPath, info_key
from sx.store.cache.signing import TrustPolicy, Untrusted
from sx.store.cache.tasks import nursery
from sx.store.errors import Corrupt, InvalidInput, NotFound, StorageError, StoreError
from sx.store.info import PathInfo
from sx.store.local import LocalStore, TempDir
from sx.store.path import StorePath
from sx.store.registration import Prepared, check

if TYPE_CHECKING:
    import trio

DEFAULT_JOBS = 4


class FetchResult:
    """Paths newly registered, and wanted paths that could not be fetched (with why)."""

    __slots__ = ("fetched", "unavailable")

    def __init__(self) -> None:
        self.fetched: list[PathInfo] = []
        self.unavailable: dict[StorePath, StoreError] = {}


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
    import trio  # here: substitution (``substitute.py``) uses this module without trio

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


Refs = Mapping[StorePath, Sequence[StorePath]]


def closure_error(root: StorePath, refs: Refs, errors: Mapping[StorePath, StoreError]
                  ) -> StoreError | None:
    """The error of the first path of ``root``'s closure that cannot be fetched, if any.

    ``refs`` holds the references of the paths found; a path neither there
    nor in ``errors`` is valid already.
    """
    todo, seen = [root], {root}
    while todo:
        p = todo.pop()
        if p in errors:
            return errors[p]
        for q in refs.get(p, ()):
            if q not in seen:
                seen.add(q)
                todo.append(q)
    return None


def closure_in(roots: Iterable[StorePath], refs: Refs) -> set[StorePath]:
    """The paths of ``refs`` reachable from ``roots`` (the part still to fetch)."""
    out: set[StorePath] = set()
    todo = [r for r in roots if r in refs]
    while todo:
        p = todo.pop()
        if p not in out:
            out.add(p)
            todo.extend(q for q in refs[p] if q in refs and q not in out)
    return out


def ensure_descriptors(count: int) -> None:
    """Each object waiting to be registered holds its temp dir's lock open: allow that many."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 256
    if soft >= want:
        return
    if hard != resource.RLIM_INFINITY and hard < want:
        raise StorageError(f"fetch {count} paths: needs {want} open files, the limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class Meter:
    """Compressed bytes received so far by a download; added to from worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bytes = 0

    def add(self, n: int) -> None:
        """Count ``n`` more bytes received."""
        with self._lock:
            self._bytes += n

    @property
    def received(self) -> int:
        """Bytes received up to now (failed attempts included)."""
        with self._lock:
            return self._bytes


class _Counted:
    """A stream whose reads are counted into a :class:`Meter` as they happen."""

    def __init__(self, stream: BinaryIO, meter: Meter) -> None:
        self._stream = stream
        self._meter = meter

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self._meter.add(len(data))
        return data


def download(store: LocalStore, cache: Cache, rec: CachedPath, tmp: TempDir,
             meter: Meter | None = None) -> Prepared:
    """Download and unpack one record's archive into ``tmp``: the object, ready to register.

    The object is checked here as registration will check it (archive hash,
    content address, references), so that bytes that are not what the
    record claims count as a failed download of this path from this cache
    (the substituter then tries the next cache, or builds), not as a
    failure of the whole install.
    """
    # The record says how large the file is: never read more than one byte past it.
    try:
        stream = cache.get(rec.archive_key, rec.file_size)
    except Corrupt as e:
        raise Corrupt(f"fetch {rec.path}: {e}") from e
    if stream is None:
        raise Corrupt(f"fetch {rec.path} from {cache.url}: "
                      f"its archive {rec.archive_key} is missing from the cache")
    with stream:
        src = stream if meter is None else cast(BinaryIO, _Counted(stream, meter))
        got = unpack_archive(store, tmp, src, rec, cache.url)
    # The proof travels with the item: install_many does not hash the tree again.
    return check(got, f"fetch from {cache.url}:")


def complete(store: LocalStore, infos: Mapping[StorePath, PathInfo]
             ) -> tuple[set[StorePath], dict[StorePath, StorePath]]:
    """Those of ``infos`` whose every reference is valid or among them (transitively).

    The others are returned with the reference that is missing: registering
    them would leave a path whose closure is not in the store.
    """
    refs = {r for i in infos.values() for r in i.references}
    valid = store.valid_subset(refs)
    ok = set(infos)
    missing: dict[StorePath, StorePath] = {}
    changed = True
    while changed:
        changed = False
        for p in sorted(ok):
            gap = next((r for r in infos[p].references
                        if r != p and r not in ok and r not in valid), None)
            if gap is not None:
                ok.discard(p)
                missing[p] = gap
                changed = True
    return ok, missing


async def fetch_closure(store: LocalStore, cache: Cache, roots: list[StorePath],
                        policy: TrustPolicy | None, jobs: int = DEFAULT_JOBS,
                        strict: bool = False) -> FetchResult:
    """Fetch the closures of ``roots`` that the cache holds (trusted), all or nothing.

    With ``strict``, any unavailable root raises its reason before anything is
    downloaded. A failing download raises, and nothing is registered.
    """
    import trio

    limiter = trio.CapacityLimiter(max(1, jobs))
    records, errors = await plan(store, cache, roots, policy, limiter)
    refs = {p: r.info.references for p, r in records.items()}
    result = FetchResult()
    ok: list[StorePath] = []
    for root in sorted(set(roots)):
        err = closure_error(root, refs, errors)
        if err is None:
            ok.append(root)
        else:
            result.unavailable[root] = err
    if strict and result.unavailable:
        raise next(iter(result.unavailable.values()))
    needed = [records[p] for p in sorted(closure_in(ok, refs))]
    if not needed:
        return result
    ensure_descriptors(len(needed))
    with ExitStack() as stack:
        items: list[Prepared] = []
        now = int(time.time())

        async def one(rec: CachedPath, tmp: TempDir) -> None:
            got = await trio.to_thread.run_sync(download, store, cache, rec, tmp,
                                                limiter=limiter)
            items.append(got._replace(info=rec.info.replace(registered=now)))

        async with nursery() as tasks:
            for rec in needed:
                tasks.start_soon(one, rec, stack.enter_context(store.temp_dir()))
        result.fetched = await trio.to_thread.run_sync(
            store.install_many, items, f"fetch from {cache.url}:")
    return result
