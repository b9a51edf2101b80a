"""``sx serve``: the cache protocol over HTTP, as an ASGI application (served by hypercorn).

Read-only unless started with an upload token. An upload is received into a
temp file, checked against its key, and only then renamed into place:

* an archive must hash (BLAKE3) to the name it is uploaded under;
* a path record must decode, be filed under its path's digest, and its
  archive and the records of its references must already be there;
* a realisation record must decode, match its key, and its path's record
  must already be there.

So a client that dies mid-upload, or uploads out of order, never makes a
record visible whose closure cannot be fetched. See docs/cache.md for the
protocol. Parsing HTTP (malformed or oversized requests, slow clients, idle
connections) is hypercorn's and h11's job (:mod:`.serving`); this module
sees only well-formed requests and reads their bodies up to a limit.
"""

from __future__ import annotations

import hmac
import os
import secrets
import sys
import urllib.parse
from typing import BinaryIO

import trio
from hypercorn.typing import (
    ASGIReceiveCallable,
    ASGIReceiveEvent,
    ASGISendCallable,
    HTTPScope,
    Scope,
)
from sx.store.cache.file import FileCache
from sx.store.cache.layout import (
    CACHE_INFO,
    MAX_RECORD,
    CachedPath,
    CacheInfo,
    check_key,
    decode_realisation,
    info_key,
    is_archive_key,
    parse_realisation_key,
)
from sx.store.encoding import unpack
from sx.store.errors import InvalidInput, StoreError
from sx.store.hashing import Hasher
from sx.store.path import StorePath

_CHUNK = 4 << 20  # per send: 1 MiB gave ~250 MB/s on loopback, 4 MiB ~500 MB/s
MAX_HAS_BODY = 8 << 20
"""Bytes of keys one ``POST /_has`` may send."""
_MAX_DRAIN = 64 << 20
STALL_TIMEOUT = 30.0
"""Seconds a request body may send nothing before the request is dropped."""


