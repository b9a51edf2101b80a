"""Finding references: which of a set of store path digests occur in some bytes.

A reference is the 32-character digest of a store path appearing anywhere in
a file's contents or a symlink's target (the name part is not needed, as in
Nix). The scanner looks for runs of base32 characters at least 32 long and
checks every 32-character window of such runs against the candidate set, so
its cost does not grow with the number of candidates. Chunks overlap by 31
bytes, so a digest split across a chunk boundary is still found.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from sx.store.path import DIGEST_LEN, StorePath
from sx.store.treewalk import ENTRY, walk

_RUN = re.compile(rb"[0-9a-df-np-sv-z]{32,}")
_CHUNK = 1 << 20


class RefScanner:
    """Accumulates which candidate digests were seen in the bytes fed to it."""

    def __init__(self, candidates: Iterable[str]) -> None:
        self.candidates = frozenset(c.encode() for c in candidates)
        self.found: set[str] = set()
        self._tail = b""

    def feed(self, data: bytes | memoryview) -> None:
        """Scan the next piece of a stream (call :meth:`reset` between files)."""
        if not self.candidates or len(self.found) == len(self.candidates):
            self._tail = b""
            return
        buf = self._tail + data if self._tail else data
        for m in _RUN.finditer(buf):
            run = bytes(m.group())
            if len(run) == DIGEST_LEN:
                if run in self.candidates:
                    self.found.add(run.decode())
                continue
            for i in range(len(run) - DIGEST_LEN + 1):
                window = run[i : i + DIGEST_LEN]
                if window in self.candidates:
                    self.found.add(window.decode())
        self._tail = bytes(buf[-(DIGEST_LEN - 1) :])

    def reset(self) -> None:
        """Forget the overlap carried from the previous piece (a new file begins)."""
        self._tail = b""


def scan_bytes(data: bytes, candidates: Iterable[str]) -> set[str]:
    """The candidate digests that occur in ``data``."""
    s = RefScanner(candidates)
    s.feed(data)
    return s.found


def scan_tree(root: str, candidates: Iterable[str]) -> set[str]:
    """The candidate digests that occur in any file or symlink target under ``root``."""
    s = RefScanner(candidates)
    if not s.candidates:
        return set()
    for fd, name, st in _leaves(root):
        s.reset()
        if stat.S_ISLNK(st.st_mode):
            s.feed(os.fsencode(os.readlink(name, dir_fd=fd)))
        elif stat.S_ISREG(st.st_mode):
            with _open(fd, name, os.O_RDONLY) as f:
                while chunk := f.read(_CHUNK):
                    s.feed(chunk)
        if len(s.found) == len(s.candidates):
            break
    return s.found


def _leaves(root: str) -> Iterator[tuple[int, str, os.stat_result]]:
    """(directory fd, name, lstat) of every file and symlink under ``root`` (any depth)."""
    for event, fd, name, st in walk(root):
        if event == ENTRY:
            yield fd, name, st


def _open(fd: int, name: str, flags: int) -> BinaryIO:
    return os.fdopen(os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd),
                     "rb" if flags == os.O_RDONLY else "r+b")


def references_in_tree(root: str, candidates: Iterable[StorePath]) -> set[StorePath]:
    """The store paths among ``candidates`` whose digests occur under ``root``."""
    by_digest = {p.digest: p for p in candidates}
    return {by_digest[d] for d in scan_tree(root, by_digest)}


def rewrite_tree(root: str, old: str, new: str) -> int:
    """Replace the digest ``old`` by ``new`` (same length) in every file and link target.

    Returns how many files or links changed. Used to move a content-addressed
    output from its scratch path to its final path.
    """
    assert len(old) == len(new) == DIGEST_LEN
    o, n = old.encode(), new.encode()
    changed = 0
    for fd, name, st in _leaves(root):
        if stat.S_ISLNK(st.st_mode):
            target = os.fsencode(os.readlink(name, dir_fd=fd))
            if o in target:
                os.unlink(name, dir_fd=fd)
                os.symlink(target.replace(o, n), name, dir_fd=fd)
                changed += 1
        elif stat.S_ISREG(st.st_mode):
            with _open(fd, name, os.O_RDONLY) as f:
                data = f.read()
            if o in data:
                mode = stat.S_IMODE(st.st_mode)
                os.chmod(name, mode | 0o200, dir_fd=fd)
                with _open(fd, name, os.O_RDWR) as f:
                    f.write(data.replace(o, n))
                os.chmod(name, mode, dir_fd=fd)
                changed += 1
    return changed
