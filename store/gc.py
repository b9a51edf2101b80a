"""Garbage collection: roots, mark and sweep, safe against concurrent builds and adds.

A path is *live* when it is reachable through references from a root:

* indirect roots: symlinks anywhere under ``<root>/var/gcroots``, pointing
  either straight at a store path (logical ``/sx/store/...`` or physical) or
  at an out-link symlink elsewhere that points at one. A root whose chain
  ends anywhere else (the out-link was removed) is *stale* and ignored;
* temp roots: the paths every running sx process has announced through
  :class:`sx.store.roots.TempRoots` (see that module for the lock protocol).

Optionally the derivers of live paths (``keep_derivations``) and the outputs
of live derivations (``keep_outputs``) are live too.

The collector holds ``var/gc.lock`` exclusively for its whole run, so no
temp root can be announced meanwhile: a process that announces one later
re-checks validity (:func:`protect`). The mark reads one LMDB snapshot. The
sweep deletes dead paths referrers-first, in batches, each batch one write
transaction; inside it a path is deleted only if no referrer is left, so a
path registered after the snapshot that references a dead path keeps it (and,
by the same rule, its references) alive. Objects leave the disk only after
their batch has committed, and each one is named beforehand in a locked temp
marker, so a collector killed at any point leaves either registered objects
or unregistered ones that the next store open removes.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

from sx.store.db import Txn
from sx.store.errors import InvalidInput, NotFound, StillAlive
from sx.store.fsutil import move_out, remove_tree
from sx.store.local import LocalStore, TempDir
from sx.store.path import STORE_DIR, StorePath
from sx.store.roots import gc_lock_exclusive, gc_lock_shared
from sx.store.roots import protect as protect  # its home is roots.py; re-exported
from sx.store.value import Value

# Paths deleted per write transaction: short enough that builders waiting on
# the LMDB write lock are not held up, long enough that commits stay cheap.
BATCH = 256
# Symlink hops followed from a root before giving up (loops, long chains).
MAX_HOPS = 8
_ROOT_NAME_RE = re.compile(r"[A-Za-z0-9+\-._=@]+")


# ---- values ---------------------------------------------------------------------------


class Root(Value):
    """One GC root: where it is, what it points at, and the store path it keeps (or None)."""

    __slots__ = _fields = ("link", "target", "path", "kind")
    link: str
    target: str
    path: StorePath | None
    kind: str  # "direct", "indirect" or "temp"

    def __init__(self, link: str, target: str, path: StorePath | None, kind: str) -> None:
        self._set("link", link)
        self._set("target", target)
        self._set("path", path)
        self._set("kind", kind)

    @property
    def stale(self) -> bool:
        """True when the root keeps nothing (its out-link or target is gone)."""
        return self.path is None


class GCOptions(Value):
    """What a collection keeps and how far it goes."""

    __slots__ = _fields = ("keep_outputs", "keep_derivations", "max_freed", "dry_run")
    keep_outputs: bool
    keep_derivations: bool
    max_freed: int | None
    dry_run: bool

    def __init__(self, keep_outputs: bool = False, keep_derivations: bool = False,
                 max_freed: int | None = None, dry_run: bool = False) -> None:
        self._set("keep_outputs", keep_outputs)
        self._set("keep_derivations", keep_derivations)
        self._set("max_freed", max_freed)
        self._set("dry_run", dry_run)


class GCResult:
    """What a collection did (or, for a dry run, would do)."""

    __slots__ = ("deleted", "freed", "kept_by_race", "leftovers", "live", "stopped_early")

    def __init__(self, live: int = 0) -> None:
        self.deleted: list[StorePath] = []
        self.freed = 0
        self.live = live
        self.kept_by_race = 0
        self.leftovers = 0
        self.stopped_early = False


# Why a path is live: (kind, detail) with kind one of these.
_ROOT, _TEMP, _REF, _DERIVER, _OUTPUT = range(5)
Why = tuple[int, str]


# ---- protecting paths in use ----------------------------------------------------------


# ---- indirect roots -------------------------------------------------------------------


def _store_base(store: LocalStore, target: str) -> str | None:
    """The store entry a logical or physical path lies in, or None when outside."""
    for prefix in (STORE_DIR + "/", store.store_dir + "/"):
        if target.startswith(prefix):
            return target[len(prefix):].split("/", 1)[0]
    return None


def _resolve(store: LocalStore, link: str) -> tuple[str, StorePath | None, int]:
    """Follow ``link`` until it lands in the store: (first target, path or None, hops)."""
    cur = link
    first = ""
    for hop in range(MAX_HOPS):
        try:
            target = os.readlink(cur)
        except OSError:
            return first or cur, None, hop
        target = os.path.normpath(os.path.join(os.path.dirname(cur), target))
        first = first or target
        base = _store_base(store, target)
        if base is not None:
            try:
                return first, StorePath.from_base(base), hop + 1
            except InvalidInput:
                return first, None, hop + 1
        cur = target
    return first, None, MAX_HOPS


def _walk_links(top: str) -> Iterator[str]:
    """Every symlink under ``top`` (directories descended, symlinks not followed)."""
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    for e in entries:
        if e.is_symlink():
            yield e.path
        elif e.is_dir(follow_symlinks=False):
            yield from _walk_links(e.path)


def find_roots(store: LocalStore) -> list[Root]:
    """The indirect roots under ``var/gcroots``, stale ones included (with ``path`` None)."""
    roots = []
    for link in _walk_links(store.gcroots):
        target, path, hops = _resolve(store, link)
        kind = "direct" if path is not None and hops == 1 else "indirect"
        roots.append(Root(link, target, path, kind))
    return roots


def _check_root_name(name: str) -> str:
    if not _ROOT_NAME_RE.fullmatch(name) or name.startswith("."):
        raise InvalidInput(
            f"add root {name!r}: a root name is letters, digits and + - . _ = @, "
            "not starting with '.'")
    return name


def _symlink_atomic(target: str, link: str) -> None:
    """Point ``link`` at ``target``, replacing what was there in one rename."""
    tmp = f"{link}.tmp-{os.getpid()}"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except OSError:
        os.unlink(tmp)
        raise


def check_out_link(store: LocalStore, link: str) -> None:
    """Refuse (:class:`InvalidInput`) to put an out-link where anything but an older one is.

    :func:`add_out_link` checks this itself; commands call it before
    building too, so that a refused link costs no build.
    """
    link = os.path.abspath(link)
    try:
        st = os.lstat(link)
    except FileNotFoundError:
        return
    except OSError as e:
        raise InvalidInput(f"add out-link {link}: {e.strerror}") from e
    if not stat.S_ISLNK(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a file"
        raise InvalidInput(f"add out-link {link}: {kind} is there; sx only replaces an "
                           "older out-link (remove it first)")
    target = os.path.normpath(os.path.join(os.path.dirname(link), os.readlink(link)))
    if not _into_a_store(store, target):
        raise InvalidInput(f"add out-link {link}: a symlink to {target} is there, not into "
                           "the store; sx only replaces an older out-link (remove it first)")


def _into_a_store(store: LocalStore, target: str) -> bool:
    """Whether ``target`` is an object of this store, or of any sx store (another root)."""
    if any(target.startswith(d + "/") for d in (store.store_dir, STORE_DIR)):
        return True
    parent, base = os.path.split(target)
    try:
        StorePath.from_base(base)
    except InvalidInput:
        return False
    return os.path.basename(parent) == "store"


def add_root(store: LocalStore, name: str, path: StorePath) -> str:
    """Create (or repoint) the root ``var/gcroots/NAME`` -> ``path``; returns the link.

    The path must be valid. Holding the GC lock shared while checking and
    linking means a running collection either sees the root or has already
    finished (and then the check sees what it removed).
    """
    link = os.path.join(store.gcroots, _check_root_name(name))
    with gc_lock_shared(store.var):
        if not store.is_valid(path):
            raise NotFound(f"add root {name}: {path} is not a valid path")
        _symlink_atomic(store.real_path(path), link)
    return link


def out_link_root_name(link: str) -> str:
    """The name under ``var/gcroots`` of the indirect root for out-link ``link``."""
    import hashlib  # here: it loads OpenSSL, and only an out-link root needs it

    digest = hashlib.sha256(os.path.abspath(link).encode()).hexdigest()[:32]
    return f"auto-{digest}"


def add_out_link(store: LocalStore, link: str, path: StorePath) -> str:
    """Point the symlink ``link`` at ``path`` and register it as an indirect root.

    ``link`` gets the physical path (usable on this machine);
    ``var/gcroots/auto-<hash of the absolute link>`` points at the absolute
    link. Removing ``link`` later makes the root stale. Returns the root.
    Only an older out-link (a symlink into a store) is ever replaced: any
    other file, directory or symlink at ``link`` is refused, untouched.
    """
    link = os.path.abspath(link)
    root = os.path.join(store.gcroots, out_link_root_name(link))
    with gc_lock_shared(store.var):
        if not store.is_valid(path):
            raise NotFound(f"add out-link {link}: {path} is not a valid path")
        check_out_link(store, link)
        try:
            _symlink_atomic(store.real_path(path), link)
        except OSError as e:
            raise InvalidInput(f"add out-link {link}: {e.strerror}") from e
        _symlink_atomic(link, root)
    return root


def remove_root(store: LocalStore, name: str) -> list[str]:
    """Remove the root called ``name``, or the roots pointing at the out-link ``name``.

    Returns the links removed; :class:`NotFound` when there is none.
    """
    direct = os.path.join(store.gcroots, name)
    if "/" not in name and name not in ("", ".", "..") and os.path.islink(direct):
        os.unlink(direct)
        return [direct]
    want = os.path.abspath(name)
    removed = []
    for r in find_roots(store):
        if r.link == want or r.target == want:
            os.unlink(r.link)
            removed.append(r.link)
    if not removed:
        raise NotFound(f"remove root {name}: no such root")
    return removed


# ---- temp roots -------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_temp_roots(store: LocalStore) -> dict[str, int]:
    """Temp roots of live processes: base name -> pid. Removes dead processes' files.

    A file whose lock is free belongs to a process that exited or dropped its
    roots, except in the instant between its creation and its locking, when
    it is still empty: an empty file is removed only when its process is gone.
    """
    d = os.path.join(store.var, "temproots")
    live: dict[str, int] = {}
    for name in sorted(os.listdir(d)):
        path = os.path.join(d, name)
        pid_text = name.split("-", 1)[0]
        pid = int(pid_text) if pid_text.isdigit() else 0
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        with os.fdopen(fd, "rb") as f:
            if _locked_by_other(fd):
                for line in f.read().decode(errors="replace").split("\n"):
                    # Only what TempRoots writes: base names (LMDB keys are short).
                    if 0 < len(line) <= 256 and "/" not in line:
                        live[line] = pid
            elif os.fstat(fd).st_size or not _pid_alive(pid):
                os.unlink(path)
    return live


def _locked_by_other(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


# ---- mark -----------------------------------------------------------------------------------


def _root_whys(roots: Sequence[Root], temp: dict[str, int]) -> dict[str, Why]:
    out: dict[str, Why] = {}
    for base, pid in temp.items():
        out.setdefault(base, (_TEMP, str(pid)))
    for r in roots:
        if r.path is not None:
            out[r.path.base] = (_ROOT, r.link)
    return out


def _mark(txn: Txn, roots: dict[str, Why], opts: GCOptions) -> dict[str, Why]:
    """Every registered path reachable from ``roots``: base -> why it is live."""
    live: dict[str, Why] = {}
    todo: list[tuple[str, Why]] = list(roots.items())
    while todo:
        base, why = todo.pop()
        if base in live:
            continue
        rec = txn.get("paths", base.encode())
        if rec is None:
            continue
        live[base] = why
        todo.extend((ref, (_REF, base)) for ref in rec["refs"] if ref not in live)
        if opts.keep_derivations and rec.get("deriver"):
            todo.append((rec["deriver"], (_DERIVER, base)))
        if opts.keep_outputs and base.endswith(".drv"):
            prefix = base.encode() + b"!"
            todo.extend((str(out), (_OUTPUT, base)) for _, out in txn.items("drvoutputs", prefix))
    return live


Group = list[tuple[str, int]]
"""Paths (with their sizes) that are deleted together: one, or a reference cycle."""


def _dead_order(txn: Txn, dead: Iterable[str]) -> list[Group]:
    """Dead paths with their sizes, in groups, every referrer's group before the groups
    it references.

    Content-addressed paths cannot form reference cycles, but records imported
    before sx checked references could; a cycle is one group, deleted in one
    transaction, so no path is ever left referring to a deleted one.
    """
    refs: dict[str, list[str]] = {}
    size: dict[str, int] = {}
    for base in sorted(dead):
        rec = txn.get("paths", base.encode())
        refs[base] = sorted(r for r in rec["refs"] if r != base)
        size[base] = int(rec["size"])
    edges = {b: [r for r in rs if r in refs] for b, rs in refs.items()}
    # Tarjan's algorithm emits a component after every component it reaches:
    # references first. Referrers first is the reverse.
    return [[(b, size[b]) for b in sorted(c)] for c in reversed(_components(edges))]


def _components(edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, with an explicit stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.append(member)
                    if member == node:
                        break
                out.append(comp)
    return out


# ---- sweep ----------------------------------------------------------------------------------


def _has_referrer(txn: Txn, base: str, besides: set[str]) -> bool:
    """Whether a registered path other than ``base`` and those ``besides`` refers to it."""
    prefix = base.encode() + b"\0"
    return any(k[len(prefix):].decode() not in besides and k != prefix + base.encode()
               for k in txn.keys("referrers", prefix))


def _unregister(txn: Txn, base: str, rec: dict[str, Any]) -> None:
    key = base.encode()
    for ref in rec["refs"]:
        txn.delete("referrers", ref.encode() + b"\0" + key)
    txn.delete("paths", key)
    if base.endswith(".drv"):
        for k in list(txn.keys("drvoutputs", key + b"!")):
            txn.delete("drvoutputs", k)


class _Sweeper:
    """Deletes groups of paths batch by batch; owns the locked marker that covers a crash.

    The marker (one temp dir, whose lock names the batch being deleted) is
    made before anything is deleted: with the database pages of the first
    batch it is all a collection writes, and the reserve it released makes
    room for them on a full disk.
    """

    def __init__(self, store: LocalStore, stack: ExitStack,
                 on_delete: Callable[[StorePath, int], None] | None) -> None:
        self.store = store
        self.marker: TempDir = stack.enter_context(store.temp_dir())
        self.on_delete = on_delete
        self.result = GCResult()

    def run(self, order: list[Group], max_freed: int | None) -> GCResult:
        """Delete the groups of ``order`` (referrers first) until done or ``max_freed``."""
        batch: list[Group] = []
        for group in order:
            if max_freed is not None and self.result.freed >= max_freed:
                self.result.stopped_early = True
                return self.result
            batch.append(group)
            if sum(map(len, batch)) >= BATCH:
                self._batch(batch, max_freed)
                batch = []
        if batch:
            self._batch(batch, max_freed)
        return self.result

    def _batch(self, batch: list[Group], max_freed: int | None) -> None:
        # Name every object first: if we die after the commit, the next
        # store open removes the unregistered ones the marker names.
        self.marker.mark_targets([base for group in batch for base, _ in group])
        done: list[tuple[str, int]] = []
        freed = self.result.freed
        with self.store.db.write() as txn:
            for group in batch:
                if max_freed is not None and freed >= max_freed:
                    self.result.stopped_early = True
                    break
                members = {base for base, _ in group}
                recs = {base: txn.get("paths", base.encode()) for base in members}
                alive = {b for b, r in recs.items() if r is not None}
                if any(_has_referrer(txn, b, members) for b in alive):
                    self.result.kept_by_race += len(alive)
                    continue
                for base, size in group:
                    rec = recs[base]
                    if rec is None:
                        continue
                    _unregister(txn, base, rec)
                    done.append((base, size))
                    freed += size
        for base, size in done:
            self._remove(self.marker, base)
            path = StorePath.from_base(base)
            self.result.deleted.append(path)
            self.result.freed += size
            if self.on_delete is not None:
                self.on_delete(path, size)

    def _remove(self, marker: TempDir, base: str) -> None:
        real = os.path.join(self.store.store_dir, base)
        try:
            os.unlink(real)
            return
        except FileNotFoundError:
            return
        except OSError as e:
            if e.errno not in (errno.EISDIR, errno.EPERM):
                raise
        # A directory: take it out of the store in one rename, then remove it.
        trash = os.path.join(marker.path, base)
        try:
            move_out(real, trash)
        except FileNotFoundError:
            return
        remove_tree(trash)


def _remove_leftovers(store: LocalStore, registered: set[str], temp: dict[str, int]) -> int:
    """Remove store entries no transaction registered and no live process announced."""
    candidates = [n for n in os.listdir(store.store_dir)
                  if n not in registered and n not in temp]
    if not candidates:
        return 0
    removed = 0
    # Decided and moved inside a write transaction: an add renames its
    # object into place inside one too, so the two never interleave.
    with store.temp_dir() as tmp, store.db.write() as txn:
        for name in candidates:
            if txn.has("paths", name.encode()):
                continue
            try:
                move_out(os.path.join(store.store_dir, name), os.path.join(tmp.path, name))
                removed += 1
            except FileNotFoundError:
                pass
    return removed


# ---- the collector ------------------------------------------------------------------------


class _Plan:
    __slots__ = ("live", "order", "registered")

    def __init__(self, live: dict[str, Why], order: list[Group], registered: set[str]) -> None:
        self.live = live
        self.order = order
        self.registered = registered


def _plan(store: LocalStore, roots: dict[str, Why], opts: GCOptions,
          only: set[str] | None = None) -> _Plan:
    """Mark from ``roots`` in one snapshot; order the dead (or ``only``) for deletion."""
    with store.db.read() as txn:
        live = _mark(txn, roots, opts)
        registered = {k.decode() for k in txn.keys("paths")}
        dead = (registered - live.keys()) if only is None else (only & registered)
        order = _dead_order(txn, dead)
    return _Plan(live, order, registered)


def collect_garbage(store: LocalStore, opts: GCOptions | None = None,
                    on_delete: Callable[[StorePath, int], None] | None = None) -> GCResult:
    """Delete every path not reachable from a root; report what was freed.

    Waits for a running collection to finish. ``on_delete(path, size)`` is
    called after each path has left the database and the disk (for a dry
    run: for each path that would be deleted, nothing is touched).
    """
    opts = opts or GCOptions()
    with gc_lock_exclusive(store.var, wait=True):
        temp = read_temp_roots(store)
        plan = _plan(store, _root_whys(find_roots(store), temp), opts)
        if opts.dry_run:
            return _dry_run(plan, opts, on_delete)
        store.release_reserve()
        try:
            with ExitStack() as stack:
                result = _Sweeper(store, stack, on_delete).run(plan.order, opts.max_freed)
        finally:
            store.ensure_reserve()
        result.live = len(plan.live)
        if not result.stopped_early:
            result.leftovers = _remove_leftovers(store, plan.registered, temp)
    return result


def _dry_run(plan: _Plan, opts: GCOptions,
             on_delete: Callable[[StorePath, int], None] | None) -> GCResult:
    result = GCResult(live=len(plan.live))
    for base, size in (member for group in plan.order for member in group):
        if opts.max_freed is not None and result.freed >= opts.max_freed:
            result.stopped_early = True
            break
        path = StorePath.from_base(base)
        result.deleted.append(path)
        result.freed += size
        if on_delete is not None:
            on_delete(path, size)
    return result


# ---- deleting named paths ---------------------------------------------------------------------


def _why_text(why: Why) -> str:
    kind, detail = why
    if kind == _ROOT:
        return f"kept by root {detail}"
    if kind == _TEMP:
        return f"in use by running sx process {detail}"
    if kind == _REF:
        return f"referenced by {STORE_DIR}/{detail}"
    if kind == _DERIVER:
        return f"deriver of live path {STORE_DIR}/{detail} (keep-derivations)"
    return f"output of live derivation {STORE_DIR}/{detail} (keep-outputs)"


def delete_paths(store: LocalStore, paths: Iterable[StorePath],
                 opts: GCOptions | None = None) -> int:
    """Delete exactly ``paths``; returns the bytes freed (archive sizes).

    All or nothing: :class:`NotFound` when one is not valid, :class:`StillAlive`
    (naming the root, process or referrer) when one is reachable from a root
    or referenced by a path outside the set; then nothing is deleted.
    """
    want = {p.base: p for p in paths}
    with gc_lock_exclusive(store.var, wait=True):
        temp = read_temp_roots(store)
        plan = _plan(store, _root_whys(find_roots(store), temp), opts or GCOptions(), set(want))
        _check_deletable(store, want, plan)
        store.release_reserve()
        try:
            with ExitStack() as stack:
                result = _Sweeper(store, stack, None).run(plan.order, None)
        finally:
            store.ensure_reserve()
    if result.kept_by_race:
        left = sorted(set(want) - {p.base for p in result.deleted})
        raise StillAlive(f"delete {STORE_DIR}/{left[0]}: still alive: "
                         "a path referencing it was registered meanwhile")
    return result.freed


def _check_deletable(store: LocalStore, want: dict[str, StorePath], plan: _Plan) -> None:
    for base, path in sorted(want.items()):
        if base not in plan.registered:
            raise NotFound(f"delete {path}: not a valid path")
        if base in plan.live:
            raise StillAlive(f"delete {path}: still alive: {_why_text(plan.live[base])}")
    for _, path in sorted(want.items()):
        for r in store.referrers(path):
            if r.base not in want:
                raise StillAlive(f"delete {path}: still alive: referenced by {r} "
                                 "(delete it too, or run sx gc)")


# ---- listing --------------------------------------------------------------------------------


def temp_root_list(store: LocalStore) -> list[Root]:
    """The temp roots of running processes, as :class:`Root` values (kind ``temp``)."""
    out = []
    for base, pid in sorted(read_temp_roots(store).items()):
        try:
            path: StorePath | None = StorePath.from_base(base)
        except InvalidInput:
            path = None
        out.append(Root(f"{{temp:{pid}}}", f"{STORE_DIR}/{base}", path, "temp"))
    return out


def closure_size(store: LocalStore, path: StorePath) -> tuple[int, int]:
    """(number of paths, total archive bytes) of the closure of ``path``; (0, 0) if invalid."""
    with store.db.read() as txn:
        live = _mark(txn, {path.base: (_ROOT, "")}, GCOptions())
        total = 0
        for base in live:
            rec = txn.get("paths", base.encode())
            total += int(rec["size"])
    return len(live), total
