"""Substitution: getting paths and derivation outputs from the configured caches
instead of building them, but only when the trust policy is met.

:class:`Substituters` is one command's view of its caches: opened lazily,
tried by priority (their ``sx-cache-info``) and then in configuration order,
answers remembered for the rest of the command. It answers questions from
records alone (:meth:`Substituters.realisations`, :meth:`Substituters.locate`)
and downloads what the caller decided to fetch (:meth:`Substituters.download`).

Anything wrong with a cache's answer (missing, untrusted, corrupt, cut
short, timed out) costs one warning line, and the next cache is tried; only
a failure of the local store raises. A cache that cannot be opened, or whose
record look-ups fail at the network level, is skipped for the rest of the
command. A download that fails is retried from the next cache holding a
trusted record of the path; nothing half-fetched is ever registered.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager

from sx.store.cache import open_cache
from sx.store.cache.base import Cache, CacheError
from sx.store.cache.config import load_config
from sx.store.cache.fetch import (
    Meter,
    closure_error,
    closure_in,
    complete,
    download,
    ensure_descriptors,
)
from sx.store.cache.layout import (
    DEFAULT_PRIORITY,
    CachedPath,
    decode_realisation,
    info_key,
    read_cache_info,
    realisation_key,
)
from sx.store.cache.parallel import each
from sx.store.cache.signing import TrustPolicy, Untrusted
from sx.store.errors import InvalidInput, NotFound, StoreError
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.local import LocalStore, TempDir
from sx.store.path import StorePath
from sx.store.registration import Prepared
from sx.store.value import Value


def _warn(line: str) -> None:
    """The default for warnings: one line on stderr (``logging`` would cost every start)."""
    print(line, file=sys.stderr, flush=True)


# (url, timeout) -> (cache, priority), or why the cache could not be opened.
_opened: dict[tuple[str, float | None], tuple[Cache, int] | StoreError] = {}
# What can go wrong with a cache's answer: skip it, try the next cache.
REMOTE = (InvalidInput, Untrusted, CacheError, NotFound)
DEFAULT_JOBS = 8
Accept = Callable[[Realisation], str | None]


def load_policy(store: LocalStore, overrides: Mapping[str, object] | None = None
                ) -> TrustPolicy | None:
    """The trust policy of ``store``'s configuration; None when no substituters are set."""
    cfg = load_config(store.root, overrides)
    if not cfg.substituters:
        return None
    return cfg.policy()


def load_substituters(store: LocalStore, overrides: Mapping[str, object] | None = None,
                      warn: Callable[[str], None] | None = None) -> Substituters | None:
    """The configured substituters of ``store`` (None when there are none).

    A bad configuration raises here, before anything is built.
    """
    cfg = load_config(store.root, overrides)
    if not cfg.substituters:
        return None
    return Substituters(cfg.policy(), warn, timeout=cfg.timeout)


def _open(url: str, timeout: float | None) -> tuple[Cache, int] | StoreError:
    if (url, timeout) not in _opened:
        try:
            cache = open_cache(url, timeout=timeout)
            info = read_cache_info(cache)
            _opened[url, timeout] = (cache, info.priority if info else DEFAULT_PRIORITY)
        except REMOTE as e:
            _opened[url, timeout] = e
    return _opened[url, timeout]


def substituters(policy: TrustPolicy, timeout: float | None = None,
                 warn: Callable[[str], None] | None = None) -> list[Cache]:
    """The usable caches of ``policy``, best priority first; ``warn`` hears of the others."""
    found = []
    for i, url in enumerate(policy.substituters):
        got = _open(url, timeout)
        if isinstance(got, StoreError):
            (warn or _warn)(f"sx: warning: substituter {url} disabled: {got}")
        else:
            found.append((got[1], i, got[0]))
    return [c for _, _, c in sorted(found, key=lambda t: (t[0], t[1]))]


class Located(Value):
    """A path's trusted record and the cache that holds it."""

    __slots__ = _fields = ("rec", "cache")
    rec: CachedPath
    cache: Cache

    def __init__(self, rec: CachedPath, cache: Cache) -> None:
        self._set("rec", rec)
        self._set("cache", cache)

    @property
    def path(self) -> StorePath:
        """The store path."""
        return self.rec.path


