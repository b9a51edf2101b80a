"""A cache served over HTTP by ``sx serve``: ``http://host:port``.

Protocol (docs/cache.md): ``GET``/``HEAD /<key>``; ``PUT /<key>`` with
``Authorization: Bearer <token>``; ``POST /_has`` with one key per line
answers the present ones; ``GET /_list?prefix=P`` lists keys. The server
checks every upload against its key and refuses records whose archive (or
path record) is not there yet.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from typing import BinaryIO

from sx.store.cache.base import Cache, CacheError, data_size
from sx.store.cache.layout import MAX_RECORD, check_key
from sx.store.cache.transport import Transport, error_text
from sx.store.errors import InvalidInput

_BATCH = 1000


class HttpCache(Cache):
    """A client of ``sx serve``."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise InvalidInput(f"open cache {url}: expected http://host:port")
        self.url = f"{u.scheme}://{u.netloc}{u.path.rstrip('/')}"
        self._prefix = u.path.rstrip("/")
        self._http = Transport(u.scheme, u.netloc, timeout)
        self._token = token

    def _target(self, key: str) -> str:
        return f"{self._prefix}/{check_key(key)}"

    def has(self, key: str) -> bool:
        """HEAD the key."""
        r = self._http.call("HEAD", self._target(key), what=f"query {key} in {self.url}")
        if r.status in (200, 404):
            return r.status == 200
        raise CacheError(f"query {key} in {self.url}: HTTP {r.status}")

    def has_many(self, keys: Iterable[str]) -> set[str]:
        """One ``POST /_has`` per thousand keys."""
        keys = [check_key(k) for k in keys]
        present: set[str] = set()
        for i in range(0, len(keys), _BATCH):
            body = "\n".join(keys[i:i + _BATCH]).encode()
            r = self._http.call("POST", f"{self._prefix}/_has", body,
                                {"Content-Type": "text/plain"}, f"query keys in {self.url}")
            if r.status != 200:
                raise CacheError(f"query keys in {self.url}: HTTP {r.status}: "
                                 f"{error_text(r.body)}")
            present.update(r.body.decode().split())
        return present & set(keys)

    def get(self, key: str, limit: int | None = None) -> BinaryIO | None:
        """Stream the key's object (see :meth:`Cache.get` for ``limit``)."""
        what = f"read {key} from {self.url}"
        status, stream, body = self._http.stream("GET", self._target(key), what=what,
                                                 limit=limit)
        if status == 404:
            return None
        if stream is None:
            raise CacheError(f"{what}: HTTP {status}: {error_text(body)}")
        return stream

    def get_bytes(self, key: str, limit: int = MAX_RECORD) -> bytes | None:
        """A small object over this thread's kept-alive connection."""
        r = self._http.call("GET", self._target(key), what=f"read {key} from {self.url}",
                            limit=limit)
        if r.status == 404:
            return None
        if r.status != 200:
            raise CacheError(f"read {key} from {self.url}: HTTP {r.status}: "
                             f"{error_text(r.body)}")
        return r.body

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """PUT the object; the server makes it visible only once complete and checked."""
        what = f"upload {key} to {self.url}"
        headers = {"Content-Length": str(data_size(data)),
                   "Content-Type": "application/octet-stream"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        r = self._http.call("PUT", self._target(key), data, headers, what)
        if r.status in (200, 201, 204):
            return
        msg = error_text(r.body)
        if r.status in (400, 409):
            raise InvalidInput(f"{what}: refused by the server: {msg}")
        if r.status in (401, 403):
            raise CacheError(f"{what}: not allowed (HTTP {r.status}): {msg}")
        raise CacheError(f"{what}: HTTP {r.status}: {msg}")

    def keys(self, prefix: str) -> list[str]:
        """``GET /_list?prefix=``."""
        q = urllib.parse.urlencode({"prefix": prefix})
        r = self._http.call("GET", f"{self._prefix}/_list?{q}", what=f"list {self.url}")
        if r.status != 200:
            raise CacheError(f"list {prefix} in {self.url}: HTTP {r.status}")
        return sorted(r.body.decode().split())

    def close(self) -> None:
        """Close this thread's connection."""
        self._http.close()
