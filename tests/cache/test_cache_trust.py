"""Nothing untrusted or damaged is ever registered: k-1 signatures, forged or untrusted
signatures, tampered, truncated or missing archives.

Damage is done the way a compromised cache would do it: objects are replaced
behind the backend's back (directly in the served directory for http, whose
server would refuse them otherwise).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from cache_helpers import BACKENDS, Closure, add_realisation, sign
from sx.store.cache.base import Cache
from sx.store.cache.copy import copy_from, copy_to
from sx.store.cache.layout import CachedPath, info_key
from sx.store.cache.signing import SecretKey, TrustPolicy, Untrusted
from sx.store.cache.substitute import substitute_paths, substitute_realisation
from sx.store.errors import Corrupt, HashMismatch, InvalidInput, NotFound
from sx.store.hashing import Digest
from sx.store.local import LocalStore

pytestmark = pytest.mark.parametrize("cache_url", BACKENDS, indirect=True)


def tamper(cache_url: str, cache: Cache, tmp_path: Path, key: str, data: bytes) -> None:
    """Replace an object the way a malicious cache would."""
    if cache_url.startswith("http://"):
        target = tmp_path / "served" / key
        os.chmod(target, 0o644) if target.exists() else target.parent.mkdir(parents=True,
                                                                          exist_ok=True)
        target.write_bytes(data)
    else:
        cache.put(key, data)


def record(cache: Cache, closure: Closure, which: str = "top") -> CachedPath:
    path = getattr(closure, which)
    data = cache.get_bytes(info_key(path))
    assert data is not None
    return CachedPath.decode(data, path, cache.url)


def assert_nothing_registered(store: LocalStore) -> None:
    assert store.all_paths() == []
    assert store.all_realisations() == []
    assert os.listdir(store.tmp) == []  # no half-unpacked leftovers
    assert os.listdir(store.store_dir) == []


def _upload(store: LocalStore, cache: Cache, closure: Closure, *signers: SecretKey) -> None:
    add_realisation(store, closure.top)
    for key in signers:
        sign(store, key, closure.all)
    copy_to(store, cache, [closure.top])


def _with_subs(policy: TrustPolicy, url: str) -> TrustPolicy:
    return TrustPolicy(policy.keys, policy.required, (url,))


def test_k_minus_one_signatures_are_not_substituted(
        cache_url: str, cache: Cache, store: LocalStore, store2: LocalStore, closure: Closure,
        keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    _upload(store, cache, closure, keys["alice"])
    pol = _with_subs(policy, cache_url)
    drv = store.all_realisations()[0].drv_hash
    assert substitute_realisation(store2, drv, "out", pol) is None
    assert substitute_paths(store2, closure.all, pol) == set()
    with pytest.raises(Untrusted, match=r"1 of 2 required trusted signatures \(valid: alice\)"):
        copy_from(store2, cache, [closure.top], policy)
    assert_nothing_registered(store2)


def test_trusted_realisation_of_untrusted_paths_is_not_substituted(
        cache_url: str, cache: Cache, store: LocalStore, store2: LocalStore, closure: Closure,
        keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    r = add_realisation(store, closure.top)
    sign(store, keys["alice"], closure.all)
    sign(store, keys["bob"], [closure.top])  # bob skipped lib and mid
    copy_to(store, cache, [closure.top])
    pol = _with_subs(policy, cache_url)
    assert substitute_realisation(store2, r.drv_hash, "out", pol) is None
    assert_nothing_registered(store2)


def test_untrusted_realisation_is_not_substituted(
        cache_url: str, cache: Cache, store: LocalStore, store2: LocalStore, closure: Closure,
        keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    r = add_realisation(store, closure.top)
    sign(store, keys["alice"], closure.all)
    # bob signs the paths but not the realisation
    for p in closure.all:
        store.add_signatures(p, [keys["bob"].sign(store.require(p).fingerprint())])
    copy_to(store, cache, [closure.top])
    pol = _with_subs(policy, cache_url)
    assert substitute_realisation(store2, r.drv_hash, "out", pol) is None
    assert_nothing_registered(store2)
    # The paths themselves are trusted.
    assert substitute_paths(store2, [closure.top], pol) == {closure.top}


def test_forged_signature_is_rejected(
        cache_url: str, cache: Cache, tmp_path: Path, store: LocalStore, store2: LocalStore,
        closure: Closure, keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    _upload(store, cache, closure, keys["alice"])
    rec = record(cache, closure)
    forged = "bob:" + base64.b64encode(os.urandom(64)).decode()
    bad = CachedPath(rec.info.with_signatures((forged,)), rec.file_hash, rec.file_size)
    tamper(cache_url, cache, tmp_path, info_key(closure.top), bad.encode())
    with pytest.raises(Untrusted, match="invalid signature by 'bob'"):
        copy_from(store2, cache, [closure.top], policy)
    assert substitute_paths(store2, [closure.top], _with_subs(policy, cache_url)) \
        == set()
    assert_nothing_registered(store2)


def test_signatures_do_not_carry_over_to_changed_records(
        cache_url: str, cache: Cache, tmp_path: Path, store: LocalStore, store2: LocalStore,
        closure: Closure, keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    _upload(store, cache, closure, keys["alice"], keys["bob"])
    rec = record(cache, closure, "lib")
    # Claim other contents under the same, validly made signatures.
    bad = CachedPath(rec.info.replace(nar_hash=Digest.b3(b"evil")), rec.file_hash,
                     rec.file_size)
    tamper(cache_url, cache, tmp_path, info_key(closure.lib), bad.encode())
    with pytest.raises(Untrusted, match="0 of 2 required"):
        copy_from(store2, cache, [closure.top], policy)
    assert_nothing_registered(store2)


def test_untrusted_key_is_rejected(
        cache: Cache, store: LocalStore, store2: LocalStore, closure: Closure,
        keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    _upload(store, cache, closure, keys["alice"], keys["carol"])
    with pytest.raises(Untrusted, match="untrusted signature by 'carol'"):
        copy_from(store2, cache, [closure.top], policy)
    assert_nothing_registered(store2)


def _archive(cache: Cache, rec: CachedPath) -> bytes:
    stream = cache.get(rec.archive_key)
    assert stream is not None
    with stream:
        return stream.read()


def test_tampered_archive_is_rejected(
        cache_url: str, cache: Cache, tmp_path: Path, store: LocalStore, store2: LocalStore,
        closure: Closure, keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    _upload(store, cache, closure, keys["alice"], keys["bob"])
    rec = record(cache, closure, "mid")
    data = bytearray(_archive(cache, rec))
    data[len(data) // 2] ^= 0x40
    tamper(cache_url, cache, tmp_path, rec.archive_key, bytes(data))
    with pytest.raises((Corrupt, HashMismatch)) as e:
        copy_from(store2, cache, [closure.top], policy)
    assert str(closure.mid) in str(e.value) and "\n" not in str(e.value)
    assert_nothing_registered(store2)
    pol = _with_subs(policy, cache_url)
    assert substitute_paths(store2, [closure.top], pol) == set()
    # Substitution keeps what arrived whole (lib), never the tampered path or above it.
    assert store2.valid_subset(closure.all) <= {closure.lib}
    assert os.listdir(store2.tmp) == []


def test_swapped_archive_is_rejected(
        cache_url: str, cache: Cache, tmp_path: Path, store: LocalStore, store2: LocalStore,
        closure: Closure, keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    # A well-formed archive of other contents under the right name.
    _upload(store, cache, closure, keys["alice"], keys["bob"])
    lib, top = record(cache, closure, "lib"), record(cache, closure, "top")
    tamper(cache_url, cache, tmp_path, lib.archive_key, _archive(cache, top))
    with pytest.raises((HashMismatch, Corrupt), match=str(closure.lib)):
        copy_from(store2, cache, [closure.top], policy)
    assert_nothing_registered(store2)


def test_truncated_archive_is_rejected(
        cache_url: str, cache: Cache, tmp_path: Path, store: LocalStore, store2: LocalStore,
        closure: Closure, keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    _upload(store, cache, closure, keys["alice"], keys["bob"])
    rec = record(cache, closure, "top")
    data = _archive(cache, rec)
    tamper(cache_url, cache, tmp_path, rec.archive_key, data[: len(data) // 2])
    with pytest.raises(Corrupt, match=str(closure.top)):
        copy_from(store2, cache, [closure.top], policy)
    assert_nothing_registered(store2)


def test_record_whose_archive_is_missing_is_rejected(
        cache_url: str, cache: Cache, tmp_path: Path, store: LocalStore, store2: LocalStore,
        closure: Closure, keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    _upload(store, cache, closure, keys["alice"], keys["bob"])
    rec = record(cache, closure, "lib")
    # Signatures cover the archive's contents, not where it is filed: still trusted.
    moved = CachedPath(rec.info, Digest.b3(b"never uploaded"), rec.file_size)
    tamper(cache_url, cache, tmp_path, info_key(closure.lib), moved.encode())
    with pytest.raises(Corrupt, match=f"fetch {closure.lib} from .*: its archive "
                                      f"{moved.archive_key} is missing from the cache"):
        copy_from(store2, cache, [closure.top], policy)
    assert_nothing_registered(store2)


def test_record_whose_reference_is_missing_is_unavailable(
        cache_url: str, cache: Cache, tmp_path: Path, store: LocalStore, store2: LocalStore,
        closure: Closure, keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    sign(store, keys["alice"], [closure.top])
    sign(store, keys["bob"], [closure.top])
    copy_to(store, cache, [closure.top])
    if cache_url.startswith("http://"):
        os.unlink(tmp_path / "served" / info_key(closure.mid))
    else:
        # Registries cannot delete here: file the record under another path's key instead.
        tamper(cache_url, cache, tmp_path, info_key(closure.mid),
               record(cache, closure, "lib").encode())
    with pytest.raises((NotFound, InvalidInput), match=str(closure.mid)):
        copy_from(store2, cache, [closure.top], policy)
    assert_nothing_registered(store2)


def test_two_signers_both_appear(
        cache_url: str, cache: Cache, tmp_path: Path, store: LocalStore, store2: LocalStore,
        closure: Closure, keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    from cache_helpers import make_closure

    _upload(store, cache, closure, keys["alice"])
    # bob rebuilds independently (same bytes, so the same paths) and signs his own copy.
    bob_store = LocalStore(str(tmp_path / "bob"))
    again = make_closure(bob_store, tmp_path / "bob-src")
    assert again.all == closure.all
    add_realisation(bob_store, again.top)
    sign(bob_store, keys["bob"], again.all)
    report = copy_to(bob_store, cache, [again.top])
    assert report.uploaded == [] and sorted(report.signatures_merged) == sorted(closure.all)
    assert report.realisations == 1
    for which in ("lib", "mid", "top"):
        names = sorted(s.split(":")[0] for s in record(cache, closure, which).info.signatures)
        assert names == ["alice", "bob"]
    pol = _with_subs(policy, cache_url)
    drv = store.all_realisations()[0].drv_hash
    assert substitute_realisation(store2, drv, "out", pol) == closure.top


def test_disagreeing_upload_does_not_overwrite(
        cache: Cache, tmp_path: Path, store: LocalStore, closure: Closure,
        keys: dict[str, SecretKey]) -> None:
    from cache_helpers import make_closure

    _upload(store, cache, closure, keys["alice"])
    other = LocalStore(str(tmp_path / "other"))
    different = make_closure(other, tmp_path / "other-src", extra=" built differently")
    add_realisation(other, different.top)  # same derivation, other result
    sign(other, keys["bob"], different.all)
    report = copy_to(other, cache, [different.top])
    assert len(report.conflicts) == 1 and "not overwritten" in report.conflicts[0]
    drv = store.all_realisations()[0]
    from sx.store.cache.layout import decode_realisation, realisation_key

    data = cache.get_bytes(realisation_key(drv.drv_hash, "out"))
    assert data is not None
    assert decode_realisation(data, drv.drv_hash, "out", "c").path == closure.top
