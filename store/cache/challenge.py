"""``sx challenge``: do independent caches agree on what each derivation output is?

Every cache lists its realisations; for each derivation output held by any
of them, the answers (a store path per cache, with who signed it) are
compared. Output paths follow from the bytes built, so two caches that name
the same path for the same resolved derivation hold the same bytes, and two
different paths mean a build that is not reproducible (or a cache that lies).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import trio
from sx.store.cache.base import Cache, CacheError
from sx.store.cache.layout import decode_realisation, parse_realisation_key
from sx.store.cache.signing import TrustPolicy
from sx.store.cache.tasks import nursery
from sx.store.errors import InvalidInput
from sx.store.path import StorePath

_JOBS = 8


@dataclass(frozen=True)
class Answer:
    """What one cache says about one derivation output."""

    url: str
    path: StorePath | None
    signers: tuple[str, ...] = ()  # distinct trusted keys with valid signatures
    others: tuple[str, ...] = ()  # names on signatures not counted (unknown key or invalid)
    error: str | None = None


@dataclass
class Verdict:
    """All answers about one derivation output (``<drv hash>!<output>``)."""

    id: str
    answers: list[Answer] = field(default_factory=list)

    @property
    def paths(self) -> set[StorePath]:
        """The distinct paths the caches name."""
        return {a.path for a in self.answers if a.path is not None}

    @property
    def status(self) -> str:
        """``agree`` (two or more caches, one path), ``differ``, or ``single``."""
        if len(self.paths) > 1:
            return "differ"
        good = [a for a in self.answers if a.path is not None]
        return "agree" if len(good) > 1 else "single"


def _answer(cache: Cache, key: str, policy: TrustPolicy | None) -> Answer:
    drv_hash, output = parse_realisation_key(key)
    try:
        data = cache.get_bytes(key)
        if data is None:
            return Answer(cache.url, None, error="vanished while listing")
        r = decode_realisation(data, drv_hash, output, cache.url)
    except (InvalidInput, CacheError) as e:
        return Answer(cache.url, None, error=str(e))
    names = tuple(sorted({s.partition(":")[0] for s in r.signatures}))
    if policy is None:
        return Answer(cache.url, r.path, (), names)
    signers = tuple(policy.signers(r.fingerprint(), r.signatures))
    return Answer(cache.url, r.path, signers, tuple(n for n in names if n not in signers))


async def challenge(caches: list[Cache], policy: TrustPolicy | None = None) -> list[Verdict]:
    """Compare the realisations of ``caches``; one verdict per derivation output, sorted."""
    limiter = trio.CapacityLimiter(_JOBS)
    listed: dict[str, list[str]] = {}

    async def list_one(cache: Cache) -> None:
        listed[cache.url] = await trio.to_thread.run_sync(cache.keys, "realisations/",
                                                          limiter=limiter)

    async with nursery() as tasks:
        for cache in caches:
            tasks.start_soon(list_one, cache)
    keys = sorted({k for ks in listed.values() for k in ks})
    got: dict[tuple[str, str], Answer] = {}

    async def ask(cache: Cache, key: str) -> None:
        got[key, cache.url] = await trio.to_thread.run_sync(_answer, cache, key, policy,
                                                            limiter=limiter)

    async with nursery() as tasks:
        for cache in caches:
            for key in listed[cache.url]:
                tasks.start_soon(ask, cache, key)
    verdicts = []
    for key in keys:
        drv_hash, output = parse_realisation_key(key)
        v = Verdict(f"{drv_hash}!{output}")
        v.answers = [got[key, c.url] for c in caches if (key, c.url) in got]
        verdicts.append(v)
    return verdicts
