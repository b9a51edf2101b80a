"""A small HTTP client for the cache backends: pooled connections per thread, clear errors.

Small requests reuse one keep-alive connection per thread (backends are
called from worker threads); a stream gets its own connection, closed with
the stream. Every network failure becomes a :class:`CacheError` naming the
request.

Answers are hostile until checked: a whole answer is read only up to its
limit (:data:`~sx.store.cache.layout.MAX_RECORD` unless the caller says
otherwise) and one that declares or sends more is :class:`Corrupt`; a stream
given a limit ends after ``limit + 1`` bytes, so the caller sees that the
object is too large without the rest ever being read. Connecting and every
read have a timeout.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sx.store.cache.base import CacheError
from sx.store.cache.layout import MAX_RECORD
from sx.store.errors import Corrupt

_BLOCK = 1 << 20
_RETRYABLE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass
class Reply:
    """A fully read response."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        """A header's value, or ''."""
        return self.headers.get(name, "")


class _Body(io.RawIOBase):
    """A response body being streamed (at most ``left`` bytes); closing it closes its
    connection."""

    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse,
                 what: str, left: int | None = None) -> None:
        super().__init__()
        self._conn = conn
        self._resp = resp
        self._what = what
        self._left = left

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        if self._left is not None:
            view = view[:self._left]
            if not view:
                return 0
        try:
            n = self._resp.readinto(view)
        except (OSError, http.client.HTTPException) as e:
            raise CacheError(f"{self._what}: {_reason(e)}") from e
        if self._left is not None:
            self._left -= n
        return n

    def close(self) -> None:
        if not self.closed:
            self._conn.close()
        super().close()


@dataclass
class Transport:
    """Requests to one ``scheme://host:port``."""

    scheme: str
    netloc: str
    timeout: float = 60.0
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def _connect(self, netloc: str | None = None) -> http.client.HTTPConnection:
        host = netloc or self.netloc
        # One timeout bounds the connect and then every single read or write.
        if self.scheme == "https":
            return http.client.HTTPSConnection(host, timeout=self.timeout, blocksize=_BLOCK)
        return http.client.HTTPConnection(host, timeout=self.timeout, blocksize=_BLOCK)

    def _split(self, target: str) -> tuple[str | None, str]:
        """An absolute URL (e.g. a Location header) -> (other netloc or None, path?query)."""
        if "://" not in target:
            return None, target
        u = urllib.parse.urlsplit(target)
        rest = u.path + (f"?{u.query}" if u.query else "")
        return (None if u.netloc == self.netloc else u.netloc), rest

    def call(self, method: str, target: str, body: bytes | BinaryIO | None = None,
             headers: dict[str, str] | None = None, what: str = "",
             limit: int = MAX_RECORD) -> Reply:
        """Send a request on this thread's connection and read the whole response.

        :class:`Corrupt` when the response is larger than ``limit`` bytes
        (reading stops there, and the connection is dropped).
        """
        what = what or f"{method} {self.scheme}://{self.netloc}{target}"
        other, target = self._split(target)
        start = body.tell() if body is not None and not isinstance(body, bytes) else 0
        for attempt in (1, 2):
            reused = other is None and getattr(self._local, "conn", None) is not None
            conn = self._connect(other) if other else self._pooled()
            try:
                conn.request(method, target, body=body, headers=headers or {})
                resp = conn.getresponse()
                data = _read_at_most(resp, limit, what, self._drop if not other else conn.close)
                if other:
                    conn.close()
                return Reply(resp.status, resp.headers, data)
            except _RETRYABLE as e:
                self._drop()
                if not reused or attempt == 2:
                    raise CacheError(f"{what}: {e or type(e).__name__}") from e
                if body is not None and not isinstance(body, bytes):
                    body.seek(start)
            except (OSError, http.client.HTTPException) as e:
                self._drop()
                raise CacheError(f"{what}: {_reason(e)}") from e
        raise AssertionError("unreachable")

    def stream(self, method: str, target: str, headers: dict[str, str] | None = None,
               what: str = "", limit: int | None = None
               ) -> tuple[int, BinaryIO | None, bytes]:
        """Send a request on a fresh connection: (status, body stream if 200, error body).

        With ``limit``, a body declared larger is :class:`Corrupt` at once, and
        the stream ends after ``limit + 1`` bytes whatever the server sends.
        """
        what = what or f"{method} {self.scheme}://{self.netloc}{target}"
        other, target = self._split(target)
        conn = self._connect(other)
        try:
            conn.request(method, target, headers=headers or {})
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise CacheError(f"{what}: {_reason(e)}") from e
        if resp.status == 200:
            if limit is not None and _declared(resp) > limit:
                conn.close()
                raise Corrupt(f"{what}: larger than {limit} bytes "
                              f"(the server announces {_declared(resp)})")
            left = None if limit is None else limit + 1
            return 200, io.BufferedReader(_Body(conn, resp, what, left), _BLOCK), b""
        try:
            body = resp.read(1 << 16)
        except (OSError, http.client.HTTPException):
            body = b""
        conn.close()
        return resp.status, None, body

    def _pooled(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def close(self) -> None:
        """Close this thread's pooled connection."""
        self._drop()


def _declared(resp: http.client.HTTPResponse) -> int:
    """The Content-Length of a response (-1 when absent or not a number)."""
    text = resp.headers.get("Content-Length", "")
    return int(text) if text.isdigit() else -1


def _read_at_most(resp: http.client.HTTPResponse, limit: int, what: str,
                  drop: Callable[[], None]) -> bytes:
    """The whole body, if it is at most ``limit`` bytes; else ``drop`` the connection."""
    declared = _declared(resp)
    if declared > limit:
        drop()
        raise Corrupt(f"{what}: larger than {limit} bytes (the answer declares {declared})")
    data = resp.read(limit + 1)
    if len(data) > limit:
        drop()
        raise Corrupt(f"{what}: larger than {limit} bytes")
    if not resp.isclosed():
        resp.read()  # the (empty) rest, so that the connection can be reused
    return data


def _reason(e: BaseException) -> str:
    if isinstance(e, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return str(e) or type(e).__name__


def error_text(body: bytes) -> str:
    """The first line of an error body, for messages."""
    text = body.decode(errors="replace").strip().splitlines()
    return text[0][:200] if text else "no details"
