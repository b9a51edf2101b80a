"""Shared helpers and fixtures of the garbage collector's tests: stores, the CLI, processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from sx.store import nar
from sx.store.fsutil import canonicalize
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.path import StorePath, make_path

HELPER = str(Path(__file__).with_name("gc_helper.py"))
RunSx = Callable[..., subprocess.CompletedProcess[str]]


def sx_env(root: str) -> dict[str, str]:
    """Environment for sx processes on ``root`` (unbuffered, so lines arrive as printed)."""
    return {**os.environ, "SX_ROOT": root, "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def sx(root: str) -> RunSx:
    """Run the sx command line on ``root``; returns the completed process."""
    def run(*args: str, input: str | None = None, timeout: float = 120,
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sx.cli.main", *args], input=input,
                              capture_output=True, text=True, env=sx_env(root),
                              timeout=timeout, check=False)
    return run


def add(store: LocalStore, name: str, refs: Iterable[StorePath] = (), data: str = ""
        ) -> StorePath:
    """Add a small file (unique by name) referencing ``refs``; drops this process's roots."""
    refs = tuple(refs)
    body = (data or name) + "".join(f"\n{r}" for r in refs)
    path = store.add_bytes(body.encode(), name, references=refs).path
    store.temp_roots.close()
    return path


def chain(store: LocalStore, prefix: str, n: int) -> list[StorePath]:
    """``n`` paths where each references the one before."""
    out: list[StorePath] = []
    for i in range(n):
        out.append(add(store, f"{prefix}{i}", out[-1:]))
    return out


def bulk(store: LocalStore, prefix: str, n: int, files: int = 3,
         refs_of: Callable[[int, list[StorePath]], list[StorePath]] | None = None,
         ) -> list[StorePath]:
    """Register ``n`` directory paths quickly (one transaction), each holding ``files`` files.

    Objects are written canonically and hashed for real, so verify
    --check-contents agrees with them.
    """
    paths: list[StorePath] = []
    infos: list[PathInfo] = []
    with store.temp_dir() as tmp:
        for i in range(n):
            refs = tuple(refs_of(i, paths)) if refs_of else ()
            obj = os.path.join(tmp.path, f"o{i}")
            os.mkdir(obj)
            for k in range(files):
                with open(os.path.join(obj, f"f{k}"), "w") as f:
                    f.write(f"{prefix} {i} {k}\n" + "".join(f"{r}\n" for r in refs))
            canonicalize(obj)
            h, size = nar.hash_path(obj)
            p = make_path("source", h, f"{prefix}{i}", refs)
            os.rename(obj, store.real_path(p))
            paths.append(p)
            infos.append(PathInfo(p, h, size, refs, ca=f"source:{h}"))
        with store.db.write() as txn:
            for info in infos:
                store._register(txn, info)
    return paths


def root_link(store: LocalStore, name: str, path: StorePath) -> str:
    """Make ``path`` a GC root named ``name`` (direct symlink, as ``sx gc roots add`` does)."""
    link = os.path.join(store.gcroots, name)
    os.symlink(store.real_path(path), link)
    return link


class Helper:
    """A running helper process (tests/gc/gc_helper.py) talking line by line."""

    def __init__(self, root: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, HELPER, root, *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=sx_env(root))

    def line(self) -> str:
        """The next line the helper printed (fails if it exited)."""
        assert self.proc.stdout is not None
        text = self.proc.stdout.readline()
        if not text:
            assert self.proc.stderr is not None
            raise AssertionError(f"helper exited: {self.proc.wait()} {self.proc.stderr.read()}")
        return text.rstrip("\n")

    def until(self, want: str) -> list[str]:
        """Lines up to (not including) ``want``."""
        out = []
        while (text := self.line()) != want:
            out.append(text)
        return out

    def finish(self, timeout: float = 60) -> str:
        """Tell the helper to exit; returns the rest of its output."""
        out, err = self.proc.communicate("exit\n", timeout=timeout)
        assert self.proc.returncode == 0, err
        return out


@pytest.fixture
def helper(root: str) -> Iterator[Callable[..., Helper]]:
    """Start helper processes on ``root``; all are killed at the end of the test."""
    started: list[Helper] = []

    def start(*args: str) -> Helper:
        h = Helper(root, *args)
        started.append(h)
        return h

    yield start
    for h in started:
        if h.proc.poll() is None:
            h.proc.kill()
            h.proc.wait()


def registered_and_on_disk(store: LocalStore) -> tuple[set[str], set[str]]:
    """Base names in the database, and entries in the store directory."""
    return {p.base for p in store.all_paths()}, set(os.listdir(store.store_dir))
