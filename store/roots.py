"""Temporary GC roots held by running sx processes, and the GC lock.

Protocol (see docs/gc.md):

* Each process that uses or produces store paths owns a file
  ``<root>/var/temproots/<pid>-<random>`` and holds an exclusive ``flock`` on
  it for its whole life. Roots are appended one base name per line.
* Appending happens under a *shared* lock on ``<root>/var/gc.lock``. The
  collector holds that lock *exclusively* for its whole run. So a root is
  either written before the collector starts (and it sees it) or after it
  has finished (and the caller re-checks that the path is still valid).
* The collector treats a temp-roots file whose lock it can take as the
  leftover of a dead process and removes it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sx.store.path import StorePath

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from sx.store.local import LocalStore


@contextmanager
def gc_lock_shared(var: str) -> Iterator[None]:
    """Hold the GC lock shared: no collection runs meanwhile."""
    fd = os.open(os.path.join(var, "gc.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


@contextmanager
def gc_lock_exclusive(var: str, wait: bool = True) -> Iterator[bool]:
    """Hold the GC lock exclusively (the collector). Yields False if ``wait`` is off and busy."""
    fd = os.open(os.path.join(var, "gc.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


class TempRoots:
    """This process's temp roots in one store; created lazily on first use."""

    def __init__(self, var: str) -> None:
        self.var = var
        self.dir = os.path.join(var, "temproots")
        self._fd: int | None = None
        self._held: set[str] = set()
        self.pid = os.getpid()

    def _file(self) -> int:
        if self._fd is None or self.pid != os.getpid():
            self.pid = os.getpid()
            self._held = set()
            name = f"{self.pid}-{os.urandom(4).hex()}"
            fd = os.open(os.path.join(self.dir, name), os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._fd = fd
        return self._fd

    def add(self, paths: Iterable[StorePath]) -> None:
        """Protect ``paths`` from collection until this process exits (or :meth:`close`)."""
        new = [p.base for p in paths if p.base not in self._held]
        if not new:
            return
        fd = self._file()
        with gc_lock_shared(self.var):
            os.write(fd, "".join(b + "\n" for b in new).encode())
        self._held.update(new)

    def close(self) -> None:
        """Drop every temp root of this process."""
        if self._fd is not None and self.pid == os.getpid():
            os.close(self._fd)
        self._fd = None
        self._held = set()


def read_all(var: str) -> set[str]:
    """Base names held as temp roots by live processes; removes dead processes' files."""
    d = os.path.join(var, "temproots")
    live: set[str] = set()
    for name in os.listdir(d):
        path = os.path.join(d, name)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                with open(path, "rb") as f:
                    live.update(line.decode() for line in f.read().split(b"\n") if line)
                continue
            os.unlink(path)
        finally:
            os.close(fd)
    return live


def protect(store: LocalStore, paths: Iterable[StorePath]) -> set[StorePath]:
    """Make ``paths`` temp roots of this process; return those that are not valid.

    Call it before using store paths (a build's inputs, paths being exported
    or copied). Once it returns, every returned-as-valid path and its whole
    closure stays valid until this process exits: either the root was
    written before a collection started (the collector sees it) or after it
    finished (the validity check here sees what it removed). A non-empty
    result means those paths must be built or fetched again. Never call it
    from inside :func:`collect_garbage` (the collector holds the GC lock).
    """
    paths = list(paths)
    store.temp_roots.add(paths)
    return set(paths) - store.valid_subset(paths)
