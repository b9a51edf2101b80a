"""``sx serve``: a small HTTP server for a cache directory (the file layout).

Read-only unless started with an upload token. An upload is received into a
temp file, checked against its key, and only then renamed into place:

* an archive must hash (BLAKE3) to the name it is uploaded under;
* a path record must decode, be filed under its path's digest, and its
  archive and the records of its references must already be there;
* a realisation record must decode, match its key, and its path's record
  must already be there.

So a client that dies mid-upload, or uploads out of order, never makes a
record visible whose closure cannot be fetched. See docs/cache.md for the
protocol.
"""

from __future__ import annotations

import hmac
import os
import secrets
import sys
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
from sx.store.errors import InvalidInput
from sx.store.hashing import Hasher
from sx.store.path import StorePath

_CHUNK = 1 << 20
_MAX_HAS_BODY = 8 << 20
_MAX_DRAIN = 64 << 20


class Refused(Exception):
    """An upload the server will not publish: an HTTP status and a one-line reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


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


class CacheServer(ThreadingHTTPServer):
    """The HTTP server: one thread per connection, a cache directory, an optional token."""

    daemon_threads = True
    cache: FileCache
    token: str | None
    verbose: bool


class Handler(BaseHTTPRequestHandler):
    """Requests of the cache protocol."""

    server: CacheServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            sys.stderr.write(f"sx serve: {self.address_string()} {format % args}\n")

    def _reply(self, status: int, body: bytes = b"", ctype: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _key(self) -> str | None:
        key = urllib.parse.urlsplit(self.path).path.lstrip("/")
        try:
            return check_key(key)
        except InvalidInput:
            return None

    def do_HEAD(self) -> None:
        """Whether a key exists (with its size)."""
        self.do_GET()

    def do_GET(self) -> None:
        """A key's object, or ``/_list?prefix=``."""
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/_list":
            prefix = urllib.parse.parse_qs(u.query).get("prefix", [""])[0]
            self._reply(200, "\n".join(self.server.cache.keys(prefix)).encode())
            return
        key = self._key()
        stream = self.server.cache.get(key) if key else None
        if stream is None:
            self._reply(404, b"not found\n")
            return
        with stream:
            size = os.fstat(stream.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if self.command == "GET":
                self.connection.sendfile(stream)

    def do_POST(self) -> None:
        """``/_has``: which of the keys in the body (one per line) exist."""
        if urllib.parse.urlsplit(self.path).path != "/_has":
            self._reply(404, b"not found\n")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_HAS_BODY:
            self._reply(413, b"too many keys\n")
            return
        present = []
        for key in self.rfile.read(length).decode(errors="replace").split():
            try:
                if self.server.cache.has(key):
                    present.append(key)
            except InvalidInput:
                continue
        self._reply(200, "\n".join(present).encode())

    def do_PUT(self) -> None:
        """Receive, check and publish one object."""
        try:
            key = self._authorised_key()
        except Refused as e:
            self._drain()
            self.close_connection = True
            self._reply(e.status, f"{e}\n".encode())
            return
        try:
            self._receive(key)
        except Refused as e:
            self.close_connection = True
            self._reply(e.status, f"{e}\n".encode())

    def _drain(self) -> None:
        """Read a refused body (when not huge) so the client gets to read the answer."""
        length = self.headers.get("Content-Length", "")
        left = int(length) if length.isdigit() else 0
        if left > _MAX_DRAIN:
            return
        while left:
            chunk = self.rfile.read1(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)

    def _authorised_key(self) -> str:
        token = self.server.token
        if token is None:
            raise Refused(403, "this cache is read-only (start sx serve with --upload-token)")
        given = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Refused(401, "wrong or missing upload token")
        key = self._key()
        if key is None:
            raise Refused(400, "not a valid cache key")
        return key

    def _receive(self, key: str) -> None:
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            raise Refused(411, "Content-Length required")
        length = int(length_text)
        if not is_archive_key(key) and length > MAX_RECORD:
            raise Refused(413, f"records are limited to {MAX_RECORD} bytes")
        tmp = os.path.join(self.server.cache.scratch_dir(), f"put-{secrets.token_hex(8)}")
        try:
            b3 = self._write_body(tmp, length)
            if b3 is None:
                self.close_connection = True  # the client went away: drop everything
                return
            data = None
            if not is_archive_key(key):
                with open(tmp, "rb") as f:
                    data = f.read()
            check_upload(self.server.cache, key, data, b3)
            self.server.cache.put_file(key, tmp)
            self._reply(201)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)

    def _write_body(self, tmp: str, length: int) -> str | None:
        """Copy exactly ``length`` body bytes to ``tmp``; their BLAKE3, or None if cut short."""
        hasher = Hasher("b3")
        with open(tmp, "xb") as f:
            left = length
            while left:
                chunk = self.rfile.read1(min(_CHUNK, left))
                if not chunk:
                    return None
                hasher.update(chunk)
                f.write(chunk)
                left -= len(chunk)
        return hasher.digest().hex


def make_server(root: str, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                verbose: bool = False) -> CacheServer:
    """A server for the cache directory ``root`` bound to ``host:port`` (0: any free port)."""
    try:
        os.makedirs(root, exist_ok=True)
        server = CacheServer((host, port), Handler)
    except OSError as e:
        raise InvalidInput(f"serve {root} on {host}:{port}: {e.strerror or e}") from e
    server.cache = FileCache(root)
    server.token = token
    server.verbose = verbose
    return server


def serve(server: CacheServer, ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; ``ready`` is called with the server's URL first."""
    host, port = server.server_address[:2]
    if ready is not None:
        ready(f"http://{host!s}:{port}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
