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
import threading
from collections.abc import Callable, Iterator, Sequence

from sx.store.errors import InvalidInput, StorageError
from sx.store.treewalk import ENTER, LEAVE, TreeWalk, walk

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any

CANONICAL_MTIME = 1
_IS_ROOT = os.geteuid() == 0
DIR_MODE = 0o555
"""A canonical directory's permission bits."""


def file_mode(executable: bool) -> int:
    """A canonical regular file's permission bits: 0555 if the owner may execute it, else 0444."""
    return 0o555 if executable else 0o444


def canonical_mode(mode: int) -> int | None:
    """The permission bits that the canonical form gives an entry of ``mode`` (type and bits).

    None for a symlink (its own bits are never set); :class:`ValueError` for
    any type but files, directories and symlinks, which have no canonical form.
    """
    if stat.S_ISREG(mode):
        return file_mode(bool(mode & stat.S_IXUSR))
    if stat.S_ISDIR(mode):
        return DIR_MODE
    if stat.S_ISLNK(mode):
        return None
    raise ValueError("unsupported file type (socket, device or fifo)")


def canonical_owner(st: os.stat_result) -> bool:
    """Whether an entry's owner is canonical: root's (uid and gid 0) when running as root."""
    return not _IS_ROOT or not (st.st_uid or st.st_gid)


def umask() -> int:
    """The process's umask."""
    # /proc avoids os.umask()'s set-and-restore, which races with other threads.
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o777


def seal(fd: int, name: str | bytes, mode: int | None) -> None:
    """Set the canonical mtime and, unless None, the canonical ``mode`` of the entry ``name``
    in the directory ``fd``, without looking at it first (its creator knows what it is).

    Owners are not touched: entries created by this process under a
    directory that :func:`canonical_owner` accepts are owned canonically.
    Symlinks are never followed.
    """
    if mode is not None:
        os.chmod(name, mode, dir_fd=fd)
    os.utime(name, (CANONICAL_MTIME, CANONICAL_MTIME), dir_fd=fd, follow_symlinks=False)
_STREAM_CHUNK = 1 << 20


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


WRITEBACK_MIN = 32 << 20
"""Bytes below which :func:`early_writeback` starts nothing (the final sync is short anyway)."""


@contextlib.contextmanager
def early_writeback(path: str, size: int | None = None) -> Iterator[None]:
    """Write dirty data back to disk while the caller is still writing more.

    A store install ends with one ``syncfs``, which then waits for every page
    written so far. Flushing every :data:`WRITEBACK_INTERVAL` seconds on a
    background thread lets the disk work while the copy is still being made,
    so the final sync finds little left. Nested and concurrent users of the
    same ``path`` share one thread.

    ``size``, when the caller knows it, is how much it is about to write:
    under :data:`WRITEBACK_MIN` no thread is started, since a ``syncfs``
    during a small install gains little and waits for every other writer
    on the file system (other stores, other builds).
    """
    if size is not None and size < WRITEBACK_MIN:
        yield
        return
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


SMALL_SYNC = 64
"""Entries up to which :func:`sync_trees` fsyncs each one rather than the whole file system."""


def _entries(paths: Sequence[str], limit: int) -> list[str] | None:
    """The files and directories of the trees at ``paths`` (None: more than ``limit``)."""
    out: list[str] = []
    todo = list(paths)
    while todo:
        p = todo.pop()
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            continue  # a symlink is made durable by its directory
        out.append(p)
        if stat.S_ISDIR(st.st_mode):
            with os.scandir(p) as it:
                todo.extend(e.path for e in it)
        if len(out) + len(todo) > limit:
            return None
    return out


def sync_trees(paths: Sequence[str], fs_path: str, limit: int = SMALL_SYNC) -> None:
    """Make the trees at ``paths`` durable: their data, and the entries of their directories.

    Not the entries naming the trees themselves: they are about to be
    renamed into ``store/``, whose directory is synced after the renames.

    A few entries are fsynced one by one, which waits only for these bytes;
    more than ``limit`` take one ``syncfs`` of the file system holding
    ``fs_path``, which is cheaper than thousands of fsyncs but also waits
    for whatever else is being written there (other builds, other stores).
    """
    try:
        entries = _entries(paths, limit)
    except OSError as e:
        raise StorageError(f"sync {e.filename}: {e.strerror}") from e
    if entries is None:
        syncfs(fs_path)
        return
    for p in entries:
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            raise StorageError(f"sync {p}: {e.strerror}") from e


