"""A cache server on 127.0.0.1 that serves a cache directory and misbehaves on purpose.

It speaks the ``sx serve`` protocol for reading (``GET``/``HEAD /<key>``) and,
for keys starting with a given prefix, instead of the object:

* ``stall``: sends the headers and part of the body, then nothing until stopped;
* ``garbage``: answers 200 with random bytes of the object's length;
* ``cut``: sends half of the body and closes the connection;
* ``silent``: accepts the request and never answers.

Everything it holds back is released when it stops, so no test thread stays.
"""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        key = self.path.lstrip("/")
        self.server.requests.append(key)
        mode = next((m for p, m in self.server.modes.items() if key.startswith(p)), None)
        if mode == "silent":
            self.server.release.wait()
            return
        f = self.server.root / key
        if ".." in key or not f.is_file():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = f.read_bytes()
        if mode == "garbage":
            data = os.urandom(len(data))
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not body:
            return
        if mode in ("stall", "cut"):
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            if mode == "stall":
                self.server.release.wait()
            self.close_connection = True
            return
        self.wfile.write(data)


class FakeServer(ThreadingHTTPServer):
    """The server; ``url`` to reach it, ``modes`` maps key prefixes to misbehaviours."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, root: Path, modes: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.modes = modes
        self.requests: list[str] = []
        self.release = threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Release held requests, stop serving, close the socket."""
        self.release.set()
        self.shutdown()
        self.server_close()
        self._thread.join(10)