class Refused(Exception):
    """An upload the server will not publish: an HTTP status and a one-line reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class _Gone(Exception):
    """The client disconnected before its request was complete."""


def check_upload(cache: FileCache, key: str, data: bytes | None, b3_hex: str) -> None:
    """Raise :class:`Refused` unless the received object may be published under ``key``."""
    try:
        if is_archive_key(key):
            want = key[len("nar/"):-len(".nar.zst")]
            if b3_hex != want:
                raise Refused(400, f"archive hashes to b3:{b3_hex}, its key says b3:{want}")
            return
        assert data is not None
        if key == CACHE_INFO:
            CacheInfo.decode(data, "upload").check("upload")
        elif key.startswith("info/"):
            _check_record(cache, key, data)
        else:
            drv_hash, output = parse_realisation_key(key)
            r = decode_realisation(data, drv_hash, output, "upload")
            if not cache.has(info_key(r.path)):
                raise Refused(409, f"the record of {r.path} is not uploaded yet")
    except InvalidInput as e:
        raise Refused(400, str(e)) from e


def _check_record(cache: FileCache, key: str, data: bytes) -> None:
    raw = unpack(data, "uploaded record")
    base = raw.get("path") if isinstance(raw, dict) else None
    path = StorePath.from_base(base if isinstance(base, str) else "")
    if info_key(path) != key:
        raise Refused(400, f"record of {path} uploaded as {key}")
    rec = CachedPath.decode(data, path, "upload")
    if not cache.has(rec.archive_key):
        raise Refused(409, f"archive {rec.archive_key} of {path} is not uploaded yet")
    for ref in rec.info.references:
        if ref != path and not cache.has(info_key(ref)):
            raise Refused(409, f"record of {ref}, a reference of {path}, is not uploaded yet")


class _Exchange:
    """One request and its answer."""

    def __init__(self, scope: HTTPScope, receive: ASGIReceiveCallable,
                 send: ASGISendCallable, stall: float) -> None:
        self.scope = scope
        self._receive = receive
        self.send = send
        self.stall = stall
        self.method = scope["method"]
        self.path = scope["path"]
        self.query = urllib.parse.parse_qs(scope["query_string"].decode("latin-1"))
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                        for k, v in scope["headers"]}
        self.status = 0
        self.body_done = False

    async def receive(self) -> ASGIReceiveEvent:
        """The next part of the request; :class:`_Gone` when nothing came for ``stall`` s."""
        with trio.move_on_after(self.stall):
            return await self._receive()
        raise _Gone

    async def receive_raw(self) -> ASGIReceiveEvent:
        """The next part of the request, however long it takes."""
        return await self._receive()

    async def start(self, status: int, size: int, ctype: str = "text/plain") -> None:
        self.status = status
        await self.send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", ctype.encode()), (b"content-length", str(size).encode())],
            "trailers": False})

    async def body(self, data: bytes, more: bool = False) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    async def reply(self, status: int, text: bytes = b"", ctype: str = "text/plain") -> None:
        await self.start(status, len(text), ctype)
        await self.body(b"" if self.method == "HEAD" else text)

    async def read_body(self, limit: int) -> bytes | None:
        """The whole body, or None when it is larger than ``limit`` (reading stops there)."""
        got = bytearray()
        while True:
            msg = await self.receive()
            if msg["type"] == "http.disconnect":
                raise _Gone
            if msg["type"] != "http.request":
                continue
            got += msg.get("body", b"")
            self.body_done = not msg.get("more_body", False)
            if len(got) > limit:
                return None
            if self.body_done:
                return bytes(got)

    async def drain(self, limit: int = _MAX_DRAIN) -> None:
        """Read and drop a refused body (up to ``limit``) so the client gets to read the answer."""
        left = limit
        while left > 0 and not self.body_done:
            msg = await self.receive()
            if msg["type"] != "http.request":
                return
            left -= len(msg.get("body", b""))
            self.body_done = not msg.get("more_body", False)


class CacheApp:
    """The ASGI application of ``sx serve``: a cache directory, an optional upload token."""

    def __init__(self, root: str, token: str | None = None, verbose: bool = False,
                 stall: float = STALL_TIMEOUT) -> None:
        self.cache = FileCache(root)
        self.token = token
        self.verbose = verbose
        self.stall = stall

    async def __call__(self, scope: Scope, receive: ASGIReceiveCallable,
                       send: ASGISendCallable) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets: refused by returning without accepting
        ex = _Exchange(scope, receive, send, self.stall)
        try:
            await self._handle(ex)
        except _Gone:
            return
        except (StoreError, OSError) as e:
            # A local failure (disk, permissions): the client gets a 500 and one log line.
            print(f"sx serve: {ex.method} {ex.path}: {e}", file=sys.stderr, flush=True)
            if not ex.status:
                await ex.reply(500, b"internal error\n")
        if self.verbose:
            client = scope.get("client") or ("-", 0)
            print(f"sx serve: {client[0]} {ex.method} {ex.path} {ex.status}", file=sys.stderr,
                  flush=True)

    async def _handle(self, ex: _Exchange) -> None:
        if ex.method in ("GET", "HEAD"):
            await self._get(ex)
        elif ex.method == "POST":
            await self._has(ex)
        elif ex.method == "PUT":
            await self._put(ex)
        else:
            await ex.reply(405, b"method not allowed\n")

    async def _get(self, ex: _Exchange) -> None:
        """A key's object, or ``/_list?prefix=``."""
        if ex.path == "/_list":
            prefix = ex.query.get("prefix", [""])[0]
            await ex.reply(200, "\n".join(self.cache.keys(prefix)).encode())
            return
        key = _key(ex.path)
        stream = self.cache.get(key) if key else None
        if stream is None:
            await ex.reply(404, b"not found\n")
            return
        with stream:
            size = os.fstat(stream.fileno()).st_size
            await ex.start(200, size, "application/octet-stream")
            if ex.method == "HEAD":
                await ex.body(b"")
                return
            async with trio.open_nursery() as nursery:
                # A client that goes away stops the reading at once.
                nursery.start_soon(_cancel_when_gone, ex, nursery.cancel_scope)
                await _send_file(ex, stream, size)
                nursery.cancel_scope.cancel()

    async def _has(self, ex: _Exchange) -> None:
        """``/_has``: which of the keys in the body (one per line) exist."""
        if ex.path != "/_has":
            await ex.reply(404, b"not found\n")
            return
        body = await ex.read_body(MAX_HAS_BODY)
        if body is None:
            await ex.reply(413, b"too many keys\n")
            return
        present = []
        for key in body.decode(errors="replace").split():
            try:
                if self.cache.has(key):
                    present.append(key)
            except InvalidInput:
                continue
        await ex.reply(200, "\n".join(present).encode())

    async def _put(self, ex: _Exchange) -> None:
        """Receive, check and publish one object."""
        try:
            key = self._authorised_key(ex)
            await self._receive(ex, key)
        except Refused as e:
            # Read a refused body (when not huge) first: a client still sending it
            # would otherwise meet a closed connection instead of the answer.
            await ex.drain()
            await ex.reply(e.status, f"{e}\n".encode())

    def _authorised_key(self, ex: _Exchange) -> str:
        if self.token is None:
            raise Refused(403, "this cache is read-only (start sx serve with --upload-token)")
        given = ex.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise Refused(401, "wrong or missing upload token")
        key = _key(ex.path)
        if key is None:
            raise Refused(400, "not a valid cache key")
        return key

    async def _receive(self, ex: _Exchange, key: str) -> None:
        length_text = ex.headers.get("content-length")
        if length_text is None or not length_text.isdigit():
            raise Refused(411, "Content-Length required")
        if not is_archive_key(key) and int(length_text) > MAX_RECORD:
            raise Refused(413, f"records are limited to {MAX_RECORD} bytes")
        tmp = os.path.join(self.cache.scratch_dir(), f"put-{secrets.token_hex(8)}")
        try:
            b3 = await _write_body(ex, tmp)
            data = None
            if not is_archive_key(key):
                with open(tmp, "rb") as f:
                    data = f.read()
            await trio.to_thread.run_sync(self._publish, key, data, b3, tmp)
            await ex.reply(201)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)

    def _publish(self, key: str, data: bytes | None, b3: str, tmp: str) -> None:
        check_upload(self.cache, key, data, b3)
        self.cache.put_file(key, tmp)


