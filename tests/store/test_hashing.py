"""Digests and the streaming hasher."""

from __future__ import annotations

import copy
import hashlib
import pickle
import subprocess
from pathlib import Path

import blake3
import pytest
from store_helpers import MIB, pseudo, write
from sx.store.errors import InvalidInput
from sx.store.hashing import THREADED_MIN, Digest, Hasher, hash_file


def test_text_form_round_trips() -> None:
    d = Digest.b3(b"abc")
    assert str(d) == "b3:6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    assert Digest.parse(str(d)) == d
    assert Digest.parse("blake3:" + d.hex) == d
    s = Digest.sha256(b"abc")
    assert str(s) == "sha256:" + hashlib.sha256(b"abc").hexdigest()


def test_digest_is_a_frozen_value() -> None:
    a, b, other = Digest.b3(b"abc"), Digest.b3(b"abc"), Digest.b3(b"abd")
    assert a == b and hash(a) == hash(b) and a != other
    assert a != str(a) and a != ("b3", a.raw)
    assert Digest("sha256", a.raw) != a  # same bytes, another algorithm
    assert len({a, b, other}) == 2
    with pytest.raises(AttributeError, match="frozen"):
        a.raw = other.raw  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del a.algo  # type: ignore[misc]
    with pytest.raises(AttributeError):
        a.extra = 1  # type: ignore[attr-defined]
    assert a == Digest.b3(b"abc")
    assert repr(a) == f"Digest(algo='b3', raw={a.raw!r})"


def test_digest_survives_pickle_and_copy() -> None:
    d = Digest.sha256(b"abc")
    for back in (pickle.loads(pickle.dumps(d)), copy.copy(d), copy.deepcopy(d)):
        assert back == d and type(back) is Digest and str(back) == str(d)


def test_digest_checks_its_length_when_built_directly() -> None:
    with pytest.raises(InvalidInput, match="must be 32 bytes, got 31"):
        Digest("b3", b"x" * 31)
    with pytest.raises(InvalidInput, match="unknown algorithm 'md5'"):
        Digest("md5", b"x" * 16)


@pytest.mark.parametrize(("text", "why"), [
    ("6437b3ac", "expected '<algo>:<hex>'"),
    ("md5:00", "unknown algorithm 'md5'"),
    ("b3:zz", "not hexadecimal"),
    ("b3:00", "must be 32 bytes, got 1"),
    ("b3:" + "AB" * 32, "lower case"),
])
def test_bad_digests_are_refused(text: str, why: str) -> None:
    with pytest.raises(InvalidInput, match="digest") as e:
        Digest.parse(text)
    assert why in str(e.value)


def test_hasher_counts_and_matches_one_shot() -> None:
    h = Hasher()
    for part in (b"a", b"", b"bc" * 1000, pseudo("x", 3 * MIB)):
        h.update(part)
    assert h.size == 1 + 2000 + 3 * MIB
    assert h.digest().raw == blake3.blake3(b"a" + b"bc" * 1000 + pseudo("x", 3 * MIB)).digest()


@pytest.mark.parametrize("size", [0, 5, MIB - 1, MIB, 3 * MIB + 7])
@pytest.mark.parametrize("algo", ["b3", "sha256"])
def test_update_file_equals_update(tmp_path: Path, size: int, algo: str) -> None:
    data = pseudo("f", size)
    f = write(tmp_path / "f", data)
    a, b = Hasher(algo), Hasher(algo)
    a.update_file(str(f), size)
    b.update(data)
    assert a.digest() == b.digest() and a.size == b.size == size
    assert hash_file(str(f), algo) == b.digest()


def test_a_large_file_hashed_on_the_pool_equals_b3sum(tmp_path: Path) -> None:
    f = write(tmp_path / "f", pseudo("big", THREADED_MIN + 9))
    out = subprocess.run(["b3sum", "--no-names", str(f)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert hash_file(str(f)) == Digest.parse("b3:" + out.strip())
    one, pool = Hasher(), Hasher(threads=True)
    for h in (one, pool):
        for part in (b"a", pseudo("x", 3 * MIB), b"", pseudo("y", 17)):
            h.update(part)
    assert one.digest() == pool.digest() and one.size == pool.size


@pytest.mark.parametrize("size", [10, 2 * MIB])
def test_update_file_refuses_a_file_of_another_size(tmp_path: Path, size: int) -> None:
    f = write(tmp_path / "f", pseudo("f", size))
    for claimed in (size - 1, size + 1):
        with pytest.raises(InvalidInput, match="changed size"):
            Hasher().update_file(str(f), claimed)
