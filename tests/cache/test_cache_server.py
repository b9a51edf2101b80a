"""``sx serve``: read-only by default, token-checked uploads, checked and atomic publication."""

from __future__ import annotations

import http.client
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cache_helpers import TOKEN, Closure, RunSx, Served, add_realisation, sign
from sx.store.cache import open_cache
from sx.store.cache.base import CacheError
from sx.store.cache.copy import copy_from, copy_to
from sx.store.cache.layout import (
    CachedPath,
    CacheInfo,
    encode_realisation,
    info_key,
    nar_key,
    realisation_key,
)
from sx.store.cache.signing import SecretKey, TrustPolicy
from sx.store.errors import InvalidInput
from sx.store.hashing import Digest
from sx.store.info import Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath

BLOB = b"some archive bytes"
BLOB_KEY = nar_key(Digest.b3(BLOB))


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_read_only_by_default(tmp_path: Path) -> None:
    s = Served(tmp_path / "ro", None)
    try:
        c = open_cache(s.url, TOKEN)
        with pytest.raises(CacheError, match=r"not allowed \(HTTP 403\): this cache is read-only"):
            c.put(BLOB_KEY, BLOB)
        assert not c.has(BLOB_KEY)
        big = os.urandom(5 << 20)  # refused before it is read: still a clear answer
        with pytest.raises(CacheError, match="this cache is read-only"):
            c.put(nar_key(Digest.b3(big)), big)
        assert _files(tmp_path / "ro") == []
    finally:
        s.stop()


def test_wrong_or_missing_token(served: Served) -> None:
    for token in ("wrong", None):
        c = open_cache(served.url, token)
        with pytest.raises(CacheError, match=r"HTTP 401\): wrong or missing upload token"):
            c.put(BLOB_KEY, BLOB)
    assert _files(served.dir) == []


def test_archive_must_match_its_name(served: Served) -> None:
    c = open_cache(served.url, TOKEN)
    with pytest.raises(InvalidInput, match="refused by the server: archive hashes to b3:"):
        c.put(BLOB_KEY, BLOB + b"!")
    assert not c.has(BLOB_KEY)
    c.put(BLOB_KEY, BLOB)
    assert c.get_bytes(BLOB_KEY) == BLOB


def test_records_only_after_their_archive_and_references(
        served: Served, store: LocalStore, closure: Closure, keys: dict[str, SecretKey]) -> None:
    c = open_cache(served.url, TOKEN)
    info = store.require(closure.mid)
    rec = CachedPath(info, Digest.b3(BLOB), len(BLOB))
    with pytest.raises(InvalidInput, match=f"archive {BLOB_KEY} of {closure.mid} is not "
                                           "uploaded yet"):
        c.put(info_key(closure.mid), rec.encode())
    c.put(BLOB_KEY, BLOB)
    with pytest.raises(InvalidInput, match=f"record of {closure.lib}, a reference of "
                                           f"{closure.mid}, is not uploaded yet"):
        c.put(info_key(closure.mid), rec.encode())
    with pytest.raises(InvalidInput, match="uploaded as"):
        c.put(info_key(closure.top), rec.encode())
    r = Realisation(Digest.b3(b"drv"), "out", closure.mid)
    with pytest.raises(InvalidInput, match=f"the record of {closure.mid} is not uploaded yet"):
        c.put(realisation_key(r.drv_hash, "out"), encode_realisation(r))
    assert not c.has(info_key(closure.mid))


def test_foreign_cache_info_and_garbage_are_refused(served: Served) -> None:
    c = open_cache(served.url, TOKEN)
    with pytest.raises(InvalidInput, match="holds paths of '/nix/store'"):
        c.put("sx-cache-info", CacheInfo(store_dir="/nix/store").encode())
    some = StorePath.parse("/sx/store/" + "0" * 32 + "-x")
    with pytest.raises(InvalidInput, match="decode uploaded record"):
        c.put(info_key(some), b"\xc1garbage")
    assert _files(served.dir) == []


def _temp_files(d: Path) -> list[str]:
    try:
        return [n for n in os.listdir(d / ".tmp") if os.path.getsize(d / ".tmp" / n)]
    except FileNotFoundError:
        return []


def _wait(cond: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_client_dying_mid_upload_publishes_nothing(served: Served) -> None:
    host, port = served.url.removeprefix("http://").split(":")
    data = os.urandom(1 << 20)
    key = nar_key(Digest.b3(data))
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"PUT /{key} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                  f"Content-Length: {len(data)}\r\n\r\n".encode())
        s.sendall(data[: len(data) // 3])
        assert _wait(lambda: bool(_temp_files(served.dir)))  # the server is receiving
    # The connection is gone: the server drops the partial file and publishes nothing.
    assert _wait(lambda: not _temp_files(served.dir))
    c = open_cache(served.url, TOKEN)
    assert not c.has(key) and c.keys("nar/") == []


def test_missing_content_length_is_refused(served: Served) -> None:
    host, port = served.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("PUT", f"/{BLOB_KEY}")
    conn.putheader("Authorization", f"Bearer {TOKEN}")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"0\r\n\r\n")
    assert conn.getresponse().status == 411
    conn.close()


def test_serve_and_copy_round_trip(served: Served, store: LocalStore, store2: LocalStore,
                                   closure: Closure, keys: dict[str, SecretKey]) -> None:
    add_realisation(store, closure.top)
    sign(store, keys["alice"], closure.all)
    copy_to(store, open_cache(served.url, TOKEN), [closure.top])
    assert sorted(_files(served.dir)) == sorted(
        ["sx-cache-info", *[info_key(p) for p in closure.all],
         *[k for k in _files(served.dir) if k.startswith(("nar/", "realisations/"))]])
    reader = open_cache(served.url)  # no token needed to read
    policy = TrustPolicy((keys["alice"].public(),), 1)
    result = copy_from(store2, reader, [closure.top], policy)
    assert len(result.fetched) == 3


def test_port_in_use_is_a_clear_error(sx: RunSx, served: Served, tmp_path: Path) -> None:
    port = served.url.rsplit(":", 1)[1]
    r = sx("serve", str(tmp_path / "other"), "--port", port)
    assert r.returncode == 1
    assert r.stderr.startswith(f"sx: serve {tmp_path / 'other'} on 127.0.0.1:{port}: ")
    assert "in use" in r.stderr
