"""Keys, signatures and the k-of-n trust policy."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from sx.store.cache.signing import (
    PublicKey,
    SecretKey,
    TrustPolicy,
    Untrusted,
    load_secret_key,
    write_secret_key,
)
from sx.store.errors import InvalidInput

FP = b"sx-path-info-1;/sx/store/x;b3:00;1;"


def test_key_text_forms_round_trip() -> None:
    key = SecretKey.generate("builder-1")
    assert SecretKey.parse(str(key)) == key
    pub = key.public()
    assert PublicKey.parse(str(pub)) == pub
    assert str(pub).startswith("builder-1:") and len(base64.b64decode(str(pub)[10:])) == 32
    assert len(base64.b64decode(str(key).split(":")[1])) == 64


def test_signature_verifies_only_for_its_key_and_fingerprint() -> None:
    a, b = SecretKey.generate("a"), SecretKey.generate("b")
    sig = a.sign(FP)
    assert sig.startswith("a:")
    assert a.public().verify(FP, sig)
    assert not a.public().verify(FP + b"x", sig)
    assert not b.public().verify(FP, sig)
    # b's key bytes under a's name: the name matches, the signature does not.
    assert not PublicKey("a", b.public().raw).verify(FP, sig)
    assert not a.public().verify(FP, "a:not base64!")
    assert not a.public().verify(FP, "a:" + base64.b64encode(b"short").decode())


def test_signing_is_deterministic() -> None:
    key = SecretKey.generate("k")
    assert key.sign(FP) == key.sign(FP)


@pytest.mark.parametrize("text,cause", [
    ("nocolon", "expected '<name>:<base64>'"),
    (":AAAA", "parse key name"),
    ("bad name:AAAA", "parse key name"),
    ("k:@@@", "not valid base64"),
    ("k:" + base64.b64encode(b"x" * 31).decode(), "31 bytes, expected 32"),
])
def test_bad_public_keys_are_refused(text: str, cause: str) -> None:
    with pytest.raises(InvalidInput, match=cause):
        PublicKey.parse(text)


def test_secret_key_halves_must_match() -> None:
    a, b = SecretKey.generate("a"), SecretKey.generate("b")
    mixed = "a:" + base64.b64encode(a.seed + b.public().raw).decode()
    with pytest.raises(InvalidInput, match="public half does not match"):
        SecretKey.parse(mixed)


def test_key_files(tmp_path: Path) -> None:
    key = SecretKey.generate("alice")
    path = str(tmp_path / "alice.sec")
    write_secret_key(key, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret_key(path) == key
    with pytest.raises(InvalidInput, match=r"write secret key .*exists"):
        write_secret_key(key, path)
    with pytest.raises(InvalidInput, match=r"read secret key .*No such file"):
        load_secret_key(str(tmp_path / "missing"))
    (tmp_path / "bad").write_text("alice:AAAA")
    with pytest.raises(InvalidInput, match=r"read secret key .*bad: parse secret key alice"):
        load_secret_key(str(tmp_path / "bad"))


def _keys(*names: str) -> dict[str, SecretKey]:
    return {n: SecretKey.generate(n) for n in names}


def test_policy_counts_distinct_trusted_valid_signers() -> None:
    k = _keys("alice", "bob", "carol")
    policy = TrustPolicy((k["alice"].public(), k["bob"].public()), 2)
    a, b, c = (k[n].sign(FP) for n in ("alice", "bob", "carol"))
    assert policy.signers(FP, (a, b, c)) == ["alice", "bob"]
    assert policy.is_trusted(FP, (a, b))
    assert not policy.is_trusted(FP, (a,))
    assert not policy.is_trusted(FP, (a, a))  # one signer twice is still one
    assert not policy.is_trusted(FP, (a, c))  # carol is not trusted
    forged = "bob:" + base64.b64encode(os.urandom(64)).decode()
    assert not policy.is_trusted(FP, (a, forged))


def test_two_names_for_one_key_count_once() -> None:
    alice = SecretKey.generate("alice")
    alias = PublicKey("alias", alice.public().raw)
    with pytest.raises(InvalidInput, match="only 1 distinct trusted keys"):
        TrustPolicy((alice.public(), alias), 2)
    policy = TrustPolicy((alice.public(), alias), 1)
    both = (alice.sign(FP), SecretKey("alias", alice.seed).sign(FP))
    assert policy.signers(FP, both) == ["alias"] or policy.signers(FP, both) == ["alice"]


def test_policy_statuses_and_untrusted_message() -> None:
    k = _keys("alice", "bob", "mallory")
    policy = TrustPolicy((k["alice"].public(), k["bob"].public()), 2)
    sigs = (k["alice"].sign(FP), k["mallory"].sign(FP), k["alice"].sign(FP).replace(
        "alice:", "bob:"))
    assert [(s.name, s.status) for s in policy.statuses(FP, sigs)] == [
        ("alice", "valid"), ("mallory", "untrusted"), ("bob", "invalid")]
    with pytest.raises(Untrusted) as e:
        policy.check(FP, sigs, "/sx/store/x in file:///c")
    msg = str(e.value)
    assert msg.startswith("trust /sx/store/x in file:///c: 1 of 2 required trusted signatures")
    assert "valid: alice" in msg and "untrusted signature by 'mallory'" in msg
    assert "invalid signature by 'bob'" in msg and "\n" not in msg
    assert policy.check(FP, (sigs[0], k["bob"].sign(FP)), "x") == ["alice", "bob"]


@pytest.mark.parametrize("required,cause", [
    (0, "at least 1"),
    (3, "required-signatures = 3 but only 2"),
])
def test_policy_k_must_fit_n(required: int, cause: str) -> None:
    k = _keys("a", "b")
    with pytest.raises(InvalidInput, match=cause):
        TrustPolicy((k["a"].public(), k["b"].public()), required)


def test_policy_refuses_duplicate_names() -> None:
    a1, a2 = SecretKey.generate("a"), SecretKey.generate("a")
    with pytest.raises(InvalidInput, match="key name 'a' is listed twice"):
        TrustPolicy((a1.public(), a2.public()), 1)
