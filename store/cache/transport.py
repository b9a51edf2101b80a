"""A small HTTP client for the cache backends: pooled connections per thread, clear errors.

Small requests reuse one keep-alive connection per thread (backends are
called from worker threads); a stream gets its own connection, closed with
the stream. Every network failure becomes a :class:`CacheError` naming the
request.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sx.store.cache.base import CacheError

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
    """A response body being streamed; closing it closes its connection."""

    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse,
                 what: str) -> None:
        super().__init__()
        self._conn = conn
        self._resp = resp
        self._what = what

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        try:
            return self._resp.readinto(b)
        except (OSError, http.client.HTTPException) as e:
            raise CacheError(f"{self._what}: {_reason(e)}") from e

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
             headers: dict[str, str] | None = None, what: str = "") -> Reply:
        """Send a request on this thread's connection and read the whole response."""
        what = what or f"{method} {self.scheme}://{self.netloc}{target}"
        other, target = self._split(target)
        start = body.tell() if body is not None and not isinstance(body, bytes) else 0
        for attempt in (1, 2):
            reused = other is None and getattr(self._local, "conn", None) is not None
            conn = self._connect(other) if other else self._pooled()
            try:
                conn.request(method, target, body=body, headers=headers or {})
                resp = conn.getresponse()
                data = resp.read()
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
               what: str = "") -> tuple[int, BinaryIO | None, bytes]:
        """Send a request on a fresh connection: (status, body stream if 200, error body)."""
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
            return 200, io.BufferedReader(_Body(conn, resp, what), _BLOCK), b""
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
