"""File system helpers the store relies on: canonical modes, copying, syncing, removal.

Canonical form (as in Nix): regular files 0444, or 0555 when the owner may
execute them; directories 0555; mtime 1 everywhere (symlinks included); owner
root when running as root; nothing but files, directories and symlinks.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import sys
import threading
from collections.abc import Iterator
from typing import Any

from sx.store.errors import InvalidInput, StorageError
from sx.store.narwrite import copy_dump

CANONICAL_MTIME = 1
_IS_ROOT = os.geteuid() == 0


@functools.cache
def _libc() -> Any:
    # ctypes is imported here, not at the top: it adds ~5 ms to every command's start.
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def syncfs(path: str) -> None:
    """Flush every dirty page of the file system holding ``path`` (one call, many files)."""
    libc = _libc()
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if libc.syncfs(fd) != 0:
            import ctypes  # already loaded by _libc()

            err = ctypes.get_errno()
            raise StorageError(f"sync {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


WRITEBACK_INTERVAL = 0.05
"""Seconds between the flushes of :func:`early_writeback`."""

_flushers: dict[str, tuple[threading.Event, threading.Thread, int]] = {}
_flushers_lock = threading.Lock()


def _flush_loop(path: str, stop: threading.Event) -> None:
    while not stop.wait(WRITEBACK_INTERVAL):
        # Only a head start: the caller's own syncfs reports failures.
        with contextlib.suppress(OSError, StorageError):
            syncfs(path)


@contextlib.contextmanager
def early_writeback(path: str) -> Iterator[None]:
    """Write dirty data back to disk while the caller is still writing more.

    A store install ends with one ``syncfs``, which then waits for every page
    written so far. Flushing every :data:`WRITEBACK_INTERVAL` seconds on a
    background thread lets the disk work while the copy is still being made,
    so the final sync finds little left. Nested and concurrent users of the
    same ``path`` share one thread.
    """
    with _flushers_lock:
        entry = _flushers.get(path)
        if entry is None:
            stop = threading.Event()
            thread = threading.Thread(target=_flush_loop, args=(path, stop),
                                      name="sx-writeback", daemon=True)
            thread.start()
            entry = (stop, thread, 0)
        _flushers[path] = (entry[0], entry[1], entry[2] + 1)
    try:
        yield
    finally:
        with _flushers_lock:
            stop, thread, users = _flushers[path]
            if users == 1:
                del _flushers[path]
                stop.set()
            else:
                _flushers[path] = (stop, thread, users - 1)


def fsync_dir(path: str) -> None:
    """Make a rename or unlink in directory ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _canon_one(path: str, st: os.stat_result) -> None:
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        pass
    elif stat.S_ISREG(mode):
        want = 0o555 if mode & stat.S_IXUSR else 0o444
        if stat.S_IMODE(mode) != want:
            os.chmod(path, want)
    elif stat.S_ISDIR(mode):
        if stat.S_IMODE(mode) != 0o555:
            os.chmod(path, 0o555)
    else:
        raise InvalidInput(f"canonicalize {path!r}: unsupported file type (socket, device or fifo)")
    if _IS_ROOT and (st.st_uid or st.st_gid):
        os.lchown(path, 0, 0)
    if st.st_mtime != CANONICAL_MTIME:
        os.utime(path, (CANONICAL_MTIME, CANONICAL_MTIME), follow_symlinks=False)


def canonicalize(root: str) -> None:
    """Make a tree canonical: read-only modes (0444/0555), mtime 1, owner root when root.

    Children first, so that a directory's mtime and mode are set last.
    """
    st = os.lstat(root)
    if stat.S_ISDIR(st.st_mode):
        os.chmod(root, 0o755)
        for dirpath, dirnames, filenames in os.walk(root, topdown=False):
            for name in filenames:
                p = os.path.join(dirpath, name)
                _canon_one(p, os.lstat(p))
            for name in dirnames:
                p = os.path.join(dirpath, name)
                _canon_one(p, os.lstat(p))
        st = os.lstat(root)
    _canon_one(root, st)


class _NullSink:
    def update(self, data: bytes | memoryview, /) -> None:
        """Discard archive bytes (only the copy is wanted)."""

    def update_file(self, path: str, size: int, /) -> None:
        """Discard a file's archive bytes."""


def copy_canonical(src: str, dst: str) -> None:
    """Copy a tree to the new path ``dst`` already in canonical form.

    Only regular files, directories and symlinks are accepted
    (:class:`InvalidInput` otherwise); files are copied on a few threads.
    """
    copy_dump(src, dst, _NullSink(), "copy")


def make_writable(root: str) -> None:
    """Give the owner write permission on every directory (so a tree can be removed).

    Parts that vanish meanwhile (another process removing the same tree) are skipped.
    """
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        return
    with contextlib.suppress(FileNotFoundError):
        os.chmod(root, 0o755)
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            with contextlib.suppress(FileNotFoundError):
                if not stat.S_ISLNK(os.lstat(p).st_mode):
                    os.chmod(p, 0o755)


def _vanished_ok(func: Any, path: str, exc: BaseException) -> None:
    if not isinstance(exc, FileNotFoundError):
        raise exc


def remove_tree(path: str) -> None:
    """Remove a file or tree, read-only directories included; absent is fine.

    Safe to race with another process removing the same tree.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    make_writable(path)
    import shutil  # only here: it imports bz2 and lzma, which slow every command's start

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=_vanished_ok)
    else:
        shutil.rmtree(path, onerror=lambda f, p, info: _vanished_ok(f, p, info[1]))


def move_entry(src: str, dest: str) -> None:
    """Rename ``src`` to ``dest`` in another directory (into the store, or out to a temp dir).

    A directory that changes parent must be writable by its owner (the kernel
    rewrites its ``..``): an unprivileged owner briefly adds the write bit to
    a read-only one, and the mode is back as it was afterwards, also when the
    rename fails. Root needs no such bit.
    """
    st = os.lstat(src)
    if not stat.S_ISDIR(st.st_mode) or st.st_mode & 0o200 or os.geteuid() == 0:
        os.rename(src, dest)
        return
    os.chmod(src, st.st_mode | 0o200)
    moved = src
    try:
        os.rename(src, dest)
        moved = dest
    finally:
        os.chmod(moved, stat.S_IMODE(st.st_mode))
