"""Creating a tree from untrusted entries without ever reaching outside it.

Every extractor of sx (archive restore, export streams, OCI layers, cache
downloads, the unpack builtin) turns a list of entries someone else wrote
into files. An :class:`Extractor` is the one way they do it::

    with Extractor(dest, "import-oci img: layer sha256:...") as ex:
        ex.mkdir([])                           # the root itself, a directory
        ex.mkdir(["bin"])
        fd = ex.create_file(["bin", "sh"], executable=True)
        ...write the contents to fd, then os.close(fd)...
        ex.symlink(["lib"], "bin")
        ex.hardlink(["bin", "bash"], ["bin", "sh"])

An entry is named by its *parts*: the names from the root down (``[]`` is
the root). Entries are created relative to directory file descriptors, and
a directory is reached with ``openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)``
where the kernel has it, else one ``O_NOFOLLOW | O_DIRECTORY`` open per
component: a symlink (or a file) in the way is refused, never followed,
whether the archive made it or it was there before. Names are checked
(no ``/``, NUL, ``.``, ``..``; at most 255 bytes), and so are the path's
length, its depth and the number of entries (limits in
:mod:`sx.store.narformat`). Every refusal is :class:`~sx.store.errors.Corrupt`
with one line ``<what>: <entry>: <cause>``; a failure of the local file
system is :class:`~sx.store.errors.StorageError`. Nothing is removed on
error: ``dest`` lives in a temp dir that its owner removes.

Modes: directories are created 0755 and files 0444 or 0555; the caller
canonicalizes the finished tree, unless the extractor is made with
``canonical=True`` and the caller writes the tree in archive order: then
each entry gets its canonical metadata (:mod:`sx.store.fsutil`) as it is
made, and no second walk is needed. Nothing here recurses.
"""

from __future__ import annotations

import errno
import functools
import os
from collections import OrderedDict
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from sx.store.errors import Corrupt, StorageError
from sx.store.fsutil import DIR_MODE, file_mode, seal, umask
from sx.store.narformat import (
    MAX_DEPTH,
    MAX_ENTRIES,
    MAX_PATH,
    name_problem,
    shown_path,
    target_problem,
)
from sx.store.value import Value

Parts = Sequence[str | bytes]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# Directory descriptors kept open for reuse: entries mostly arrive directory
# by directory, so a few suffice; the rest are reopened on demand.
_CACHED_DIRS = 64
# openat2(2): resolve only beneath the starting directory, follow no symlink.
_SYS_OPENAT2 = 437
_RESOLVE = 0x02 | 0x04 | 0x08  # NO_MAGICLINKS | NO_SYMLINKS | BENEATH
# Errors of a path lookup that mean "something other than a directory is in the way".
_IN_THE_WAY = {errno.ENOTDIR, errno.ELOOP, errno.EXDEV}


class Limits(Value):
    """What one extraction may create (defaults: the store's limits)."""

    __slots__ = _fields = ("entries", "depth", "path")
    entries: int
    depth: int
    path: int

    def __init__(self, entries: int = MAX_ENTRIES, depth: int = MAX_DEPTH,
                 path: int = MAX_PATH) -> None:
        self._set("entries", entries)
        self._set("depth", depth)
        self._set("path", path)


@functools.cache
def _openat2() -> Any:
    """The ``openat2`` system call through ctypes, or None where the kernel refuses it."""
    import ctypes  # here, not at the top: ctypes costs every command ~5 ms to import

    class OpenHow(ctypes.Structure):
        _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                    ("resolve", ctypes.c_uint64)]

    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    how = OpenHow(_DIR_FLAGS, 0, _RESOLVE)
    size = ctypes.c_size_t(ctypes.sizeof(how))
    ref = ctypes.byref(how)

    def call(dir_fd: int, path: bytes) -> int:
        fd = int(syscall(ctypes.c_long(_SYS_OPENAT2), ctypes.c_int(dir_fd),
                         ctypes.c_char_p(path), ref, size))
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return fd

    probe = os.open("/", _DIR_FLAGS)
    try:
        os.close(call(probe, b"."))
    except OSError as e:
        if e.errno in (errno.ENOSYS, errno.EPERM, errno.EINVAL):
            return None  # an old kernel, or a seccomp filter that blocks it
        raise
    finally:
        os.close(probe)
    return call


USE_OPENAT2 = True
"""Use ``openat2`` where the kernel has it (tests switch it off to run the fallback)."""


