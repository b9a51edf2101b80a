"""File system helpers the store relies on: canonical modes, copying, syncing, removal."""

from __future__ import annotations

import ctypes
import os
import shutil
import stat

from sx.store.errors import InvalidInput, StorageError

CANONICAL_MTIME = 1
_libc = ctypes.CDLL(None, use_errno=True)
_IS_ROOT = os.geteuid() == 0


def syncfs(path: str) -> None:
    """Flush every dirty page of the file system holding ``path`` (one call, many files)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _libc.syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise StorageError(f"sync {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


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
        want = 0o555 if mode & 0o111 else 0o444
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


def copy_canonical(src: str, dst: str) -> None:
    """Copy a tree to the new path ``dst`` already in canonical form.

    Only regular files, directories and symlinks are accepted; an executable
    bit anywhere in a file's mode makes it 0555, otherwise 0444.
    """
    st = os.lstat(src)
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        os.symlink(os.readlink(src), dst)
        os.utime(dst, (CANONICAL_MTIME, CANONICAL_MTIME), follow_symlinks=False)
    elif stat.S_ISREG(mode):
        _copy_file(src, dst, 0o555 if mode & 0o111 else 0o444, st.st_size)
    elif stat.S_ISDIR(mode):
        os.mkdir(dst, 0o755)
        with os.scandir(src) as it:
            entries = [e.name for e in it]
        for name in entries:
            copy_canonical(os.path.join(src, name), os.path.join(dst, name))
        os.chmod(dst, 0o555)
        os.utime(dst, (CANONICAL_MTIME, CANONICAL_MTIME))
    else:
        raise InvalidInput(f"add {src!r}: unsupported file type (socket, device or fifo)")


def _copy_file(src: str, dst: str, mode: int, size: int) -> None:
    fin = os.open(src, os.O_RDONLY)
    try:
        fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            left = size
            while left > 0:
                n = os.copy_file_range(fin, fout, left)
                if n == 0:
                    break
                left -= n
            os.utime(fout, (CANONICAL_MTIME, CANONICAL_MTIME))
        finally:
            os.close(fout)
    finally:
        os.close(fin)


def make_writable(root: str) -> None:
    """Give the owner write permission on every directory (so a tree can be removed)."""
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        return
    os.chmod(root, 0o755)
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                os.chmod(p, 0o755)


def remove_tree(path: str) -> None:
    """Remove a file or tree, read-only directories included; absent is fine."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        make_writable(path)
        shutil.rmtree(path, ignore_errors=False)
    else:
        os.unlink(path)