async def _write_body(ex: _Exchange, tmp: str) -> str:
    """Copy the body to ``tmp``; its BLAKE3 (:class:`_Gone` if the client went away)."""
    hasher = Hasher("b3")
    with open(tmp, "xb") as f:
        while True:
            msg = await ex.receive()
            if msg["type"] == "http.disconnect":
                raise _Gone
            if msg["type"] != "http.request":
                continue
            chunk = msg.get("body", b"")
            hasher.update(chunk)
            f.write(chunk)
            ex.body_done = not msg.get("more_body", False)
            if ex.body_done:
                return hasher.digest().hex


async def _send_file(ex: _Exchange, stream: BinaryIO, size: int) -> None:
    left = size
    while left > 0:
        chunk = await trio.to_thread.run_sync(stream.read, min(_CHUNK, left))
        if not chunk:
            break  # the file shrank: the client sees a short body
        left -= len(chunk)
        await ex.body(chunk, more=left > 0)
    if left:
        await ex.body(b"")


async def _cancel_when_gone(ex: _Exchange, scope: trio.CancelScope) -> None:
    while (await ex.receive_raw())["type"] != "http.disconnect":
        pass
    scope.cancel()


def _key(path: str) -> str | None:
    try:
        return check_key(path.lstrip("/"))
    except InvalidInput:
        return None


async def _lifespan(receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    while True:
        msg = await receive()
        if msg["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif msg["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
