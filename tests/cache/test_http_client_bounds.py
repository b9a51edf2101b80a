"""The HTTP cache client against a hostile server: it reads at most its limit of any answer.

The server here is a few lines over a raw socket on 127.0.0.1 that serves a
real cache directory, but answers with more bytes than it should (forever,
up to 1 GiB) and counts what it managed to send.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cache_helpers import RunSx
from sx.store.cache import open_cache
from sx.store.cache.base import CacheError
from sx.store.cache.http import HttpCache
from sx.store.cache.layout import MAX_RECORD
from sx.store.errors import Corrupt

GIB = 1 << 30


def _buffer_max(name: str) -> int:
    """The largest size the kernel may grow a TCP socket buffer to (its third value)."""
    return int(Path(f"/proc/sys/net/ipv4/{name}").read_text().split()[2])


SLACK = _buffer_max("tcp_rmem") + _buffer_max("tcp_wmem") + (1 << 20)
"""What the server may have handed the kernel beyond what the client read: both socket
buffers at their largest (the receiver's grows as the client reads fast) and one chunk.
Still far below the 1 GiB a client without a limit would take."""


class Hostile:
    """Serves ``root``; a key in ``bloat`` gets 1 GiB of zeros after its bytes."""

    def __init__(self, root: Path, declare: bool) -> None:
        self.root = root
        self.declare = declare  # announce the bloated length, or just close at the end
        self.bloat: set[str] = set()
        self.sent: dict[str, int] = {}
        self.silent = False
        self.srv = socket.create_server(("127.0.0.1", 0))
        self.srv.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.srv.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        end = time.monotonic() + 300
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                if self.silent:
                    time.sleep(30)
                    return
                method, target = head.split()[:2]
                self._answer(conn, method.decode(), target.decode().lstrip("/"))
            except OSError:
                return

    def _answer(self, conn: socket.socket, method: str, key: str) -> None:
        f = self.root / key
        if method not in ("GET", "HEAD") or not key or not f.is_file():
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        data = f.read_bytes()
        extra = GIB if key in self.bloat else 0
        length = (b"Content-Length: %d\r\n" % (len(data) + extra)) if self.declare else b""
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + length + b"Connection: close\r\n\r\n")
        if method == "HEAD":
            return
        conn.sendall(data)
        sent = len(data)
        zeros = bytes(1 << 20)
        while sent < len(data) + extra:
            conn.sendall(zeros)
            sent += len(zeros)
            self.sent[key] = sent

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.srv.close()


@pytest.fixture
def cache_dir(tmp_path: Path, sx: RunSx) -> tuple[Path, str]:
    """A real file cache holding one path; returns it and the path."""
    f = tmp_path / "payload"
    f.write_bytes(b"payload\n" * 1000)
    root = str(tmp_path / "root")
    path = sx("--root", root, "store", "add", str(f)).stdout.strip()
    d = tmp_path / "cache"
    assert sx("--root", root, "copy", "--to", f"file://{d}", path).returncode == 0
    return d, path


@pytest.fixture(params=[True, False], ids=["declared", "close-delimited"])
def hostile(request: pytest.FixtureRequest, cache_dir: tuple[Path, str]) -> Iterator[Hostile]:
    h = Hostile(cache_dir[0], request.param)
    yield h
    h.stop()


def test_a_record_answer_stops_at_the_record_limit(hostile: Hostile,
                                                   cache_dir: tuple[Path, str]) -> None:
    key = next(p.name for p in (cache_dir[0] / "info").iterdir())
    hostile.bloat.add(f"info/{key}")
    cache = open_cache(hostile.url)
    with pytest.raises(Corrupt, match=f"larger than {MAX_RECORD} bytes"):
        cache.get_bytes(f"info/{key}")
    time.sleep(0.5)  # let the server notice the closed connection
    assert hostile.sent.get(f"info/{key}", 0) < MAX_RECORD + SLACK


def test_an_archive_stops_right_after_its_declared_size(
        hostile: Hostile, cache_dir: tuple[Path, str], sx: RunSx, tmp_path: Path) -> None:
    d, path = cache_dir
    (nar,) = [f"nar/{p.name}" for p in (d / "nar").iterdir()]
    hostile.bloat.add(nar)
    root = tmp_path / "fresh"
    r = sx("--root", str(root), "copy", "--from", hostile.url, "--no-check-sigs", path)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"sx: fetch {path}") and nar in line
    time.sleep(0.5)
    assert hostile.sent.get(nar, 0) < (d / nar).stat().st_size + SLACK
    assert list((root / "tmp").iterdir()) == []
    assert sx("--root", str(root), "path-info", path).returncode == 1


def test_a_silent_server_times_out(cache_dir: tuple[Path, str]) -> None:
    h = Hostile(cache_dir[0], True)
    h.silent = True
    try:
        started = time.monotonic()
        with pytest.raises(CacheError, match="timed out"):
            HttpCache(h.url, timeout=1).get_bytes("sx-cache-info")
        assert time.monotonic() - started < 5
    finally:
        h.stop()
