"""Walking a tree of any depth: iteratively, relative to directory descriptors.

Python's ``os.walk`` and ``shutil.rmtree`` (3.11) recurse, and the paths
they build stop working beyond PATH_MAX; a tree 5,000 levels deep (which a
builder can make) broke both. :class:`TreeWalk` keeps an explicit stack,
names every entry by a directory descriptor and a name (never a long path),
never follows a symlink, and holds at most a few dozen descriptors open
however deep the tree: a directory whose descriptor was closed is reopened
through ``..`` from its child, checked to be the same directory.

Events, in depth-first order (names sorted)::

    (ENTER, parent_fd, name, st)   a directory, before its contents
    (LEAVE, parent_fd, name, st)   the same directory, after them
    (ENTRY, parent_fd, name, st)   anything else (file, symlink, special)

``st`` is the entry's ``lstat``. The root is reported the same way, with
its parent directory's descriptor. Between an ENTER and the walker's next
step the caller may change the directory's mode (to be able to read it);
descriptors are valid only until the next event.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

from sx.store.errors import StorageError

ENTER, LEAVE, ENTRY = 0, 1, 2
Event = tuple[int, int, str, os.stat_result]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Descriptors kept open down the current branch; deeper ones are reopened.
_OPEN_LEVELS = 32


class _Level:
    """One directory on the current branch: its name, stat, descriptor, entries left."""

    __slots__ = ("fd", "name", "st", "todo")

    def __init__(self, name: str, st: os.stat_result, fd: int | None,
                 todo: list[str] | None = None) -> None:
        self.name = name
        self.st = st
        self.fd = fd
        self.todo = [] if todo is None else todo


class TreeWalk:
    """An iterable of events over the tree at ``root`` (see the module docstring).

    With ``missing_ok``, a directory that vanishes before it is opened (a
    concurrent remover) is skipped instead of raising ``FileNotFoundError``.
    """

    def __init__(self, root: str, missing_ok: bool = False) -> None:
        self.root = os.path.abspath(root)
        self.missing_ok = missing_ok
        self._stack: list[_Level] = []

    def path(self, name: str) -> str:
        """The path of ``name`` in the directory being walked (for messages)."""
        parts = [lv.name for lv in self._stack[1:]]
        base = os.path.join(self.root, *parts) if self._stack else os.path.dirname(self.root)
        return os.path.join(base, name)

    @property
    def depth(self) -> int:
        """Directory levels above the current entry (0 at the root's contents)."""
        return max(0, len(self._stack) - 1)

    def __iter__(self) -> Iterator[Event]:
        parent, name = os.path.split(self.root)
        pfd = os.open(parent or "/", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            try:
                st = os.lstat(name, dir_fd=pfd)
            except FileNotFoundError:
                if self.missing_ok:
                    return
                raise
            if not stat.S_ISDIR(st.st_mode):
                yield ENTRY, pfd, name, st
                return
            yield from self._walk(pfd, name, st)
        finally:
            for lv in self._stack:
                if lv.fd is not None:
                    os.close(lv.fd)
            self._stack.clear()
            os.close(pfd)

    def _walk(self, pfd: int, name: str, st: os.stat_result) -> Iterator[Event]:
        yield ENTER, pfd, name, st
        if not self._push(pfd, name, st):
            return
        while len(self._stack) > 1 or self._stack[0].todo:
            top = self._stack[-1]
            if not top.todo:
                fd = self._pop()
                yield LEAVE, fd, top.name, top.st
                continue
            child = top.todo.pop()
            fd = self._fd(len(self._stack) - 1)
            try:
                cst = os.lstat(child, dir_fd=fd)
            except FileNotFoundError:
                if self.missing_ok:
                    continue
                raise
            if stat.S_ISDIR(cst.st_mode):
                yield ENTER, fd, child, cst
                self._push(self._fd(len(self._stack) - 1), child, cst)
            else:
                yield ENTRY, fd, child, cst
        root = self._stack.pop()
        if root.fd is not None:
            os.close(root.fd)
        yield LEAVE, pfd, root.name, root.st

    def _push(self, pfd: int, name: str, st: os.stat_result) -> bool:
        try:
            fd = os.open(name, _DIR_FLAGS, dir_fd=pfd)
        except FileNotFoundError:
            if self.missing_ok:
                return False
            raise
        try:
            todo = sorted(os.listdir(fd), reverse=True)
        except BaseException:
            os.close(fd)
            raise
        self._stack.append(_Level(name, st, fd, todo))
        if len(self._stack) > _OPEN_LEVELS:
            old = self._stack[-1 - _OPEN_LEVELS]
            if old.fd is not None:
                os.close(old.fd)
                old.fd = None
        return True

    def _pop(self) -> int:
        """Leave the top directory; returns its parent's descriptor (reopened if needed)."""
        top = self._stack.pop()
        assert top.fd is not None
        try:
            self._fd_from_child(len(self._stack) - 1, top.fd)
        finally:
            os.close(top.fd)
        return self._fd(len(self._stack) - 1)

    def _fd(self, i: int) -> int:
        fd = self._stack[i].fd
        assert fd is not None
        return fd

    def _fd_from_child(self, i: int, child_fd: int) -> None:
        lv = self._stack[i]
        if lv.fd is not None:
            return
        fd = os.open("..", _DIR_FLAGS, dir_fd=child_fd)
        got = os.fstat(fd)
        if (got.st_dev, got.st_ino) != (lv.st.st_dev, lv.st.st_ino):
            os.close(fd)
            raise StorageError(f"walk {self.root}: a directory was moved while it was walked")
        lv.fd = fd


def walk(root: str, missing_ok: bool = False) -> Iterator[Event]:
    """The events of :class:`TreeWalk` over ``root``."""
    return iter(TreeWalk(root, missing_ok))
