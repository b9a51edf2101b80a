"""Helpers for the binary cache tests: closures, signing, an ``sx serve`` process, a registry."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from sx.store.cache.signing import SecretKey
from sx.store.cache.sigs import sign_paths
from sx.store.hashing import Digest
from sx.store.info import Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath

TOKEN = "test-upload-token"
# Use as: @pytest.mark.parametrize("cache_url", BACKENDS, indirect=True)
BACKENDS = ["file", "http", pytest.param("oci", marks=pytest.mark.oci)]
DRV = Digest.b3(b"a resolved derivation")
RunSx = Callable[..., subprocess.CompletedProcess[str]]


class Closure:
    """Three paths: ``top`` refers to ``mid`` and ``lib``; ``mid`` refers to ``lib``."""

    def __init__(self, lib: StorePath, mid: StorePath, top: StorePath) -> None:
        self.lib, self.mid, self.top = lib, mid, top
        self.all = [lib, mid, top]


def make_tree(root: Path, name: str, extra: str = "") -> Path:
    """A small tree with a regular file, an executable, a symlink and a subdirectory."""
    d = root / name
    (d / "sub").mkdir(parents=True)
    (d / "data.txt").write_text(f"contents of {name}{extra}\n")
    (d / "run").write_text("#!/bin/sh\necho hi\n")
    (d / "run").chmod(0o755)
    (d / "sub" / "blob").write_bytes(bytes(range(256)) * 40)
    os.symlink("data.txt", d / "link")
    return d


def make_closure(store: LocalStore, src: Path, extra: str = "") -> Closure:
    """Add the three-path closure (the same ``extra`` gives the same paths in any store)."""
    lib = store.add_tree(str(make_tree(src, "lib", extra)), "lib").path
    mid_dir = make_tree(src, "mid", extra)
    (mid_dir / "ref").write_text(str(lib))
    mid = store.add_tree(str(mid_dir), "mid", [lib]).path
    top_dir = make_tree(src, "top", extra)
    (top_dir / "refs").write_text(f"{lib}\n{mid}\n")
    top = store.add_tree(str(top_dir), "top", [lib, mid]).path
    return Closure(lib, mid, top)


def sign(store: LocalStore, key: SecretKey, paths: list[StorePath]) -> None:
    """Sign paths and the realisations that point at them."""
    sign_paths(store, key, paths)


def add_realisation(store: LocalStore, path: StorePath, drv: Digest = DRV) -> Realisation:
    """Record that ``drv``'s ``out`` realized to ``path``."""
    r = Realisation(drv, "out", path)
    store.register_realisation(r)
    return r


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sx_cmd(*args: str) -> list[str]:
    """The sx command line run by this interpreter."""
    return [sys.executable, "-m", "sx.cli.main", *args]


def _stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


class Served:
    """An ``sx serve`` process on a free loopback port."""

    def __init__(self, directory: Path, token: str | None, *extra: str,
                 log: Path | None = None) -> None:
        """Start serving; with ``log``, every request is logged to that file."""
        self.dir = directory
        args = ["serve", str(directory), "--port", "0", *extra]
        if token:
            args += ["--upload-token", token]
        if log is not None:
            args.append("--verbose")
        err = (os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND) if log
               else subprocess.PIPE)
        try:
            self.proc = subprocess.Popen(sx_cmd(*args), stdout=subprocess.PIPE,
                                         stderr=err, text=True,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        finally:
            if log:
                os.close(err)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if " at " not in line:
            self.stop()
            raise RuntimeError(f"sx serve did not start: {line!r}")
        self.banner = line.strip()
        self.url = line.split(" at ")[1].split()[0]

    def stop(self) -> None:
        """Terminate and reap the server."""
        _stop(self.proc)


class Registry:
    """A real CNCF distribution registry (Debian's docker-registry) on loopback."""

    def __init__(self, root: Path) -> None:
        exe = shutil.which("docker-registry")
        if exe is None:
            raise RuntimeError("docker-registry is not installed "
                               "(run scripts/install-system-deps.sh)")
        self.port = free_port()
        root.mkdir(parents=True)
        config = root / "config.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  delete:\n    enabled: true\n"
            "  filesystem:\n"
            f"    rootdirectory: {root / 'data'}\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\n")
        self.proc = subprocess.Popen([exe, "serve", str(config)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.host = f"127.0.0.1:{self.port}"
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("docker-registry did not answer /v2/ within 20 s")

    def stop(self) -> None:
        """Terminate and reap the registry."""
        _stop(self.proc)
