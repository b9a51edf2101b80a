"""An upload killed halfway leaves no visible record (file cache and sx serve)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cache_helpers import TOKEN, Closure, Served, sign, sx_cmd
from sx.store.cache import open_cache
from sx.store.cache.copy import copy_from, copy_to
from sx.store.cache.signing import SecretKey, TrustPolicy
from sx.store.local import LocalStore
from sx.store.path import StorePath

BIG = 96 << 20


def _big_closure(store: LocalStore, tmp_path: Path, closure: Closure) -> list[StorePath]:
    """``closure`` plus a path with a large incompressible file referring to ``top``."""
    src = tmp_path / "big"
    src.mkdir()
    with open(src / "blob", "wb") as f:
        for _ in range(BIG >> 20):
            f.write(os.urandom(1 << 20))
    (src / "uses").write_text(f"{closure.top}\n")
    big = store.add_tree(str(src), "big", [closure.top]).path
    return [*closure.all, big]


def _records(cache_dir: Path) -> list[str]:
    info = cache_dir / "info"
    return sorted(os.listdir(info)) if info.exists() else []


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool], timeout: float = 60
               ) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise AssertionError(f"sx copy finished before it could be killed: "
                                 f"{proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("upload never started")
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)


def _partial(d: Path) -> bool:
    """A temp file of the big archive is being written."""
    tmp = d / ".tmp"
    try:
        return any(os.path.getsize(tmp / n) > (8 << 20) for n in os.listdir(tmp))
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_killed_upload_to_file_cache(tmp_path: Path, store: LocalStore, store2: LocalStore,
                                     closure: Closure, keys: dict[str, SecretKey]) -> None:
    paths = _big_closure(store, tmp_path, closure)
    sign(store, keys["alice"], paths)
    cache_dir = tmp_path / "cache"
    proc = subprocess.Popen(sx_cmd("--root", store.root, "copy", "--to", f"file://{cache_dir}",
                                   "-j", "1", str(paths[-1])),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _kill_when(proc, lambda: _partial(cache_dir))
    assert _records(cache_dir) == []  # archives may be there; no record is
    cache = open_cache(f"file://{cache_dir}")
    # A later upload completes the job and everything is usable.
    report = copy_to(store, cache, [paths[-1]])
    assert len(report.uploaded) == 4
    policy = TrustPolicy((keys["alice"].public(),), 1)
    assert len(copy_from(store2, cache, [paths[-1]], policy).fetched) == 4


@pytest.mark.slow
def test_killed_upload_to_sx_serve(tmp_path: Path, store: LocalStore, closure: Closure,
                                   keys: dict[str, SecretKey]) -> None:
    paths = _big_closure(store, tmp_path, closure)
    sign(store, keys["alice"], paths)
    served = Served(tmp_path / "served", TOKEN)
    try:
        proc = subprocess.Popen(
            sx_cmd("--root", store.root, "copy", "--to", served.url, "-j", "1", str(paths[-1])),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "SX_UPLOAD_TOKEN": TOKEN})
        _kill_when(proc, lambda: _partial(served.dir))
        deadline = time.monotonic() + 10
        while _partial(served.dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _records(served.dir) == []
        assert open_cache(served.url).keys("info/") == []
    finally:
        served.stop()
