"""Signatures on this store's objects: signing paths and realisations, and reporting who signed.

``sx sign`` adds one signature per key to each path info and to every
realisation that points at one of the paths; signing again with the same
key changes nothing (ed25519 signatures are deterministic). ``sx verify
--sigs`` reports each signature's status against the trusted keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sx.store.cache.signing import SecretKey, SignatureStatus, TrustPolicy
from sx.store.info import PathInfo, Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath


@dataclass(frozen=True)
class SignResult:
    """How many objects a key signed."""

    paths: int
    realisations: int


def sign_paths(store: LocalStore, key: SecretKey, paths: Iterable[StorePath]) -> SignResult:
    """Sign the infos of ``paths`` and the realisations that resolve to them."""
    wanted = sorted(set(paths))
    for p in wanted:
        info = store.require(p)
        store.add_signatures(p, [key.sign(info.fingerprint())])
    targets = set(wanted)
    count = 0
    for r in store.all_realisations():
        if r.path in targets:
            store.register_realisation(r.with_signatures((key.sign(r.fingerprint()),)))
            count += 1
    return SignResult(len(wanted), count)


@dataclass(frozen=True)
class SigReport:
    """Who signed one object, and whether that meets the policy (None: no policy)."""

    what: str
    statuses: tuple[SignatureStatus, ...]
    signers: tuple[str, ...]
    trusted: bool | None


def _report(what: str, fingerprint: bytes, sigs: tuple[str, ...],
            policy: TrustPolicy | None) -> SigReport:
    if policy is None:
        statuses = tuple(SignatureStatus(s.partition(":")[0], "unverified") for s in sigs)
        return SigReport(what, statuses, (), None)
    signers = tuple(policy.signers(fingerprint, sigs))
    return SigReport(what, tuple(policy.statuses(fingerprint, sigs)), signers,
                     len(signers) >= policy.required)


def report_path(info: PathInfo, policy: TrustPolicy | None) -> SigReport:
    """The signature report of a path info."""
    return _report(str(info.path), info.fingerprint(), info.signatures, policy)


def report_realisation(r: Realisation, policy: TrustPolicy | None) -> SigReport:
    """The signature report of a realisation."""
    return _report(f"realisation {r.key} -> {r.path}", r.fingerprint(), r.signatures, policy)


def realisations_of(store: LocalStore, paths: Iterable[StorePath]) -> list[Realisation]:
    """This store's realisations that resolve to one of ``paths``."""
    targets = set(paths)
    return [r for r in store.all_realisations() if r.path in targets]
