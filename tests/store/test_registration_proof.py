"""The proof a checked item carries: checked once, never taken for another record or tree.

A cache download checks each path as it arrives, and ``install_many``
checks every item again: with :class:`~sx.store.registration.Checked` the
second check returns at once, but only for the tree and the record content
the proof was made for.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sx.store import nar, registration
from sx.store.errors import Corrupt, HashMismatch
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.path import make_path
from sx.store.registration import Checked, Prepared, check


def _prepared(store: LocalStore, stack: ExitStack, data: bytes, name: str = "blob") -> Prepared:
    """A file object in its own temp dir with its true source record (not yet checked)."""
    tmp = stack.enter_context(store.temp_dir())
    obj = os.path.join(tmp.path, "obj")
    with open(obj, "wb") as f:
        f.write(data)
    os.chmod(obj, 0o444)
    nar_hash, size = nar.hash_path(obj)
    info = PathInfo(make_path("source", nar_hash, name), nar_hash, size,
                    registered=int(time.time()), ca=f"source:{nar_hash}")
    return Prepared(tmp, obj, info)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths the full check ran on, in order."""
    ran: list[str] = []
    real = registration._check

    def counting(item: Prepared, verb: str) -> None:
        ran.append(str(item.info.path))
        real(item, verb)

    monkeypatch.setattr(registration, "_check", counting)
    yield ran


def test_a_checked_item_is_installed_without_a_second_check(store: LocalStore,
                                                            counted: list[str]) -> None:
    with ExitStack() as stack:
        item = check(_prepared(store, stack, b"once"), "test:")
        assert item.checked is not None and counted == [str(item.info.path)]
        # A new registration time (as a download sets it) keeps the proof.
        later = item._replace(info=item.info.replace(registered=1))
        (info,) = store.install_many([later], "test:")
    assert counted == [str(item.info.path)] and info.path == item.info.path
    assert store.is_valid(info.path)


def test_an_unchecked_item_is_checked_by_install_many(store: LocalStore,
                                                      counted: list[str]) -> None:
    with ExitStack() as stack:
        item = _prepared(store, stack, b"plain")
        store.install_many([item], "test:")
    assert counted == [str(item.info.path)]


@pytest.mark.parametrize("field", ["nar_hash", "nar_size", "path", "ca"])
def test_a_proof_does_not_cover_a_changed_record(store: LocalStore, counted: list[str],
                                                 field: str) -> None:
    with ExitStack() as stack:
        good = check(_prepared(store, stack, b"genuine"), "test:")
        other = _prepared(store, stack, b"something else entirely")
        forged = good._replace(info=good.info.replace(**{field: getattr(other.info, field)}))
        with pytest.raises((HashMismatch, Corrupt)):
            store.install_many([forged], "test:")
    assert len(counted) == 2  # checked again, and refused
    assert not store.is_valid(other.info.path) and not store.is_valid(good.info.path)


def test_a_proof_does_not_cover_another_tree(store: LocalStore, counted: list[str]) -> None:
    with ExitStack() as stack:
        good = check(_prepared(store, stack, b"genuine"), "test:")
        other = _prepared(store, stack, b"evil")
        # The record and proof of one tree, presented with another tree.
        swapped = good._replace(tmp=other.tmp, obj=other.obj)
        with pytest.raises(HashMismatch, match="archive hash"):
            store.install_many([swapped], "test:")
    assert len(counted) == 2 and not store.is_valid(good.info.path)


def test_a_proof_does_not_cover_added_references(store: LocalStore, counted: list[str]) -> None:
    dep = store.add_bytes(b"dep", "dep")
    with ExitStack() as stack:
        good = check(_prepared(store, stack, b"no references here"), "test:")
        claims = good._replace(info=good.info.replace(references=(dep.path,)))
        with pytest.raises(HashMismatch):
            store.install_many([claims], "test:")
    assert counted[1:] == [str(good.info.path)] * 2  # after the dependency's own add


def test_a_proof_cannot_be_made_outside_check(store: LocalStore) -> None:
    with ExitStack() as stack:
        item = _prepared(store, stack, b"x")
        with pytest.raises(TypeError, match=r"registration\.check only"):
            Checked(registration._key(item), object())
