"""The local store: objects on disk under ``<root>/store`` plus the LMDB database.

Physical layout (docs/store-layout.md)::

    <root>/store/<digest>-<name>   the objects, read-only, mtime 1
    <root>/var/db/                 LMDB environment
    <root>/var/gcroots/            indirect GC roots (symlinks)
    <root>/var/temproots/          temp roots of running processes
    <root>/var/log/                build logs
    <root>/tmp/                    locked temp dirs (same file system as store/)

Atomicity: an object is prepared in a locked temp dir, made canonical,
synced, and then, inside the single LMDB write transaction, renamed into
``store/`` and registered. A crash before the commit leaves an unregistered
object whose temp lock names it; the next open removes it. Adding content
that is already valid is a no-op, also when two processes race.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from sx.store.closure import closure_infos, closure_records, ordered_closure, topo_order
from sx.store.db import Database, Txn
from sx.store.errors import (
    InvalidInput,
    InvalidPath,
    MissingReference,
    NotFound,
    StorageError,
    StoreError,
)
from sx.store.fdio import write_all
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.path import STORE_DIR, StorePath, make_path, validate_name
from sx.store.roots import TempRoots
from sx.store.tempdir import TempDir

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import BinaryIO

    from sx.store.nar import Measured
    from sx.store.registration import Prepared

# The archive code (sx.store.nar, fsutil, registration) is imported by the
# methods that write or read objects, not here: read-only commands (queries,
# closures) open the store without paying for it at start-up.

__all__ = ["LocalStore", "TempDir", "default_root"]

# Suffix of a temp dir's lock file before it is locked and renamed to ``.lock``;
# one older than this was left by a process that died in between.
_NEW_LOCK = ".lock-new"
_STALE_NEW_LOCK = 600.0
RESERVE = 1 << 20
"""Bytes kept free for the garbage collector in ``<root>/var/reserve`` (as Nix's
``gc-reserved-space``): enough for its markers and database pages."""


def _older_than(path: str, seconds: float) -> bool:
    try:
        return time.time() - os.lstat(path).st_mtime > seconds
    except FileNotFoundError:
        return False


def default_root() -> str:
    """``$SX_ROOT``, else ``/sx`` where writable, else ``$XDG_DATA_HOME/sx``."""
    env = os.environ.get("SX_ROOT")
    if env:
        return env
    if os.access("/sx", os.W_OK) or (not os.path.exists("/sx") and os.access("/", os.W_OK)):
        return "/sx"
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(xdg, "sx")


class LocalStore:
    """A store rooted at a physical directory. Safe to use from many processes at once."""

    def __init__(self, root: str | None = None) -> None:
        self.root = os.path.abspath(root or default_root())
        self.store_dir = os.path.join(self.root, "store")
        self.var = os.path.join(self.root, "var")
        self.tmp = os.path.join(self.root, "tmp")
        self.gcroots = os.path.join(self.var, "gcroots")
        self.logs = os.path.join(self.var, "log")
        try:
            for d in (self.store_dir, self.tmp, self.gcroots, self.logs,
                      os.path.join(self.var, "temproots")):
                os.makedirs(d, exist_ok=True)
        except OSError as e:
            raise StorageError(f"open store {self.root}: {e.strerror}") from e
        self.db = Database(os.path.join(self.var, "db"))
        self.temp_roots = TempRoots(self.var)
        self.cleanup_leftovers()
        self.ensure_reserve()

    def close(self) -> None:
        """Drop this process's temp roots and its use of the database (idempotent)."""
        self.temp_roots.close()
        if not getattr(self, "_closed", False):
            self._closed = True
            self.db.close()

    # ---- locations -------------------------------------------------------------

    def real_path(self, path: StorePath) -> str:
        """Where the bytes of ``path`` live on this machine."""
        return os.path.join(self.store_dir, path.base)

    def to_logical(self, physical: str) -> str:
        """Map a physical path inside this store back to ``/sx/store/...``."""
        rel = os.path.relpath(os.path.abspath(physical), self.store_dir)
        if rel.startswith(".."):
            raise InvalidInput(f"locate {physical!r}: not inside the store {self.store_dir}")
        return f"{STORE_DIR}/{rel}"

    def parse_path(self, text: str, exact: bool = False) -> StorePath:
        """The store path ``text`` names (any form :func:`sx.store.locate.locate` accepts).

        A file inside a store path names that path, unless ``exact`` (for
        commands that destroy what they are given): then it is refused.
        """
        from sx.store.locate import locate

        found = locate(self.store_dir, text)
        if found is None:
            raise InvalidPath(f"parse store path {text!r}: not under {STORE_DIR}")
        path, rest = found
        if exact and rest:
            raise InvalidPath(f"parse store path {text!r}: names a file inside {path}, "
                              "not a store path")
        return path

    # ---- space for the collector ---------------------------------------------------

    @property
    def reserve(self) -> str:
        """The file holding :data:`RESERVE` bytes of space for GC on a full disk."""
        return os.path.join(self.var, "reserve")

    def ensure_reserve(self) -> None:
        """Create the reserve file if it is missing (silently not, when there is no room).

        A collection or deletion removes it first (:meth:`release_reserve`), so
        it has room for its lock files and database pages even on a file system
        that is 100% full, and the deletions then free the rest.
        """
        try:
            if os.stat(self.reserve).st_blocks * 512 >= RESERVE:
                return
        except FileNotFoundError:
            pass
        tmp = f"{self.reserve}.new-{os.getpid()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.posix_fallocate(fd, 0, RESERVE)
            finally:
                os.close(fd)
            os.rename(tmp, self.reserve)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def release_reserve(self) -> None:
        """Give the reserve's space back to the file system (GC and deletion call this)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.reserve)

    # ---- temp dirs and crash leftovers ----------------------------------------

    @contextmanager
    def temp_dir(self) -> Iterator[TempDir]:
        """A fresh locked temp dir; it and anything left in it are removed on exit.

        The lock file only appears under its final ``.lock`` name once it is
        locked, so :meth:`cleanup_leftovers` never mistakes a temp dir being
        born for a dead one.
        """
        from sx.store.fsutil import remove_tree
        name = os.urandom(8).hex()
        lock_path = os.path.join(self.tmp, name + ".lock")
        new_path = os.path.join(self.tmp, name + _NEW_LOCK)
        path = os.path.join(self.tmp, name)
        try:
            fd = os.open(new_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise StorageError(f"make a temp dir in {self.tmp}: {e.strerror}") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.rename(new_path, lock_path)
            os.mkdir(path, 0o755)
        except BaseException as e:
            os.close(fd)
            for leftover in (new_path, lock_path):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
            if isinstance(e, OSError):
                raise StorageError(f"make a temp dir in {self.tmp}: {e.strerror}") from e
            raise
        try:
            yield TempDir(path, fd)
        finally:
            try:
                remove_tree(path)
                os.unlink(lock_path)
            finally:
                os.close(fd)

    def cleanup_leftovers(self) -> int:
        """Remove what crashed processes left behind; returns how many items.

        That is: temp dirs whose lock no live process holds, the store
        entries they were about to create if no transaction registered them,
        and trash of interrupted deletions. A leftover that cannot be removed
        (or parsed) does not stop the others, nor the command that opened the
        store: it is described in :attr:`leftover_problems` instead.
        """
        self.leftover_problems: list[str] = []
        removed = 0
        try:
            names = os.listdir(self.tmp)
        except FileNotFoundError:
            return 0
        for name in names:
            full = os.path.join(self.tmp, name)
            try:
                if name.endswith(".lock"):
                    removed += self._cleanup_temp(name)
                elif name.startswith("trash-"):
                    from sx.store.fsutil import remove_tree

                    remove_tree(full)
                    removed += 1
                elif name.endswith(_NEW_LOCK) and _older_than(full, _STALE_NEW_LOCK):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(full)
                    removed += 1
            except (OSError, StoreError) as e:
                cause = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
                self.leftover_problems.append(f"cannot remove leftover {full}: {cause}")
        return removed

    def _cleanup_temp(self, lock_name: str) -> int:
        from sx.store.fsutil import remove_tree
        lock_path = os.path.join(self.tmp, lock_name)
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            return 0
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0  # its owner is alive
            if os.fstat(fd).st_nlink == 0:
                return 0  # its owner finished and removed it meanwhile
            removed = 0
            for target in os.pread(fd, 1 << 16, 0).decode(errors="replace").split():
                removed += self._remove_if_unregistered(target)
            remove_tree(os.path.join(self.tmp, lock_name[: -len(".lock")]))
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path)
            return removed + 1
        finally:
            os.close(fd)

    def _remove_if_unregistered(self, base: str) -> int:
        from sx.store.fsutil import move_out, remove_tree
        if "/" in base or not base:
            return 0
        with self.db.write() as txn:
            if txn.has("paths", base.encode()):
                return 0
            victim = os.path.join(self.store_dir, base)
            if not os.path.lexists(victim):
                return 0
            trash = os.path.join(self.tmp, f"trash-{os.urandom(8).hex()}")
            move_out(victim, trash)
        remove_tree(trash)
        return 1

    def unregistered_entries(self) -> list[str]:
        """Entries of ``store/`` that the database does not know (crash leftovers)."""
        with self.db.read() as txn:
            return sorted(
                name for name in os.listdir(self.store_dir)
                if not txn.has("paths", name.encode())
            )

    # ---- queries ------------------------------------------------------------------

    def query(self, path: StorePath) -> PathInfo | None:
        """The path's info, or None when it is not valid."""
        with self.db.read() as txn:
            return self._query(txn, path)

    @staticmethod
    def _query(txn: Txn, path: StorePath) -> PathInfo | None:
        rec = txn.get("paths", path.base.encode())
        return None if rec is None else PathInfo.from_record(path, rec)

    def require(self, path: StorePath) -> PathInfo:
        """The path's info; :class:`NotFound` when it is not valid."""
        with self.db.read() as txn:
            return self._require(txn, path)

    def _require(self, txn: Txn, path: StorePath) -> PathInfo:
        info = self._query(txn, path)
        if info is None:
            raise NotFound(f"query {path}: not a valid path in store {self.root}")
        return info

    def is_valid(self, path: StorePath) -> bool:
        """Whether ``path`` is registered."""
        with self.db.read() as txn:
            return txn.has("paths", path.base.encode())

    def valid_subset(self, paths: Iterable[StorePath]) -> set[StorePath]:
        """Those of ``paths`` that are registered (one snapshot)."""
        with self.db.read() as txn:
            return {p for p in paths if txn.has("paths", p.base.encode())}

    def all_paths(self) -> list[StorePath]:
        """Every valid path, in name order."""
        with self.db.read() as txn:
            return [StorePath.from_base(k.decode()) for k in txn.keys("paths")]

    def referrers(self, path: StorePath) -> list[StorePath]:
        """Valid paths that reference ``path`` (itself excluded)."""
        prefix = path.base.encode() + b"\0"
        with self.db.read() as txn:
            out = [StorePath.from_base(k[len(prefix):].decode()) for k in txn.keys(
                "referrers", prefix)]
        return [p for p in out if p != path]

    def closure(self, paths: Iterable[StorePath]) -> set[StorePath]:
        """All paths reachable from ``paths`` through references (themselves included)."""
        with self.db.read() as txn:
            return {StorePath.from_base(b) for b in closure_records(txn, paths)}

    def closure_infos(self, paths: Iterable[StorePath]) -> list[PathInfo]:
        """The infos of the closure of ``paths``, references before referrers (one snapshot)."""
        with self.db.read() as txn:
            return closure_infos(txn, paths)

    def sorted_closure(self, paths: Iterable[StorePath]) -> list[StorePath]:
        """The closure of ``paths``, references before referrers (one snapshot).

        The same as ``topo_sort(closure(paths))``, without building path infos.
        """
        with self.db.read() as txn:
            return [p for p, _ in ordered_closure(txn, paths)]

    def closure_references(self, paths: Iterable[StorePath]
                           ) -> dict[StorePath, tuple[StorePath, ...]]:
        """Every path of the closure of ``paths`` with its sorted references (one snapshot)."""
        with self.db.read() as txn:
            records = closure_records(txn, paths)
        return {StorePath.from_base(b): tuple(StorePath.from_base(r) for r in sorted(rec["refs"]))
                for b, rec in records.items()}

    def topo_sort(self, paths: Iterable[StorePath]) -> list[StorePath]:
        """``paths`` ordered so that references come before their referrers."""
        pset = set(paths)
        with self.db.read() as txn:
            refs = {p: self._require(txn, p).references for p in pset}
        return topo_order(pset, refs.__getitem__)

    # ---- adding -----------------------------------------------------------------

    def add_tree(
        self,
        src: str,
        name: str | None = None,
        references: Iterable[StorePath] = (),
    ) -> PathInfo:
        """Copy a file or tree into the store as a ``source`` object.

        Idempotent: the same content, name and references give the same path,
        and adding it again (from any process, at any time) changes nothing.
        """
        with self.temp_dir() as tmp:
            prepared = self.prepare_tree(tmp, "obj", src, name, references)
            return self.install_many([prepared], f"add {src!r}:")[0]

    def prepare_tree(self, tmp: TempDir, entry: str, src: str, name: str | None = None,
                     references: Iterable[StorePath] = (), size: int | None = None) -> Prepared:
        """Copy ``src`` to ``entry`` in ``tmp`` as a ``source`` object, ready to install.

        What :meth:`add_tree` installs alone; a caller adding more objects at
        once (a source and the ``.drv`` files that use it) passes it to
        :meth:`install_many` with the others, so all share one sync.
        ``size``: the archive size when the caller knows it (a small tree
        then starts no early writeback, see :func:`fsutil.early_writeback`).
        """
        from sx.store import nar
        from sx.store.fsutil import early_writeback
        from sx.store.registration import Prepared
        if not os.path.lexists(src):
            raise InvalidInput(f"add {src!r}: no such file or directory")
        name = validate_name(name or os.path.basename(os.path.abspath(src)))
        refs = tuple(references)
        self._require_valid(refs, f"add {src!r}")
        obj = os.path.join(tmp.path, entry)
        with early_writeback(self.tmp, size):
            nar_hash, size = nar.copy_hashed(src, obj, "add")
        path = make_path("source", nar_hash, name, refs)
        info = PathInfo(path, nar_hash, size, refs, registered=int(time.time()),
                        ca=f"source:{nar_hash}")
        return Prepared(tmp, obj, info, nar.Measured(nar_hash, size))

    def add_bytes(self, data: bytes, name: str, kind: str = "source",
                  references: Iterable[StorePath] = (), executable: bool = False) -> PathInfo:
        """Add a single file with the given contents (e.g. a ``.drv``)."""
        from sx.store import nar
        from sx.store.fsutil import canonicalize
        validate_name(name)
        refs = tuple(references)
        self._require_valid(refs, f"add {name}")
        with self.temp_dir() as tmp:
            obj = os.path.join(tmp.path, "obj")
            fd = os.open(obj, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         0o555 if executable else 0o444)
            try:
                write_all(fd, data)
            finally:
                os.close(fd)
            canonicalize(obj)
            nar_hash, size = nar.hash_path(obj)
            path = make_path(kind, nar_hash, name, refs)
            info = PathInfo(path, nar_hash, size, refs, registered=int(time.time()),
                            ca=f"{kind}:{nar_hash}")
            return self.install(tmp, obj, info, nar.Measured(nar_hash, size), "add")

    def _require_valid(self, refs: Iterable[StorePath], what: str) -> None:
        refs = list(refs)
        missing = sorted(set(refs) - self.valid_subset(refs))
        if missing:
            raise MissingReference(f"{what}: referenced path {missing[0]} is not valid")

    def install(self, tmp: TempDir, obj: str, info: PathInfo, measured: Measured | None = None,
                verb: str = "register") -> PathInfo:
        """Check the object ``obj`` (inside ``tmp``) against ``info``, move it into place
        and register it: :meth:`install_many` for one object."""
        from sx.store.registration import Prepared
        return self.install_many([Prepared(tmp, obj, info, measured)], verb)[0]

    def install_many(self, items: Sequence[Prepared | tuple[TempDir, str, PathInfo]],
                     verb: str = "register",
                     realisations: Sequence[tuple[Realisation, StorePath | None]] = ()
                     ) -> list[PathInfo]:
        """The one way paths enter the store: check each, then install all in one transaction.

        Each object is checked against its info first (archive hash and size,
        content address, references: :func:`sx.store.registration.check`;
        an item carrying that function's proof for its tree and record is not
        hashed again); any failure raises before anything moves, naming ``verb``.
        Then one sync makes every object durable before the renames (fsyncs of
        each entry for a few, one ``syncfs`` for many: :func:`sync_trees`); each temp
        dir's lock names the entries it is about to create, so a crash
        between rename and commit is cleaned up by the next open. Atomic and
        idempotent: returns the infos in the order given (the existing ones
        for paths already valid, whose objects are left alone).
        ``realisations`` (of these paths or valid ones) are recorded in the
        same transaction, as :meth:`register_realisations` would.
        """
        from sx.store.fsutil import sync_trees
        from sx.store.registration import Prepared, check
        prepared = [Prepared(*it) for it in items]
        self.temp_roots.add([p.info.path for p in prepared])
        with self.db.read() as txn:
            todo = [p for p in prepared if not txn.has("paths", p.info.path.base.encode())]
        todo = [check(p, verb) for p in todo]
        if todo:
            sync_trees([p.obj for p in todo], self.tmp)
            targets: dict[int, tuple[TempDir, list[str]]] = {}
            for p in todo:
                targets.setdefault(id(p.tmp), (p.tmp, []))[1].append(p.info.path.base)
            for tmp, bases in targets.values():
                tmp.mark_targets(bases)
            self._commit(todo, realisations)
        elif realisations:
            self.register_realisations(realisations)
        with self.db.read() as txn:
            out = [self._query(txn, p.info.path) for p in prepared]
        missing = [p.info.path for p, o in zip(prepared, out, strict=True) if o is None]
        if missing:
            # Only a concurrent deletion can do this; the caller holds temp roots.
            raise StorageError(f"register {missing[0]}: deleted concurrently")
        return [o for o in out if o is not None]

    def _commit(self, items: list[Prepared],
                realisations: Sequence[tuple[Realisation, StorePath | None]] = ()) -> None:
        from sx.store.fsutil import fsync_dir, move_in, move_out
        batch = {p.info.path for p in items}
        moved: list[tuple[str, str]] = []
        try:
            with self.db.write() as txn:
                for tmp, obj, info, *_ in items:
                    if txn.has("paths", info.path.base.encode()):
                        continue
                    for ref in info.references:
                        if ref not in batch and not txn.has("paths", ref.base.encode()):
                            raise MissingReference(
                                f"register {info.path}: referenced path {ref} is not valid")
                    dest = self.real_path(info.path)
                    if os.path.lexists(dest):
                        # An unregistered leftover of a crashed add: replace it.
                        move_out(dest, os.path.join(tmp.path, f"stale-{os.urandom(4).hex()}"))
                    move_in(obj, dest)
                    moved.append((dest, obj))
                    self._register(txn, info)
                self._put_realisations(txn, realisations)
                if moved:
                    fsync_dir(self.store_dir)
        except BaseException:
            for dest, obj in reversed(moved):
                if os.path.lexists(dest) and not os.path.lexists(obj):
                    move_in(dest, obj)
            raise

    @staticmethod
    def _register(txn: Txn, info: PathInfo) -> None:
        txn.put("paths", info.path.base.encode(), info.to_record())
        for ref in info.references:
            txn.put_raw("referrers", ref.base.encode() + b"\0" + info.path.base.encode(), b"")

    def add_signatures(self, path: StorePath, sigs: Iterable[str]) -> PathInfo:
        """Merge signatures into a valid path's info."""
        with self.db.write() as txn:
            info = self._query(txn, path)
            if info is None:
                raise NotFound(f"sign {path}: not a valid path")
            info = info.with_signatures(tuple(sigs))
            txn.put("paths", path.base.encode(), info.to_record())
        return info

    # ---- realisations ---------------------------------------------------------------

    def query_realisation(self, drv_hash: Digest, output: str) -> Realisation | None:
        """The path a resolved derivation's output realized to, or None."""
        key = f"{drv_hash}!{output}"
        with self.db.read() as txn:
            rec = txn.get("realisations", key.encode())
        return None if rec is None else Realisation.from_record(key, rec)

    def register_realisation(self, r: Realisation, drv_path: StorePath | None = None) -> None:
        """Record (or merge signatures into) a realisation; the path must be valid."""
        self.register_realisations([(r, drv_path)])

    def register_realisations(
        self, items: Iterable[tuple[Realisation, StorePath | None]]
    ) -> None:
        """Record many realisations in one transaction (all or nothing).

        Each path must be valid. An existing realisation to a *different* path
        (or, for a derivation realisation, resolved against other inputs) is
        kept: the first result wins, and a later different one is a
        reproducibility finding for the caller to report, not an update.
        Signatures on the same result are merged.
        """
        with self.db.write() as txn:
            self._put_realisations(txn, items)

    @staticmethod
    def _put_realisations(txn: Txn, items: Iterable[tuple[Realisation, StorePath | None]]
                          ) -> None:
        for r, drv_path in items:
            if not txn.has("paths", r.path.base.encode()):
                raise MissingReference(f"register realisation {r.key}: {r.path} is not valid")
            old = txn.get("realisations", r.key.encode())
            if old is not None:
                prev = Realisation.from_record(r.key, old)
                if prev.fingerprint() != r.fingerprint():
                    continue  # another result (or other inputs): the first one stays
                r = prev.with_signatures(r.signatures)
            txn.put("realisations", r.key.encode(), r.to_record())
            if drv_path is not None:
                txn.put("drvoutputs", f"{drv_path.base}!{r.output}".encode(), r.path.base)

    def all_realisations(self) -> list[Realisation]:
        """Every realisation in the database."""
        with self.db.read() as txn:
            return [Realisation.from_record(k.decode(), v) for k, v in txn.items("realisations")]

    def derivation_outputs(self, drv: StorePath) -> dict[str, StorePath]:
        """Outputs a ``.drv`` path was built to in this store."""
        prefix = drv.base.encode() + b"!"
        with self.db.read() as txn:
            return {k[len(prefix):].decode(): StorePath.from_base(v)
                    for k, v in txn.items("drvoutputs", prefix)}

    # ---- archives ---------------------------------------------------------------------

    def dump(self, path: StorePath, out: BinaryIO) -> int:
        """Write the archive of a valid path to ``out``; returns its size."""
        from sx.store import nar
        self.require(path)
        sink = nar.FileSink(out)
        nar.dump(self.real_path(path), sink)
        return sink.size

    def restore_nar(self, tmp: TempDir, read: Callable[[int], bytes], info: PathInfo,
                    what: str) -> Prepared:
        """Unpack an archive of the declared size into ``tmp``, ready for :meth:`install_many`.

        At most ``info.nar_size`` bytes are read; the hash, size, references
        and content address are checked when it is installed.
        """
        from sx.store import nar
        from sx.store.fsutil import early_writeback
        from sx.store.registration import Prepared
        obj = os.path.join(tmp.path, "obj")
        digests = [r.digest for r in info.references]
        with early_writeback(self.tmp):
            measured = nar.restore(read, obj, what, size=info.nar_size, scan=digests,
                                   canonical=True)
        return Prepared(tmp, obj, info, measured)

    # ---- verification ------------------------------------------------------------------

    def verify(self, check_contents: bool = False, repair: bool = False) -> list[str]:
        """Check the store; returns problems found (empty when consistent).

        Always: leftovers of crashed adds are removed (those that cannot be
        are reported); every reference of a
        valid path is valid; every valid path exists on disk. With
        ``check_contents``: every path's archive hash is recomputed. With
        ``repair``: paths that are missing or whose contents differ are
        unregistered (with their referrers) so they can be rebuilt or fetched.
        """
        from sx.store import nar
        problems: list[str] = []
        self.cleanup_leftovers()
        problems.extend(self.leftover_problems)
        for entry in self.unregistered_entries():
            removed = self._remove_if_unregistered(entry)
            if removed:
                problems.append(f"removed unregistered leftover {STORE_DIR}/{entry}")
        bad: list[StorePath] = []
        with self.db.read() as txn:
            for key, rec in txn.items("paths"):
                path = StorePath.from_base(key.decode())
                info = PathInfo.from_record(path, rec)
                for ref in info.references:
                    if not txn.has("paths", ref.base.encode()):
                        problems.append(f"{path}: references missing path {ref}")
                real = self.real_path(path)
                if not os.path.lexists(real):
                    problems.append(f"{path}: registered but missing on disk")
                    bad.append(path)
                    continue
                if check_contents:
                    try:
                        got, _ = nar.hash_path(real, "b3", "verify")
                    except InvalidInput as e:
                        problems.append(f"{path}: contents cannot be archived: {e}")
                        bad.append(path)
                        continue
                    if got != info.nar_hash:
                        problems.append(
                            f"{path}: contents changed: expected {info.nar_hash}, actual {got}")
                        bad.append(path)
        if repair and bad:
            self.unregister(self._with_referrers(bad))
        return problems

    def _with_referrers(self, paths: Iterable[StorePath]) -> list[StorePath]:
        out: set[StorePath] = set()
        todo = list(paths)
        while todo:
            p = todo.pop()
            if p in out:
                continue
            out.add(p)
            todo.extend(self.referrers(p))
        return sorted(out)

    # ---- deletion -------------------------------------------------------------------------

    def unregister(self, paths: Iterable[StorePath]) -> None:
        """Unregister paths (then remove them from disk). Callers check liveness."""
        from sx.store.fsutil import move_out, remove_tree
        paths = list(paths)
        trash: list[str] = []
        with self.db.write() as txn:
            for p in paths:
                rec = txn.get("paths", p.base.encode())
                if rec is None:
                    continue
                for ref in rec["refs"]:
                    txn.delete("referrers", ref.encode() + b"\0" + p.base.encode())
                txn.delete("paths", p.base.encode())
                for k in list(txn.keys("drvoutputs", p.base.encode() + b"!")):
                    txn.delete("drvoutputs", k)
        for p in paths:
            real = self.real_path(p)
            if os.path.lexists(real):
                t = os.path.join(self.tmp, f"trash-{os.urandom(8).hex()}")
                try:
                    move_out(real, t)
                    trash.append(t)
                except FileNotFoundError:
                    pass
        for t in trash:
            remove_tree(t)

