"""The frozen values every command uses (store/value.py): what dataclasses gave them, kept.

Digests, store paths, path infos, realisations: equal and hashed by value
(and only to their own class), frozen, ordered where paths are, copied with
``replace`` through ``__init__`` (so its checks run again), and pickled.
"""

from __future__ import annotations

import copy
import pickle
import random

import pytest
from sx.store.errors import InvalidInput, InvalidPath
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.path import StorePath, make_path

A = make_path("source", Digest.b3(b"a"), "a")
B = make_path("source", Digest.b3(b"b"), "b")


def _info(**kw: object) -> PathInfo:
    base = PathInfo(A, Digest.b3(b"nar"), 8, (B, A, B), deriver=B, registered=5,
                    signatures=("z", "a", "z"), ca="source:x")
    return base.replace(**kw) if kw else base


def test_path_info_normalizes_and_compares_by_value() -> None:
    i = _info()
    assert i.references == (min(A, B), max(A, B)) and i.signatures == ("a", "z")
    assert i == _info() and hash(i) == hash(_info()) and len({i, _info()}) == 1
    assert i != _info(registered=6) and i != i.path and i != (A,)
    assert repr(i).startswith("PathInfo(path=StorePath(digest=")


def test_replace_builds_through_init_and_checks_again() -> None:
    i = _info()
    j = i.replace(references=(B, B), signatures=("q",))
    assert j.references == (B,) and j.signatures == ("q",) and j.path == i.path
    assert i.references == (min(A, B), max(A, B))  # the original is unchanged
    with pytest.raises(TypeError, match="no field 'bogus'"):
        i.replace(bogus=1)
    with pytest.raises(InvalidPath):
        A.replace(digest="not-a-digest")
    with pytest.raises(InvalidInput):
        Digest.b3(b"x").replace(raw=b"short")


@pytest.mark.parametrize("value", [
    Digest.sha256(b"x"), A,
    PathInfo(A, Digest.b3(b"n"), 1),
    Realisation(Digest.b3(b"d"), "out", A, ("s",), deps=(("k!out", B), ("a!out", A))),
])
def test_values_are_frozen_and_survive_pickle_and_copy(value: object) -> None:
    field = type(value)._fields[0]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="frozen"):
        setattr(value, field, None)
    with pytest.raises(AttributeError, match="frozen"):
        delattr(value, field)
    with pytest.raises(AttributeError):
        value.extra = 1  # type: ignore[attr-defined]
    for back in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert back == value and type(back) is type(value) and hash(back) == hash(value)


def test_store_paths_order_as_their_digest_then_name() -> None:
    paths = [make_path("source", Digest.b3(bytes([i])), f"n{i % 3}") for i in range(50)]
    paths.append(StorePath(paths[0].digest, "another"))
    random.Random(1).shuffle(paths)
    assert sorted(paths) == sorted(paths, key=lambda p: (p.digest, p.name))
    assert A <= A and A >= A and not A < A and (A < B) == ((A.digest, A.name) < (B.digest, B.name))
    assert (A > B) == (B < A) and StorePath.parse(str(A)) == A


def test_realisation_sorts_its_inputs() -> None:
    r = Realisation(Digest.b3(b"d"), "out", A, deps=(("k!out", B), ("a!out", A), ("k!out", B)))
    assert r.deps == (("a!out", A), ("k!out", B))
    assert r.replace(signatures=("x",)).deps == r.deps
    assert r.with_signatures(("b", "a")).signatures == ("a", "b")


def _more_values() -> list[object]:
    """Records that became Values later, some with keyword-only constructors."""
    from sx.derivations.model import Output, derivation
    from sx.store.ca import ContentAddress
    from sx.store.cache.signing import SecretKey, TrustPolicy
    from sx.store.config import Settings
    from sx.store.extract import Limits
    from sx.store.gc import GCOptions
    return [Settings(), Settings(jobs=3, substituters=("file:///c",)),
            ContentAddress("source", Digest.b3(b"x")), Limits(), GCOptions(),
            TrustPolicy((SecretKey.generate("k").public(),), 1, ("file:///c",)),
            Output("out"),
            derivation("x", "/bin/sh", ["-c", "true"])]


@pytest.mark.parametrize("value", _more_values(), ids=lambda v: type(v).__name__)
def test_every_kind_of_value_survives_pickle_and_copy(value: object) -> None:
    for back in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert back == value and type(back) is type(value)
