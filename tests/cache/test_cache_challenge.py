"""Challenge at the library level: agreement, disagreement, damaged answers."""

from __future__ import annotations

from pathlib import Path

import trio
from cache_helpers import DRV, Closure, add_realisation, sign
from sx.store.cache import open_cache
from sx.store.cache.challenge import challenge
from sx.store.cache.copy import copy_to
from sx.store.cache.layout import realisation_key
from sx.store.cache.signing import SecretKey, TrustPolicy
from sx.store.local import LocalStore


def test_verdicts(tmp_path: Path, store: LocalStore, closure: Closure,
                  keys: dict[str, SecretKey], policy: TrustPolicy) -> None:
    add_realisation(store, closure.top)
    sign(store, keys["alice"], closure.all)
    a, b = open_cache(f"file://{tmp_path / 'a'}"), open_cache(f"file://{tmp_path / 'b'}")
    copy_to(store, a, [closure.top])
    copy_to(store, b, [closure.top])
    [v] = trio.run(challenge, [a, b], policy)
    assert v.id == f"{DRV}!out" and v.status == "agree" and v.paths == {closure.top}
    assert [x.signers for x in v.answers] == [("alice",), ("alice",)]
    [v] = trio.run(challenge, [a, b], None)
    assert [x.others for x in v.answers] == [("alice",), ("alice",)]  # not verified
    # b's record is damaged: its answer carries the error, the verdict is a's alone.
    b.put(realisation_key(DRV, "out"), b"\x93garbage")
    [v] = trio.run(challenge, [a, b], policy)
    assert v.status == "single" and v.answers[1].path is None
    assert "decode realisation" in (v.answers[1].error or "")
