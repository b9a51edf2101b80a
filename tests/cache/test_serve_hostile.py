"""``sx serve`` against hostile clients: malformed requests, slow clients, oversized bodies,
host paths, and IPv6. Every request goes over a real socket to a real ``sx serve``.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cache_helpers import TOKEN, Closure, Served
from sx.store.cache import open_cache
from sx.store.cache.copy import copy_to
from sx.store.local import LocalStore

IDLE = 1.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    """``sx serve`` with a one-second idle timeout and an upload token."""
    s = Served(tmp_path / "cache", TOKEN, "--idle-timeout", str(IDLE))
    yield s
    s.stop()
    assert s.proc.stderr is not None
    err = s.proc.stderr.read()
    assert "Traceback" not in err, err


def _addr(s: Served) -> tuple[str, int]:
    host, port = s.url.removeprefix("http://").rsplit(":", 1)
    return host.strip("[]"), int(port)


def _exchange(s: Served, request: bytes, timeout: float = 10) -> bytes:
    """Send ``request`` and read until the server closes or the answer is complete."""
    with socket.create_connection(_addr(s), timeout=timeout) as c:
        c.sendall(request)
        return _read_answer(c)


def _read_answer(c: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = c.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split()[1])


def _threads(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(next(ln.split()[1] for ln in f if ln.startswith("Threads:")))


def _peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(next(ln.split()[1] for ln in f if ln.startswith("VmHWM:")))


@pytest.mark.parametrize("value", [b"abc", b"-1", "\u00b2".encode(), b"1e3", b"12 34",
                                   b"99999999999999999999999999999"])
def test_malformed_content_length_is_a_400(server: Served, value: bytes) -> None:
    started = time.monotonic()
    answer = _exchange(server, b"POST /_has HTTP/1.1\r\nHost: x\r\nContent-Length: " + value
                       + b"\r\n\r\nsx-cache-info\n")
    assert time.monotonic() - started < 5  # never waits for the end of the stream
    # 413 for a well-formed length over the limit (not read), 400 for the rest.
    assert _status(answer) in ((400, 413) if value.isdigit() else (400,))
    assert _status(_exchange(server, b"GET /sx-cache-info HTTP/1.1\r\nHost: x\r\n\r\n")) == 404


def test_negative_length_on_has_does_not_read_to_the_end(server: Served) -> None:
    with socket.create_connection(_addr(server), timeout=10) as c:
        c.sendall(b"POST /_has HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
        c.sendall(b"x" * 100_000)  # and the connection stays open
        assert _status(_read_answer(c)) == 400


def test_huge_headers_are_refused(server: Served) -> None:
    answer = _exchange(server, b"GET /sx-cache-info HTTP/1.1\r\nHost: x\r\nX-Big: "
                       + b"a" * (1 << 20) + b"\r\n\r\n")
    assert _status(answer) in (400, 431)
    many = b"".join(b"X-%d: y\r\n" % i for i in range(20_000))
    assert _status(_exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")) in \
        (400, 431)


def test_has_body_is_read_only_up_to_its_limit(server: Served) -> None:
    pid = server.proc.pid
    before = _peak_rss_kib(pid)
    with socket.create_connection(_addr(server), timeout=10) as c:
        c.sendall(b"POST /_has HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % (1 << 20) + b"k" * (1 << 20) + b"\r\n"
        sent = 0
        try:
            for _ in range(256):  # 256 MiB offered
                c.sendall(chunk)
                sent += 1
        except OSError:
            pass  # the server answered and closed: it stopped reading
        assert _status(_read_answer(c)) == 413
    assert sent < 64
    assert _peak_rss_kib(pid) - before < 48 << 10


def test_half_sent_requests_hold_no_thread_and_time_out(server: Served) -> None:
    pid = server.proc.pid
    conns = []
    try:
        for _ in range(300):
            c = socket.create_connection(_addr(server), timeout=10)
            c.sendall(b"GET /sx-cache-info HTTP/1.1\r\nHost: x\r\n")  # never finished
            conns.append(c)
        started = time.monotonic()
        answer = _exchange(server, b"GET /sx-cache-info HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _status(answer) == 404 and time.monotonic() - started < 2
        assert _threads(pid) < 16
        deadline = time.monotonic() + IDLE + 10
        for c in conns:  # every one is closed by the server after the idle timeout
            c.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                assert c.recv(1024) == b""
            except ConnectionResetError:
                pass
        assert time.monotonic() < deadline
    finally:
        for c in conns:
            c.close()


def test_idle_and_stalled_connections_are_closed(server: Served) -> None:
    for request in (b"", b"PUT /sx-cache-info HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TOKEN.encode() + b"\r\nContent-Length: 1000\r\n\r\n0123456789"):
        with socket.create_connection(_addr(server), timeout=30) as c:
            c.sendall(request)
            started = time.monotonic()
            while c.recv(65536):
                pass
            assert time.monotonic() - started < 6 * IDLE + 5
    assert os.listdir(server.dir / ".tmp") == []  # the stalled upload left nothing


def test_list_never_looks_outside_the_cache(server: Served) -> None:
    answers = set()
    for prefix in ("/etc/passwd/", "/etc/", "/root/", "../", "/nonexistent/x", "nar/../../",
                   "info/zzz"):
        q = prefix.replace("/", "%2F")
        answer = _exchange(server, f"GET /_list?prefix={q} HTTP/1.1\r\nHost: x\r\n\r\n"
                           .encode())
        answers.add(answer.split(b"\r\n", 1)[1].replace(b"date:", b"").split(b"\r\n\r\n")[1])
        assert _status(answer) == 200
    assert answers == {b""}


def test_ipv6_loopback(tmp_path: Path, store: LocalStore, closure: Closure) -> None:
    s = Served(tmp_path / "v6", TOKEN, "--host", "::1")
    try:
        assert s.url.startswith("http://[::1]:")
        cache = open_cache(s.url, TOKEN)
        copy_to(store, cache, [closure.top])
        assert len(cache.keys("info/")) == 3
    finally:
        s.stop()
    both = Served(tmp_path / "both", None)
    try:
        port = both.url.rsplit(":", 1)[1]
        assert both.banner.split(" at ")[1].startswith(
            f"http://127.0.0.1:{port} and http://[::1]:{port} ")
        for url in (f"http://127.0.0.1:{port}", f"http://[::1]:{port}"):
            assert open_cache(url).keys("info/") == []
    finally:
        both.stop()


def _read_chars(pid: int) -> int:
    with open(f"/proc/{pid}/io") as f:
        return int(next(ln.split()[1] for ln in f if ln.startswith("rchar:")))


def test_a_client_that_goes_away_stops_the_download(server: Served) -> None:
    key = "nar/" + "0" * 64 + ".nar.zst"
    (server.dir / "nar").mkdir(parents=True, exist_ok=True)
    with open(server.dir / key, "wb") as f:
        f.truncate(512 << 20)  # sparse: 512 MiB of zeros that cost no disk
    before = _read_chars(server.proc.pid)
    with socket.create_connection(_addr(server), timeout=10) as c:
        c.sendall(f"GET /{key} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        got = 0
        while got < 1 << 20:
            got += len(c.recv(65536))
    time.sleep(2)
    assert _read_chars(server.proc.pid) - before < 128 << 20