class Downloaded:
    """What a download registered, and the paths it could not get (with why).

    ``recorded``: the realisations recorded with the paths (those whose path arrived).
    """

    __slots__ = ("failed", "fetched", "recorded")

    def __init__(self) -> None:
        self.fetched: list[PathInfo] = []
        self.failed: dict[StorePath, str] = {}
        self.recorded: list[tuple[Realisation, StorePath | None]] = []


# A record look-up: the decoded answer, None (absent), or why it is unusable.
_Answer = Realisation | StoreError | None


class Substituters:
    """The caches one command substitutes from, under one trust policy."""

    def __init__(self, policy: TrustPolicy, warn: Callable[[str], None] | None = None,
                 jobs: int = DEFAULT_JOBS, timeout: float | None = None) -> None:
        self.policy = policy
        self.warn = warn or _warn
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self._caches: list[Cache] | None = None
        self._dead: set[str] = set()
        self._answers: dict[tuple[str, str, bool], _Answer] = {}
        self._warned: set[str] = set()
        self._located: dict[StorePath, Located | StoreError] = {}
        self._failed: set[tuple[StorePath, str]] = set()
        self.registered: list[PathInfo] = []
        """Every path downloads of this command registered, in order."""

    # ---- caches ------------------------------------------------------------------------

    def caches(self) -> list[Cache]:
        """The usable caches, best first (opened on first use)."""
        if self._caches is None:
            self._caches = substituters(self.policy, self.timeout, self._note)
        return [c for c in self._caches if c.url not in self._dead]

    def _note(self, line: str) -> None:
        if line not in self._warned:
            self._warned.add(line)
            self.warn(line)

    def _disable(self, cache: Cache, e: CacheError) -> None:
        if cache.url not in self._dead:
            self._dead.add(cache.url)
            self._note(f"sx: warning: substituter {cache.url} disabled for this command: {e}")

    # ---- realisations (records only) -------------------------------------------------

    def _get_realisation(self, cache: Cache, drv_hash: Digest, output: str,
                         derivation: bool) -> _Answer | CacheError:
        """The decoded answer (worker thread); a :class:`CacheError` is returned, not raised."""
        key = realisation_key(drv_hash, output)
        memo = (cache.url, key, derivation)
        if memo not in self._answers:
            try:
                data = cache.get_bytes(key)
                self._answers[memo] = None if data is None else decode_realisation(
                    data, drv_hash, output, cache.url, derivation)
            except CacheError as e:
                return e  # not remembered: the caller disables the cache
            except InvalidInput as e:
                self._answers[memo] = e
        return self._answers[memo]

    def _realisation(self, drv_hash: Digest, output: str, derivation: bool,
                     accept: Accept | None) -> Realisation | None:
        for cache in self.caches():
            if cache.url in self._dead:
                continue
            got = self._get_realisation(cache, drv_hash, output, derivation)
            if got is None:
                continue
            if isinstance(got, CacheError):
                self._disable(cache, got)
                continue
            if isinstance(got, StoreError):
                self._note(f"sx: not substituted: {got}")
                continue
            why = accept(got) if accept else None
            if why is not None:
                self._note(f"sx: not substituted: realisation {got.key} in {cache.url}: {why}")
                continue
            try:
                self.policy.check(got.fingerprint(), got.signatures,
                                  f"realisation {got.key} in {cache.url}")
            except Untrusted as e:
                self._note(f"sx: not substituted: {e}")
                continue
            return got
        return None

    def realisations(self, wanted: Iterable[tuple[Digest, str]], derivation: bool,
                     accept: Accept | None = None) -> dict[str, Realisation]:
        """Trusted realisations of ``wanted`` (drv hash, output), by ``<hash>!<output>``.

        ``derivation`` says which kind is asked for (keyed by the hash modulo,
        or resolved); ``accept`` may refuse an answer with a reason (then the
        next cache is asked). One concurrent look-up per key; caches in order.
        """
        self.caches()  # opened once, before the look-ups run at once
        keys = sorted(set(wanted), key=lambda t: (str(t[0]), t[1]))
        got = each(lambda k: self._realisation(k[0], k[1], derivation, accept), keys, self.jobs)
        return {r.key: r for r in got if r is not None}

    # ---- path records (records only) ---------------------------------------------------

    def _get_record(self, cache: Cache, path: StorePath) -> CachedPath | StoreError | None:
        """The checked record (worker thread); a :class:`CacheError` is returned, not raised."""
        try:
            data = cache.get_bytes(info_key(path))
            if data is None:
                return None
            rec = CachedPath.decode(data, path, cache.url)
            self.policy.check(rec.info.fingerprint(), rec.info.signatures,
                              f"{path} in {cache.url}")
            return rec
        except (CacheError, InvalidInput, Untrusted) as e:
            return e

    def _locate_one(self, path: StorePath, after: Cache | None = None) -> Located | StoreError:
        caches = self.caches()
        if after is not None:
            ranked = self._caches or []
            later = set(ranked[ranked.index(after) + 1:]) if after in ranked else set()
            caches = [c for c in caches if c in later]
        why: StoreError | None = None
        for cache in caches:
            if (path, cache.url) in self._failed or cache.url in self._dead:
                continue
            got = self._get_record(cache, path)
            if isinstance(got, CachedPath):
                return Located(got, cache)
            if isinstance(got, CacheError):
                self._disable(cache, got)
                continue
            if got is not None:
                self._note(f"sx: not substituted: {got}")
                why = why or got
        return why or NotFound(f"substitute {path}: no substituter has it")

    def locate(self, store: LocalStore, roots: Iterable[StorePath]
               ) -> tuple[dict[StorePath, Located], dict[StorePath, StoreError]]:
        """Trusted records of every path of the closures of ``roots`` that ``store`` lacks.

        Level by level from the roots, concurrently; each path from the best
        cache with a trusted record. Returns the records found and, for the
        others, why not (the first rejection, or :class:`NotFound`). What is
        found is protected by temp roots before its references are checked.
        """
        roots = sorted(set(roots))
        found: dict[StorePath, Located] = {}
        errors: dict[StorePath, StoreError] = {}
        store.temp_roots.add(roots)
        frontier = sorted(set(roots) - store.valid_subset(roots))
        seen = set(frontier)
        self.caches()  # opened once, before the look-ups run at once

        def one(p: StorePath) -> None:
            if p not in self._located:
                self._located[p] = self._locate_one(p)

        while frontier:
            each(one, frontier, self.jobs)
            refs: set[StorePath] = set()
            for p in frontier:
                got = self._located[p]
                if isinstance(got, StoreError):
                    errors[p] = got
                    continue
                found[p] = got
                refs.update(q for q in got.rec.info.references if q not in seen)
            store.temp_roots.add(refs)
            seen |= refs
            frontier = sorted(refs - store.valid_subset(refs))
        return found, errors

    # ---- downloads -----------------------------------------------------------------------

    def download(self, store: LocalStore, wanted: Mapping[StorePath, Located],
                 meter: Meter | None = None, on_path: Callable[[Located], None] | None = None,
                 tick: Callable[[], None] | None = None,
                 realisations: Sequence[tuple[Realisation, StorePath | None]] = ()
                 ) -> Downloaded:
        """Download ``wanted`` (a set closed under references, up to valid paths), register.

        Each archive is fetched concurrently into its own temp dir and checked;
        one that fails is tried from the next cache with a trusted record
        (one warning line each). Then every path whose closure arrived is
        registered in one transaction; the rest is removed, and reported in
        ``failed``. ``on_path`` is called as each path arrives (one call at a
        time, from the worker threads); ``tick`` in this thread while they run.
        Those of ``realisations`` whose path arrives are recorded in the same
        transaction as the paths (one durable commit for both).
        """
        result = Downloaded()
        ready: dict[StorePath, Prepared] = {}
        ensure_descriptors(len(wanted))
        now = int(time.time())
        holders: list[AbstractContextManager[TempDir]] = []
        lock = threading.Lock()

        def arrived(loc: Located) -> None:
            if on_path is not None:
                with lock:
                    on_path(loc)

        def one(loc: Located) -> None:
            got = self._download_one(store, loc, meter, holders, arrived)
            if isinstance(got, str):
                result.failed[loc.path] = got
            else:
                ready[loc.path] = got._replace(info=got.info.replace(registered=now))

        try:
            each(one, [wanted[p] for p in sorted(wanted)], max(self.jobs // 2, 1), tick)
            ok, gaps = complete(store, {p: t.info for p, t in ready.items()})
            for p, gap in gaps.items():
                result.failed.setdefault(p, f"its reference {gap} could not be fetched")
            items = [ready[p] for p in wanted if p in ok]  # in the caller's order
            result.recorded = [(r, d) for r, d in realisations if r.path in ok]
            if items:
                result.fetched = store.install_many(items, realisations=result.recorded)
                self.registered += result.fetched
        finally:
            for holder in holders:
                holder.__exit__(None, None, None)
        return result

    def _download_one(self, store: LocalStore, loc: Located, meter: Meter | None,
                      holders: list[AbstractContextManager[TempDir]],
                      on_path: Callable[[Located], None]) -> Prepared | str:
        """One path, from each cache holding it in turn: the unpacked object, or why not."""
        current: Located | StoreError = loc
        while isinstance(current, Located):
            holder = store.temp_dir()
            tmp = holder.__enter__()
            try:
                got = download(store, current.cache, current.rec, tmp, meter)
            except REMOTE as e:
                holder.__exit__(None, None, None)  # nothing half-fetched stays
                self._failed.add((current.path, current.cache.url))
                nxt = self._locate_one(current.path, after=current.cache)
                then = ("trying " + nxt.cache.url) if isinstance(nxt, Located) else "giving up"
                what = str(e) if str(current.path) in str(e) else (
                    f"fetch {current.path} from {current.cache.url}: {e}")
                self.warn(f"sx: warning: {what}; {then}")
                if not isinstance(nxt, Located):
                    self._located[current.path] = e
                    return what
                current = nxt
                continue
            except BaseException:
                holder.__exit__(None, None, None)
                raise
            holders.append(holder)
            on_path(current)
            return got._replace(info=current.rec.info)
        return str(current)

    # ---- whole operations ------------------------------------------------------------------

    def fetch_paths(self, store: LocalStore, paths: Iterable[StorePath],
                    meter: Meter | None = None,
                    on_path: Callable[[Located], None] | None = None) -> set[StorePath]:
        """Fetch the trusted closures of ``paths``; returns those of ``paths`` now valid."""
        wanted = set(paths)
        found, errors = self.locate(store, wanted)
        usable = closure_without(wanted, found, errors)
        if usable:
            self.download(store, usable, meter, on_path)
        return store.valid_subset(wanted)

    def fetch_realisation(self, store: LocalStore, drv_hash: Digest, output: str,
                          meter: Meter | None = None,
                          on_path: Callable[[Located], None] | None = None,
                          drv_path: StorePath | None = None,
                          accept: Accept | None = None) -> StorePath | None:
        """A trusted resolved realisation and its closure, fetched and registered; or None."""
        got = self.realisations([(drv_hash, output)], False, accept)
        r = got.get(f"{drv_hash}!{output}")
        if r is None or r.path not in self.fetch_paths(store, [r.path], meter, on_path):
            return None
        store.register_realisation(r, drv_path)
        return r.path


def closure_without(roots: Iterable[StorePath], found: Mapping[StorePath, Located],
                    errors: Mapping[StorePath, StoreError]) -> dict[StorePath, Located]:
    """The records of the closures of those ``roots`` that have no error in their closure."""
    refs = {p: loc.rec.info.references for p, loc in found.items()}
    ok = [r for r in roots if closure_error(r, refs, errors) is None]
    return {p: found[p] for p in sorted(closure_in(ok, refs))}


def first_error(root: StorePath, found: Mapping[StorePath, Located],
                errors: Mapping[StorePath, StoreError]) -> StoreError | None:
    """The first path of ``root``'s closure that cannot be fetched, as its error."""
    return closure_error(root, {p: loc.rec.info.references for p, loc in found.items()}, errors)


def substitute_realisation(store: LocalStore, drv_hash: Digest, output: str,
                           policy: TrustPolicy) -> StorePath | None:
    """Fetch a trusted resolved realisation of ``(drv_hash, output)`` and its closure.

    The realisation must be signed by ``policy.required`` distinct trusted
    keys, and so must every path of the closure. Paths and realisation are
    registered only after every archive is verified.
    """
    return Substituters(policy).fetch_realisation(store, drv_hash, output)


def substitute_paths(store: LocalStore, paths: Sequence[StorePath] | set[StorePath],
                     policy: TrustPolicy) -> set[StorePath]:
    """Fetch the trusted closures of ``paths`` from the caches; returns those now valid."""
    return Substituters(policy).fetch_paths(store, paths)


def reset() -> None:
    """Forget opened caches (tests, or after the configuration changed)."""
    _opened.clear()
