"""A locked scratch directory under ``<root>/tmp`` (made by ``LocalStore.temp_dir``)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from sx.store.errors import StorageError


class TempDir:
    """A locked scratch directory; its lock file names the store entries it is about to create.

    A plain class (not a dataclass: see store/value.py for why), compared by
    identity: each one is its own directory and lock.
    """

    __slots__ = ("lock_fd", "path")

    def __init__(self, path: str, lock_fd: int) -> None:
        self.path = path
        self.lock_fd = lock_fd

    def __repr__(self) -> str:
        return f"TempDir(path={self.path!r}, lock_fd={self.lock_fd})"

    def mark_target(self, base: str) -> None:
        """Record which store entry this temp dir is about to create (for crash cleanup).

        Replaces what was recorded before.
        """
        self.mark_targets([base])

    def mark_targets(self, bases: Iterable[str]) -> None:
        """Record several store entries this temp dir is about to create."""
        data = "\n".join(bases).encode()
        try:
            os.ftruncate(self.lock_fd, 0)
            os.pwrite(self.lock_fd, data, 0)
        except OSError as e:
            raise StorageError(f"mark temp dir {self.path}: {e.strerror}") from e
