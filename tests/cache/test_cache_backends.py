"""The backend contract (has / has_many / get / put / list), run against every backend.

Objects are archives named by their own hash, which every backend (and the
server's upload checks) accepts as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cache_helpers import BACKENDS
from sx.store.cache.base import Cache
from sx.store.cache.layout import CACHE_INFO, CacheInfo, nar_key
from sx.store.errors import InvalidInput
from sx.store.hashing import Digest

pytestmark = pytest.mark.parametrize("cache_url", BACKENDS, indirect=True)


def blob(data: bytes) -> str:
    """The key ``data`` is stored under."""
    return nar_key(Digest.b3(data))


def test_missing_key(cache: Cache) -> None:
    k = blob(b"absent")
    assert not cache.has(k)
    assert cache.get(k) is None
    assert cache.get_bytes(k) is None
    assert cache.has_many([k, blob(b"also absent")]) == set()
    assert cache.keys("nar/") == []


def test_put_then_get(cache: Cache) -> None:
    k1, k2 = blob(b"first"), blob(b"")
    cache.put(k1, b"first")
    assert cache.has(k1)
    assert cache.get_bytes(k1) == b"first"
    cache.put(k1, b"first")  # putting again is harmless
    assert cache.get_bytes(k1) == b"first"
    assert cache.has_many([k1, k2]) == {k1}
    cache.put(k2, b"")
    assert cache.get_bytes(k2) == b""
    assert cache.keys("nar/") == sorted([k1, k2])
    assert cache.keys("realisations/") == []


def test_replacing_an_object(cache: Cache) -> None:
    cache.put(CACHE_INFO, CacheInfo(priority=10).encode())
    cache.put(CACHE_INFO, CacheInfo(priority=20).encode())
    assert cache.get_bytes(CACHE_INFO) == CacheInfo(priority=20).encode()


def test_put_file_and_stream_large_objects(cache: Cache, tmp_path: Path) -> None:
    data = os.urandom(3 << 20) + b"tail"
    key = blob(data)
    src = tmp_path / "blob"
    src.write_bytes(data)
    cache.put_file(key, str(src))
    stream = cache.get(key)
    assert stream is not None
    with stream:
        got = b"".join(iter(lambda: stream.read(100_000), b""))
    assert got == data
    other = tmp_path / "other"
    other.write_bytes(b"x" * 10)
    with open(other, "rb") as f:
        cache.put(blob(b"x" * 10), f)
    assert cache.get_bytes(blob(b"x" * 10)) == b"x" * 10


def test_invalid_keys_are_refused(cache: Cache) -> None:
    for op in (cache.has, cache.get):
        with pytest.raises(InvalidInput, match="not a valid key"):
            op("../escape")
    with pytest.raises(InvalidInput, match="not a valid key"):
        cache.put("info/../../x", b"x")


def test_get_bytes_refuses_huge_records(cache: Cache) -> None:
    cache.put(blob(b"x" * 100), b"x" * 100)
    with pytest.raises(InvalidInput, match="larger than 10 bytes"):
        cache.get_bytes(blob(b"x" * 100), limit=10)


def test_has_many_in_batches(cache: Cache) -> None:
    keys = [blob(str(i).encode()) for i in range(1500)]
    for i in range(0, 1500, 300):
        cache.put(keys[i], str(i).encode())
    assert cache.has_many(keys) == set(keys[::300])


def test_put_many(cache: Cache) -> None:
    items = [(blob(str(i).encode()), str(i).encode()) for i in range(5)]
    cache.put_many(items)
    assert cache.has_many(k for k, _ in items) == {k for k, _ in items}
    assert [cache.get_bytes(k) for k, _ in items] == [d for _, d in items]
    cache.put_many([])
