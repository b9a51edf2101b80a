"""The one interface every cache backend implements: has, get, put (and a few batched helpers).

A backend stores opaque objects under the keys of :mod:`sx.store.cache.layout`
and knows nothing about paths, records or signatures; everything else
(uploading closures, verifying downloads) is written once on top of it.

Contract, checked by one test suite run against every backend:

* ``put`` is atomic: until it returns, ``has`` is false and ``get`` returns
  ``None`` (or the previous object); a ``put`` that fails or is killed leaves
  nothing visible. Putting the same key again replaces the object.
* ``put_many`` publishes its objects in order, each atomically: an object
  is visible only if every earlier one is (records after their archives).
* ``get`` of a missing key is ``None``, never an exception.
* ``keys(prefix)`` lists present keys; ``has_many`` answers in few requests.
* Backends are used from several threads at once.
"""

from __future__ import annotations

import io
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, BinaryIO

from sx.store.cache.layout import MAX_RECORD
from sx.store.errors import Corrupt, StorageError


class CacheError(StorageError):
    """A cache could not be reached, or answered in a way the protocol does not allow.

    Network failures, unexpected HTTP statuses and registry errors. Not raised
    for content that fails verification (a bad hash, a forged signature):
    those are :class:`InvalidInput` errors naming the object.
    """


class Cache(ABC):
    """A binary cache reached by URL."""

    url: str

    @abstractmethod
    def has(self, key: str) -> bool:
        """Whether ``key`` is present."""

    def has_many(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` that are present (backends answer in as few requests as they can)."""
        return {k for k in keys if self.has(k)}

    @abstractmethod
    def get(self, key: str, limit: int | None = None) -> BinaryIO | None:
        """A stream of the object's bytes (the caller closes it), or ``None`` when absent.

        With ``limit``, the stream ends after at most ``limit + 1`` bytes (one
        more than allowed, so the caller sees the object is too large) and an
        object whose size is known to be larger is :class:`Corrupt` at once.
        """

    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Store ``data`` (bytes, or a seekable file positioned at 0) under ``key``, atomically."""

    @abstractmethod
    def keys(self, prefix: str) -> list[str]:
        """Every present key that starts with ``prefix``, sorted."""

    def put_file(self, key: str, path: str) -> None:
        """Store the complete file at ``path`` under ``key``; the caller removes ``path`` after.

        Backends that can move the file into place instead of copying it do so.
        """
        with open(path, "rb") as f:
            self.put(key, f)

    def put_many(self, items: list[tuple[str, bytes]]) -> None:
        """Store several small objects, each atomically, in the given order.

        An object becomes visible only after every earlier one did.
        """
        for key, data in items:
            self.put(key, data)

    def scratch_dir(self) -> str | None:
        """Where an uploader should write archives it will :meth:`put_file` (None: anywhere)."""
        return None

    def get_bytes(self, key: str, limit: int = MAX_RECORD) -> bytes | None:
        """The whole object (records only: refuses more than ``limit`` bytes)."""
        stream = self.get(key, limit)
        if stream is None:
            return None
        with stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise Corrupt(f"read {key} from {self.url}: larger than {limit} bytes")
        return data

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release connections (the cache may still be used afterwards)."""

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def data_size(data: bytes | BinaryIO) -> int:
    """The number of bytes ``put`` will send for ``data``."""
    if isinstance(data, bytes):
        return len(data)
    return os.fstat(data.fileno()).st_size - data.tell()


class Capped(io.RawIOBase):
    """At most ``left`` bytes of ``inner``; closing it closes ``inner``."""

    def __init__(self, inner: BinaryIO, left: int) -> None:
        super().__init__()
        self._inner = inner
        self._left = left

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)[:self._left]
        if not view:
            return 0
        n = self._inner.readinto(view)  # type: ignore[attr-defined]
        self._left -= n
        return int(n)

    def fileno(self) -> int:
        return self._inner.fileno()

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


def capped(stream: BinaryIO, limit: int | None) -> BinaryIO:
    """``stream``, ending after ``limit + 1`` bytes when a limit is given."""
    if limit is None:
        return stream
    return io.BufferedReader(Capped(stream, limit + 1), 1 << 20)
