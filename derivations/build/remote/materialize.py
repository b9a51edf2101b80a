"""The worker's input cache: input roots from the CAS as local trees, built once.

Layout under the cache directory:

* ``blobs/<hash>-<size>`` and ``blobs/<hash>-<size>.x``: one file per blob
  and executable bit, mode 0444 or 0555, mtime 1 (the store's canonical
  form); downloaded once, verified, renamed into place;
* ``trees/<hash>-<size>``: the directory tree of a ``Directory`` digest,
  its files hard links to the blobs (no second copy), read-only;
* ``links/<hash>``: a symlink per distinct target of a store path that is
  a symlink.

An output the worker uploaded is kept the same way (:meth:`InputCache.keep`):
its files become blobs by hard link (no copy), its directory a tree, so the
next action of a chain that takes it as input fetches nothing.

An input root maps to ``(host path, store base)`` pairs, the same inputs a
local build gives its sandbox: a store path that is a file is its blob, a
directory its tree, a symlink its link. Everything is created under fresh
temp names and renamed into place, so concurrent actions (and a crash) never
see half a tree. Names are checked like archive entries; the tree's size
and depth are bounded; a blob that does not match its digest is refused.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass

from sx.derivations.build.remote.cas import Cas
from sx.derivations.build.remote.digests import BlobDigest, digest_bytes
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.evict import Budget
from sx.derivations.build.remote.merkle import STORE_PREFIX, Tree
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.store.errors import InvalidInput
from sx.store.fdio import write_all
from sx.store.fsutil import remove_tree
from sx.store.path import StorePath

MAX_ENTRIES = 1 << 20
MAX_DEPTH = 1024
_MAX_NAME = 255
_MAX_TARGET = 4095


def _check_name(name: str, where: str) -> None:
    raw = name.encode()
    if not raw or name in (".", "..") or "/" in name or "\0" in name or len(raw) > _MAX_NAME:
        raise RemoteError(f"remote action: input {where}: invalid entry name {name[:80]!r}")


def _check_target(target: str, where: str) -> None:
    if not target or "\0" in target or len(target.encode()) > _MAX_TARGET:
        raise RemoteError(f"remote action: input {where}: invalid symlink target")


def _entries(d: re_pb.Directory, where: str) -> None:
    """Refuse a directory whose names are invalid or repeated."""
    names = [f.name for f in d.files] + [s.name for s in d.directories] + \
        [s.name for s in d.symlinks]
    for n in names:
        _check_name(n, where)
    if len(set(names)) != len(names):
        raise RemoteError(f"remote action: input {where}: an entry name appears twice")
    for s in d.symlinks:
        _check_target(s.target, f"{where}/{s.name}")


@dataclass(frozen=True)
class Inputs:
    """The materialized input root: ``(host path, store base)`` per store path."""

    paths: list[tuple[str, str]]
    fetched: int
    """Blobs downloaded for it (0: everything was cached)."""
    entries: list[str]
    """The cache entries it uses, pinned until :meth:`InputCache.release`."""


class InputCache:
    """Input trees under ``root`` (see the module docstring)."""

    def __init__(self, root: str, cas: Cas, limit: int | None = None) -> None:
        self.root = root
        self.cas = cas
        for sub in ("blobs", "trees", "links", "tmp"):
            os.makedirs(os.path.join(root, sub), exist_ok=True)
        self.budget = Budget(root, limit)
        """Its size bound (``limit`` bytes of blobs; None: unbounded) and eviction."""

    def release(self, inputs: Inputs) -> None:
        """The action that used ``inputs`` is over: they may be evicted."""
        self.budget.unpin(inputs.entries)

    def evict(self) -> int:
        """Bring the cache under its bound (least recently used first, never what a
        running action uses); returns the bytes freed."""
        return self.budget.evict()

    def _tmp(self) -> str:
        return os.path.join(self.root, "tmp", secrets.token_hex(8))

    def _dir(self, d: BlobDigest, memo: dict[BlobDigest, re_pb.Directory]) -> re_pb.Directory:
        got = memo.get(d)
        if got is None:
            got = re_pb.Directory.FromString(self.cas.read_blob(d))
            memo[d] = got
        return got

    def materialize(self, root: BlobDigest, root_data: bytes | None = None) -> Inputs:
        """The inputs of the input root ``root`` (fetching what is not cached), pinned
        in the cache until :meth:`release`.

        ``root_data``: the root Directory's bytes when the caller has them (verified).
        """
        with self.budget.reading():
            got = self._materialize(root, root_data)
            self.budget.pin(got.entries)
            for e in got.entries:
                self.budget.touch(e)
        return got

    def _materialize(self, root: BlobDigest, root_data: bytes | None) -> Inputs:
        memo: dict[BlobDigest, re_pb.Directory] = {}
        if root_data is not None:
            memo[root] = re_pb.Directory.FromString(root_data)
        d = self._dir(root, memo)
        for part in STORE_PREFIX.split("/"):
            if d.files or d.symlinks or len(d.directories) != 1 or d.directories[0].name != part:
                raise RemoteError(f"remote action: input root is not laid out as "
                                  f"{STORE_PREFIX}/<store paths>")
            d = self._dir(BlobDigest.of(d.directories[0].digest), memo)
        _entries(d, STORE_PREFIX)
        for n in [f.name for f in d.files] + [s.name for s in d.directories] + \
                [s.name for s in d.symlinks]:
            try:
                StorePath.parse(f"/sx/store/{n}")
            except InvalidInput:
                raise RemoteError(f"remote action: input {n[:80]!r} is not a store path "
                                  "base name") from None
        # What is missing is fetched together: the directories of every missing tree
        # level by level (one read per level, not per tree), then the files of those
        # trees and the store paths that are files in one batch.
        files = [(BlobDigest.of(f.digest), f.is_executable) for f in d.files]
        tops = {s.name: BlobDigest.of(s.digest) for s in d.directories}
        missing = {n: t for n, t in tops.items() if not os.path.isdir(self._tree_path(t))}
        trees = self._walk(missing, memo)
        wanted = {(BlobDigest.of(f.digest), f.is_executable)
                  for dirs in trees.values() for msg in dirs.values() for f in msg.files}
        wanted.update(files)
        fetched = self._fetch_blobs(wanted)
        paths = [(self.blob_path(b, x), f.name) for (b, x), f in zip(files, d.files,
                                                                      strict=True)]
        paths += [(self._link(s.target), s.name) for s in d.symlinks]
        for name, top in tops.items():
            if name in trees:
                self._make_tree(top, trees[name], self._tree_path(top))
            paths.append((self._tree_path(top), name))
        entries = sorted({os.path.relpath(p, self.root) for p, _ in paths
                          if not p.startswith(os.path.join(self.root, "links", ""))})
        return Inputs(sorted(paths, key=lambda p: p[1]), fetched, entries)

    # ---- outputs kept ------------------------------------------------------------

    def keep(self, out: Tree) -> None:
        """Keep the output ``out`` (just uploaded, its files in a finished sandbox's
        scratch store) as if an action had fetched it: its files linked in as blobs,
        owned by the worker, read-only; a directory as its tree. Counted in the bound."""
        n = out.node
        if n.target is not None or n.digest is None:
            return  # a symlink costs nothing to make when it is an input
        dirs = {d: re_pb.Directory.FromString(b.data) for d, b in out.blobs.items()
                if n.is_dir and b.data is not None}
        wanted = {(BlobDigest.of(f.digest), f.is_executable)
                  for msg in dirs.values() for f in msg.files} if n.is_dir \
            else {(n.digest, n.executable)}
        with self.budget.reading():
            for d, x in sorted(wanted):
                src = out.blobs[d].path
                if src is not None and not os.path.exists(self.blob_path(d, x)):
                    self._adopt(d, x, src)
            if n.is_dir:
                final = self._tree_path(n.digest)
                if not os.path.isdir(final):
                    self._make_tree(n.digest, dirs, final)
                self.budget.touch(os.path.relpath(final, self.root))

    def _adopt(self, d: BlobDigest, executable: bool, src: str) -> None:
        """Make the file ``src`` (of digest ``d``) blob ``d``: a hard link when it can be
        made the worker's and read-only, else a copy."""
        tmp = self._tmp()
        try:
            os.link(src, tmp, follow_symlinks=False)
            st = os.lstat(tmp)
            if not stat.S_ISREG(st.st_mode) or st.st_size != d.size:
                raise OSError(errno.EINVAL, "not the file that was uploaded")
            if st.st_nlink > 2:  # linked elsewhere too (another name, the other mode)
                raise OSError(errno.EMLINK, "linked elsewhere")
            if st.st_uid != os.geteuid():  # the builder's mapped user: only root may
                os.chown(tmp, os.geteuid(), os.getegid(), follow_symlinks=False)
        except OSError:
            if os.path.lexists(tmp):
                os.unlink(tmp)
            _copy_regular(src, tmp, d.size)
        os.chmod(tmp, 0o555 if executable else 0o444)  # a regular file: checked above
        os.utime(tmp, (1, 1))
        final = self.blob_path(d, executable)
        os.replace(tmp, final)
        self.budget.added(os.path.relpath(final, self.root), d.size)

    # ---- blobs ------------------------------------------------------------------

    def blob_path(self, d: BlobDigest, executable: bool) -> str:
        """Where blob ``d`` lives (with the executable bit or without)."""
        return os.path.join(self.root, "blobs", f"{d.hash}-{d.size}{'.x' if executable else ''}")

    def _fetch_blobs(self, wanted: Iterable[tuple[BlobDigest, bool]]) -> int:
        """Download those of ``wanted`` not in the cache; returns how many. Small ones
        go in batches, each written out before the next is read, so the worker holds
        at most one batch in memory whatever the number of inputs."""
        todo = sorted((d, x) for d, x in set(wanted) if not os.path.exists(self.blob_path(d, x)))
        chunk: list[tuple[BlobDigest, bool]] = []
        size = 0
        for d, x in todo:
            if d.size > self.cas.batch:
                self._put_blob(d, x, None)
                continue
            if chunk and size + d.size > self.cas.batch:
                self._put_chunk(chunk)
                chunk, size = [], 0
            chunk.append((d, x))
            size += d.size
        if chunk:
            self._put_chunk(chunk)
        return len(todo)

    def _put_chunk(self, chunk: list[tuple[BlobDigest, bool]]) -> None:
        data = self.cas.read_blobs(d for d, _ in chunk)
        for d, x in chunk:
            self._put_blob(d, x, data[d])

    def _put_blob(self, d: BlobDigest, executable: bool, data: bytes | None) -> None:
        """Write blob ``d`` into the cache: ``data`` when read in a batch, else streamed."""
        tmp = self._tmp()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            if data is not None:
                write_all(fd, data)
            else:
                self.cas.read_to_file(d, fd)
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
        os.close(fd)
        os.chmod(tmp, 0o555 if executable else 0o444)
        os.utime(tmp, (1, 1))
        final = self.blob_path(d, executable)
        os.replace(tmp, final)
        self.budget.added(os.path.relpath(final, self.root), d.size)

    def _link(self, target: str) -> str:
        _check_target(target, "symlink")
        path = os.path.join(self.root, "links", digest_bytes(self.cas.fn, target.encode()).hash)
        if not os.path.lexists(path):
            tmp = self._tmp()
            os.symlink(target, tmp)
            os.replace(tmp, path)
        return path

    # ---- trees ------------------------------------------------------------------

    def _tree_path(self, top: BlobDigest) -> str:
        return os.path.join(self.root, "trees", f"{top.hash}-{top.size}")

    def _make_tree(self, top: BlobDigest, dirs: dict[BlobDigest, re_pb.Directory],
                   final: str) -> None:
        """Build the tree ``top`` under a temp name and rename it to ``final`` (or drop
        it: another action built it meanwhile)."""
        tmp = self._tmp()
        try:
            self._build(tmp, top, dirs)
            try:
                os.rename(tmp, final)
            except OSError as e:
                if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                remove_tree(tmp)  # another action built the same tree meanwhile
            else:
                # Only now: renaming a directory needs write access to it (its "..").
                os.chmod(final, 0o555)
                os.utime(final, (1, 1))
        except BaseException:
            remove_tree(tmp)
            raise

    def _walk(self, tops: dict[str, BlobDigest], memo: dict[BlobDigest, re_pb.Directory]
              ) -> dict[str, dict[BlobDigest, re_pb.Directory]]:
        """Every directory beneath each of ``tops`` (input name -> top), checked, each
        tree within its bounds; fetched level by level, one batch for all the trees."""
        out: dict[str, dict[BlobDigest, re_pb.Directory]] = {n: {} for n in tops}
        levels = {n: [t] for n, t in tops.items()}
        entries = dict.fromkeys(tops, 0)
        depth = 0
        while levels:
            depth += 1
            if depth > MAX_DEPTH:
                raise RemoteError(f"remote action: input {min(levels)}: deeper than {MAX_DEPTH}")
            need = {d for level in levels.values() for d in level if d not in memo}
            if need:
                for d, data in self.cas.read_blobs(need).items():
                    memo[d] = re_pb.Directory.FromString(data)
            nxt: dict[str, list[BlobDigest]] = {}
            for where, level in sorted(levels.items()):
                dirs = out[where]
                for d in level:
                    if d in dirs:
                        continue
                    msg = memo[d]
                    _entries(msg, where)
                    entries[where] += len(msg.files) + len(msg.directories) + len(msg.symlinks)
                    if entries[where] > MAX_ENTRIES:
                        raise RemoteError(f"remote action: input {where}: more than "
                                          f"{MAX_ENTRIES} entries")
                    dirs[d] = msg
                    nxt.setdefault(where, []).extend(BlobDigest.of(s.digest)
                                                     for s in msg.directories)
            levels = {n: level for n, level in nxt.items() if level}
        return out

    def _build(self, dest: str, top: BlobDigest, dirs: dict[BlobDigest, re_pb.Directory]
               ) -> None:
        """Create the tree ``top`` at the new path ``dest``; directories below it end 0555,
        mtime 1 (``dest`` itself stays writable until it is renamed into place)."""
        os.mkdir(dest, 0o755)
        stack: list[tuple[str, BlobDigest, bool]] = [(dest, top, False)]
        while stack:
            path, d, done = stack.pop()
            if done:
                if path != dest:
                    os.chmod(path, 0o555)
                os.utime(path, (1, 1))
                continue
            stack.append((path, d, True))
            msg = dirs[d]
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                for f in msg.files:
                    src = self.blob_path(BlobDigest.of(f.digest), f.is_executable)
                    try:
                        os.link(src, f.name, dst_dir_fd=fd)
                    except OSError as e:
                        if e.errno != errno.EMLINK:
                            raise
                        shutil.copy2(src, os.path.join(path, f.name))  # link count exhausted
                for s in msg.symlinks:
                    os.symlink(s.target, s.name, dir_fd=fd)
                    os.utime(s.name, (1, 1), dir_fd=fd, follow_symlinks=False)
                for sub in msg.directories:
                    os.mkdir(sub.name, 0o755, dir_fd=fd)
                    stack.append((os.path.join(path, sub.name), BlobDigest.of(sub.digest),
                                  False))
            finally:
                os.close(fd)


def _copy_regular(src: str, dest: str, size: int) -> None:
    """Copy the regular file ``src`` (``size`` bytes, never through a symlink) to the new
    file ``dest``."""
    fin = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fin)
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            raise OSError(errno.EINVAL, f"{src}: not the file that was uploaded")
        fout = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW |
                       os.O_CLOEXEC, 0o600)
        try:
            while os.sendfile(fout, fin, None, 1 << 20):
                pass
        finally:
            os.close(fout)
    finally:
        os.close(fin)