def fsync_dir(path: str) -> None:
    """Make a rename or unlink in directory ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _canon_one(fd: int, name: str, st: os.stat_result, where: TreeWalk) -> None:
    try:
        want = canonical_mode(st.st_mode)
    except ValueError as e:
        raise InvalidInput(f"canonicalize {where.path(name)!r}: {e}") from None
    if want is not None and stat.S_IMODE(st.st_mode) != want:
        os.chmod(name, want, dir_fd=fd)
    if not canonical_owner(st):
        os.chown(name, 0, 0, dir_fd=fd, follow_symlinks=False)
    if st.st_mtime != CANONICAL_MTIME:
        os.utime(name, (CANONICAL_MTIME, CANONICAL_MTIME), dir_fd=fd, follow_symlinks=False)


def _open_up(fd: int, name: str, st: os.stat_result) -> None:
    """Let the owner list, enter and change a directory (a builder may have locked it)."""
    if stat.S_IMODE(st.st_mode) & 0o700 != 0o700:
        os.chmod(name, 0o755, dir_fd=fd)


def canonicalize(root: str) -> None:
    """Make a tree canonical: read-only modes (0444/0555), mtime 1, owner root when root.

    Children first, so that a directory's mtime and mode are set last. Any
    depth; symlinks are never followed.
    """
    walker = TreeWalk(root)
    for event, fd, name, st in walker:
        if event == ENTER:
            _open_up(fd, name, st)
        elif event == LEAVE:
            _canon_one(fd, name, os.lstat(name, dir_fd=fd), walker)
        else:
            _canon_one(fd, name, st, walker)


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
    from sx.store.narwrite import copy_dump  # narwrite imports this module

    copy_dump(src, dst, _NullSink(), "copy")


def move_out(src: str, dst: str) -> None:
    """Rename ``src`` (a store object, maybe a read-only directory) to ``dst`` in a temp dir.

    Moving a directory to another parent rewrites its ``..``, which needs
    write permission on the directory itself unless one is root: a read-only
    one is opened up first (it is on its way out).
    """
    try:
        os.rename(src, dst)
    except PermissionError:
        if not stat.S_ISDIR(os.lstat(src).st_mode):
            raise
        os.chmod(src, 0o755)
        os.rename(src, dst)


def move_in(obj: str, dest: str) -> None:
    """Rename the canonical object ``obj`` to ``dest`` in the store, keeping it canonical.

    For the same reason as :func:`move_out`, a directory is made writable for
    the rename when not running as root, and read-only (0555) again right
    after; the caller does both inside the transaction that registers it, so a
    crash in between leaves an unregistered object that the next open removes.
    """
    if _IS_ROOT or not stat.S_ISDIR(os.lstat(obj).st_mode):
        os.rename(obj, dest)
        return
    os.chmod(obj, 0o755)
    try:
        os.rename(obj, dest)
    finally:
        os.chmod(dest if os.path.lexists(dest) else obj, 0o555)


def make_writable(root: str) -> None:
    """Give the owner write permission on every directory (so a tree can be removed).

    Parts that vanish meanwhile (another process removing the same tree) are skipped.
    """
    for event, fd, name, st in walk(root, missing_ok=True):
        if event == ENTER and stat.S_IMODE(st.st_mode) != 0o755:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(name, 0o755, dir_fd=fd)


def remove_tree(path: str) -> None:
    """Remove a file or tree, read-only directories included; absent is fine.

    Iterative and descriptor-relative: any depth, any path length. Safe to
    race with another process removing the same tree.
    """
    for event, fd, name, st in walk(path, missing_ok=True):
        with contextlib.suppress(FileNotFoundError):
            if event == ENTER:
                _open_up(fd, name, st)
            elif event == LEAVE:
                os.rmdir(name, dir_fd=fd)
            else:
                os.unlink(name, dir_fd=fd)


def stream_file(path: str, size: int, emit: Callable[[bytes], object], verb: str) -> None:
    """Feed exactly ``size`` bytes of the file at ``path`` to ``emit``, in chunks.

    Archives are written from sizes measured before the bytes are read: a file
    that shrinks in between is :class:`InvalidInput` (``verb`` names the work).
    """
    with open(path, "rb") as src:
        left = size
        while left:
            chunk = src.read(min(_STREAM_CHUNK, left))
            if not chunk:
                raise InvalidInput(f"{verb} {path!r}: file shrank while reading")
            emit(chunk)
            left -= len(chunk)