class Extractor:
    """Creates the entries of one tree at ``dest`` (see the module docstring).

    ``dest`` is either absent (the first entry, ``[]``, creates it) or an
    existing directory that becomes the root. Its parent directory is the
    caller's own (a temp dir). With ``parents``, missing directories on the
    way to an entry are created (tar archives may omit them); with
    ``replace``, a later entry replaces an earlier non-directory of the same
    name (tar semantics) instead of being refused as a duplicate.

    With ``canonical``, files get their canonical mode whatever the umask,
    symlinks their canonical mtime, and a directory its mode and mtime when
    :meth:`seal_dir` says it is complete; a file's mtime is its writer's to
    set (after the last write).
    """

    def __init__(self, dest: str, what: str, limits: Limits | None = None, *,
                 parents: bool = False, replace: bool = False, canonical: bool = False) -> None:
        self.what = what
        self.canonical = canonical
        # The umask may clear bits of 0444/0555 (a canonical file then needs a chmod).
        self._fix_mode = canonical and bool(umask() & 0o555)
        self.limits = limits or Limits()
        self.parents = parents
        self.replace = replace
        self.entries = 0
        parent, name = os.path.split(os.path.abspath(dest))
        self._name = os.fsencode(name)
        self._dirs: OrderedDict[tuple[bytes, ...], int] = OrderedDict()
        self._files: set[tuple[bytes, ...]] = set()
        try:
            self._parent_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as e:
            raise StorageError(f"{what}: cannot open {parent!r}: {e.strerror}") from e
        try:
            self._dirs[()] = os.open(self._name, _DIR_FLAGS, dir_fd=self._parent_fd)
        except FileNotFoundError:
            pass
        except OSError as e:
            os.close(self._parent_fd)
            raise StorageError(f"{what}: destination {dest!r} is not a directory") from e

    # ---- the interface ---------------------------------------------------------------

    def mkdir(self, parts: Parts, exist_ok: bool = False) -> None:
        """Create the directory ``parts`` (``exist_ok``: an existing directory is fine)."""
        p = self._check(parts)
        fd, name = self._parent_of(p)
        try:
            os.mkdir(name, 0o755, dir_fd=fd)
        except FileExistsError:
            if not exist_ok:
                raise self._fail(p, "appears twice") from None
        except OSError as e:
            raise self._os_error(p, e) from e
        try:
            self._remember(p, os.open(name, _DIR_FLAGS, dir_fd=fd))
        except OSError as e:
            if e.errno in _IN_THE_WAY:
                raise self._fail(p, "exists and is not a directory") from None
            raise self._os_error(p, e) from e

    def create_file(self, parts: Parts, executable: bool = False) -> int:
        """Create the regular file ``parts``; returns a descriptor open for writing.

        The caller writes the contents and closes it.
        """
        p = self._check(parts)
        fd, name = self._parent_of(p)
        mode = file_mode(executable)
        try:
            out = int(self._create(p, fd, name,
                                   lambda: os.open(name, _FILE_FLAGS, mode, dir_fd=fd)))
        except OSError as e:
            raise self._os_error(p, e) from e
        if self._fix_mode:
            try:
                os.fchmod(out, mode)
            except OSError as e:
                os.close(out)
                raise self._os_error(p, e) from e
        self._files.add(p)
        return out

    def symlink(self, parts: Parts, target: str | bytes) -> None:
        """Create the symlink ``parts`` -> ``target`` (the target is never followed)."""
        p = self._check(parts)
        raw = os.fsencode(target)
        problem = target_problem(raw)
        if problem:
            raise self._fail(p, problem)
        fd, name = self._parent_of(p)
        try:
            self._create(p, fd, name, lambda: os.symlink(raw, name, dir_fd=fd))
            if self.canonical:
                seal(fd, name, None)
        except OSError as e:
            raise self._os_error(p, e) from e

    def seal_dir(self, parts: Parts) -> None:
        """Give the directory ``parts``, made by this extractor and now complete, its
        canonical mode and mtime (nothing can be created in it afterwards)."""
        p = tuple(os.fsencode(x) for x in parts)
        fd, name = self._parent_of(p)
        try:
            seal(fd, name, DIR_MODE)
        except OSError as e:
            raise self._os_error(p, e) from e

    def hardlink(self, parts: Parts, existing: Parts) -> None:
        """Create ``parts`` as another name of ``existing``, a regular file made by this
        extractor (anything else, a symlink in particular, is refused)."""
        p = self._check(parts)
        src = tuple(os.fsencode(x) for x in existing)
        if src not in self._files:
            raise self._fail(p, f"hard link to {shown_path(src)!r}, which is not a regular "
                                "file extracted before it")
        src_fd, src_name = self._parent_of(src)
        fd, name = self._parent_of(p)
        try:
            self._create(p, fd, name, lambda: os.link(
                src_name, name, src_dir_fd=src_fd, dst_dir_fd=fd, follow_symlinks=False))
        except OSError as e:
            raise self._os_error(p, e) from e
        self._files.add(p)

    def close(self) -> None:
        """Close every descriptor (idempotent). The tree stays where it is."""
        while self._dirs:
            os.close(self._dirs.popitem()[1])
        if self._parent_fd >= 0:
            os.close(self._parent_fd)
            self._parent_fd = -1

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ---- checks and messages ------------------------------------------------------------

    def _check(self, parts: Parts) -> tuple[bytes, ...]:
        p = tuple(os.fsencode(x) for x in parts)
        # A cached directory's names were checked when it was reached.
        for name in p[-1:] if p[:-1] in self._dirs else p:
            problem = name_problem(name)
            if problem:
                raise self._fail(p, problem)
        if len(p) > self.limits.depth:
            raise self._fail(p, f"deeper than {self.limits.depth} levels")
        length = sum(map(len, p)) + len(p) - 1
        if length > self.limits.path:
            raise self._fail(p, f"path of {length} bytes is longer than {self.limits.path}")
        self.entries += 1
        if self.entries > self.limits.entries:
            raise self._fail(p, f"more than {self.limits.entries} entries")
        return p

    def _fail(self, p: tuple[bytes, ...], cause: str) -> Corrupt:
        return Corrupt(f"{self.what}: {shown_path(p)!r}: {cause}")

    def _os_error(self, p: tuple[bytes, ...], e: OSError) -> Corrupt | StorageError:
        if e.errno == errno.EEXIST:
            return self._fail(p, "appears twice")
        if e.errno in _IN_THE_WAY:
            return self._fail(p, "a parent is not a directory (a symlink or a file)")
        if e.errno == errno.ENAMETOOLONG:
            return self._fail(p, "name too long")
        return StorageError(f"{self.what}: {shown_path(p)!r}: {e.strerror}")

    # ---- creating ---------------------------------------------------------------------------

    def _create(self, p: tuple[bytes, ...], fd: int, name: bytes, make: Any) -> Any:
        """Run ``make()``; an existing entry is a duplicate unless ``replace`` allows it."""
        try:
            return make()
        except FileExistsError:
            if not self.replace or not p:
                raise self._fail(p, "appears twice") from None
        try:
            os.unlink(name, dir_fd=fd)
        except IsADirectoryError:
            raise self._fail(p, "replaces a directory") from None
        self._files.discard(p)
        return make()

    def _parent_of(self, p: tuple[bytes, ...]) -> tuple[int, bytes]:
        """The directory descriptor and name where the entry ``p`` is created."""
        if not p:
            return self._parent_fd, self._name
        return self._dir(p[:-1], p), p[-1]

    def _dir(self, d: tuple[bytes, ...], entry: tuple[bytes, ...]) -> int:
        """A descriptor of the directory ``d`` of this tree, reached without following links."""
        fd = self._dirs.get(d)
        if fd is not None:
            self._dirs.move_to_end(d)
            return fd
        if () not in self._dirs:
            if not self.parents:
                raise self._fail(entry, "comes before the root directory")
            self.mkdir([])
            if not d:
                return self._dirs[()]
        i = len(d) - 1
        while i > 0 and d[:i] not in self._dirs:
            i -= 1
        fd = self._open_below(self._dirs[d[:i]], d[i:], d, entry)
        self._remember(d, fd)
        return fd

    def _open_below(self, base: int, rest: tuple[bytes, ...], d: tuple[bytes, ...],
                    entry: tuple[bytes, ...]) -> int:
        call = _openat2() if USE_OPENAT2 else None
        if call is not None:
            try:
                return int(call(base, b"/".join(rest)))
            except OSError as e:
                if e.errno != errno.ENOENT or not self.parents:
                    raise self._lookup_error(entry, e) from e
        fd = base
        try:
            for k, name in enumerate(rest):
                nxt = self._open_step(fd, name, d[: len(d) - len(rest) + k + 1], entry)
                if fd != base:
                    os.close(fd)
                fd = nxt
        except BaseException:
            if fd != base:
                os.close(fd)
            raise
        return fd

    def _open_step(self, fd: int, name: bytes, here: tuple[bytes, ...],
                   entry: tuple[bytes, ...]) -> int:
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=fd)
        except FileNotFoundError as e:
            if not self.parents:
                raise self._lookup_error(entry, e) from e
        except OSError as e:
            raise self._lookup_error(entry, e) from e
        self._check(here)
        try:
            os.mkdir(name, 0o755, dir_fd=fd)
            return os.open(name, _DIR_FLAGS, dir_fd=fd)
        except OSError as e:
            raise self._os_error(here, e) from e

    def _lookup_error(self, entry: tuple[bytes, ...], e: OSError) -> Corrupt | StorageError:
        if e.errno == errno.ENOENT:
            return self._fail(entry, "comes before its directory")
        return self._os_error(entry, e)

    def _remember(self, d: tuple[bytes, ...], fd: int) -> None:
        old = self._dirs.pop(d, None)
        if old is not None and old != fd:
            os.close(old)
        self._dirs[d] = fd
        while len(self._dirs) > _CACHED_DIRS:
            key = next(k for k in self._dirs if k)  # the root stays open
            os.close(self._dirs.pop(key))
