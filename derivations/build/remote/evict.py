"""The worker's input cache kept under a size bound: least recently used first, never in use.

Every byte of the cache lives in a blob (``blobs/``): trees are directories of
hard links to blobs, so the cache's size is the size of its blob files. When
it exceeds the bound, :meth:`Budget.evict` removes

1. blobs that no tree links to any more (link count 1) and no running action
   uses directly, least recently used first: this frees their bytes;
2. when that is not enough, the least recently used tree that no running
   action uses; its blobs may then become free for step 1.

An entry in use (pinned by a lease, see :meth:`Budget.pin`) is never removed,
nor is a blob linked from such a tree (its link count stays above 1). If
everything left is in use the cache stays over its bound until leases end.
Last use is kept in memory; entries found at start are ordered by their
ctime (when they were renamed into place).
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sx.store.fsutil import remove_tree


class Budget:
    """Size accounting, last use, pins and eviction for the cache at ``root``."""

    def __init__(self, root: str, limit: int | None) -> None:
        self.root = root
        self.limit = limit
        self.used: dict[str, float] = {}
        """``blobs/NAME`` or ``trees/NAME`` -> last use (monotonic-ish seconds)."""
        self.pins: Counter[str] = Counter()
        self.size = 0
        self._lock = threading.Lock()
        self._busy = threading.Condition(self._lock)
        self._readers = 0
        self._evicting = False
        for sub in ("blobs", "trees"):
            for e in os.scandir(os.path.join(root, sub)):
                st = e.stat(follow_symlinks=False)
                self.used[f"{sub}/{e.name}"] = st.st_ctime
                if sub == "blobs":
                    self.size += st.st_size

    # ---- use ------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold while materializing: eviction waits until no materialization runs."""
        with self._busy:
            while self._evicting:
                self._busy.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._busy:
                self._readers -= 1
                self._busy.notify_all()

    def touch(self, entry: str) -> None:
        """``entry`` (``blobs/NAME`` or ``trees/NAME``) was used now."""
        with self._lock:
            self.used[entry] = time.time()

    def added(self, entry: str, size: int) -> None:
        """A blob of ``size`` bytes was added."""
        with self._lock:
            self.used[entry] = time.time()
            self.size += size

    def pin(self, entries: list[str]) -> None:
        """Protect ``entries`` from eviction until :meth:`unpin`."""
        with self._lock:
            self.pins.update(entries)

    def unpin(self, entries: list[str]) -> None:
        """Release what :meth:`pin` protected."""
        with self._lock:
            self.pins.subtract(entries)
            self.pins += Counter()  # drop the zeros

    # ---- eviction -------------------------------------------------------------

    def evict(self) -> int:
        """Remove entries until the cache fits its bound (see the module docstring);
        returns the bytes freed."""
        if self.limit is None or self.size <= self.limit:
            return 0
        with self._busy:
            while self._evicting or self._readers:
                self._busy.wait()
            self._evicting = True
        try:
            return self._evict(self.limit)
        finally:
            with self._busy:
                self._evicting = False
                self._busy.notify_all()

    def _evict(self, limit: int) -> int:
        blobs: dict[int, tuple[str, int, int]] = {}  # inode -> (entry, size, links)
        for e in os.scandir(os.path.join(self.root, "blobs")):
            st = e.stat(follow_symlinks=False)
            blobs[st.st_ino] = (f"blobs/{e.name}", st.st_size, st.st_nlink)
        by_entry = {entry: ino for ino, (entry, _, _) in blobs.items()}
        self.size = sum(size for _, size, _ in blobs.values())  # the disk's word, not a tally
        freed = 0
        trees = sorted((t for t in self.used if t.startswith("trees/") and not self.pins[t]),
                       key=lambda t: self.used[t])
        while self.size > limit:
            free = sorted((entry for entry, ino in by_entry.items()
                           if blobs[ino][2] == 1 and not self.pins[entry]),
                          key=lambda b: self.used.get(b, 0.0))
            for entry in free:
                if self.size <= limit:
                    break
                ino = by_entry.pop(entry)
                os.unlink(os.path.join(self.root, entry))
                self.used.pop(entry, None)
                self.size -= blobs[ino][1]
                freed += blobs[ino][1]
            if self.size <= limit or not trees:
                break
            tree = trees.pop(0)
            for ino in self._inodes(os.path.join(self.root, tree)):
                if ino in blobs:
                    entry, size, links = blobs[ino]
                    blobs[ino] = (entry, size, links - 1)
            remove_tree(os.path.join(self.root, tree))
            self.used.pop(tree, None)
        return freed

    @staticmethod
    def _inodes(tree: str) -> Iterator[int]:
        """The inode of every regular file in ``tree`` (one per link)."""
        for dirpath, _, files in os.walk(tree):
            for name in files:
                st = os.lstat(os.path.join(dirpath, name))
                if stat.S_ISREG(st.st_mode):
                    yield st.st_ino
