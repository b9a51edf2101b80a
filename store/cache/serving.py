"""Listening sockets and the HTTP server that runs ``sx serve``'s application.

The server is hypercorn on trio, parsing HTTP/1.1 with h11: a maintained
stack that answers a malformed request (a ``Content-Length`` that is not
a number, a header block over :data:`MAX_HEADER` bytes) with a 4xx and
never reaches the application with it. Every connection is a trio task,
not a thread, so clients that send half a request cost a few kilobytes
each, and a connection that has not sent a complete request within
``idle_timeout`` seconds (or sends nothing for ``stall`` seconds
inside a body: the application's timeout, since hypercorn's own read
timeout would also cut a long download) is closed.

By default the server listens on the loopback address of both families,
``127.0.0.1`` and ``::1``, on one port.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import trio
from hypercorn.config import Config
from hypercorn.trio import serve as hypercorn_serve
from sx.store.cache.server import CacheApp
from sx.store.errors import InvalidInput

DEFAULT_HOSTS = ("127.0.0.1", "::1")
IDLE_TIMEOUT = 5.0
"""Seconds a connection may stay open without a complete request."""
MAX_HEADER = 16 << 10
"""Bytes of request line and headers."""
_BACKLOG = 128
_PORT_TRIES = 10


@dataclass
class Listening:
    """Bound, listening sockets (one per host) on one port."""

    sockets: list[socket.socket] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Close every socket."""
        for s in self.sockets:
            s.close()
        self.sockets.clear()


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class _BindError(Exception):
    def __init__(self, address: str, error: OSError) -> None:
        super().__init__(address)
        self.address = address
        self.error = error


def _try_listen(hosts: Sequence[str], port: int, optional: set[str]) -> Listening:
    out = Listening()
    try:
        for host in hosts:
            try:
                sock = _bind(host, port)
            except OSError as e:
                if host in optional and e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                    continue  # this machine has no such loopback address
                raise _BindError(_url(host, port).removeprefix("http://"), e) from e
            port = int(sock.getsockname()[1])
            out.sockets.append(sock)
            out.urls.append(_url(host, port))
    except BaseException:
        out.close()
        raise
    return out


def listen(where: str, hosts: Sequence[str] | None = None, port: int = 0) -> Listening:
    """Listen on ``hosts`` (default: both loopbacks) at ``port`` (0: a free one, shared).

    Raises :class:`InvalidInput` naming ``where`` and the address when it cannot be bound.
    """
    wanted = list(hosts or DEFAULT_HOSTS)
    optional = set() if hosts else {"::1"}
    for attempt in range(_PORT_TRIES):
        try:
            got = _try_listen(wanted, port, optional)
        except _BindError as b:
            e = b.error
            # Port 0: the free port of the first family may be taken in the second.
            if port == 0 and e.errno == errno.EADDRINUSE and attempt + 1 < _PORT_TRIES:
                continue
            raise InvalidInput(f"serve {where} on {b.address}: "
                               f"{(e.strerror or str(e)).lower()}") from e
        if not got.sockets:
            raise InvalidInput(f"serve {where}: no address to listen on")
        return got
    raise AssertionError("unreachable")


def serve(app: CacheApp, listening: Listening, idle_timeout: float = IDLE_TIMEOUT,
          ready: Callable[[list[str]], None] | None = None) -> None:
    """Serve ``app`` on ``listening`` until interrupted; ``ready`` gets the URLs first."""
    config = Config()
    config.bind = [f"fd://{s.detach()}" for s in listening.sockets]
    listening.sockets.clear()
    config.keep_alive_timeout = idle_timeout
    config.h11_max_incomplete_size = MAX_HEADER
    config.include_server_header = False
    config.loglevel = "WARNING"
    config.accesslog = None
    if ready is not None:
        ready(listening.urls)
    trio.run(partial(hypercorn_serve, app, config))
