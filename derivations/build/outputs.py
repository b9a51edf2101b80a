"""Turning what a builder wrote into registered store paths.

Content-addressed (floating) outputs are built at a *scratch path* that no
one can predict the final path of. Afterwards, for each output:

1. canonicalize (read-only modes, mtime 1, no owners; only files, dirs, links);
2. scan for references: digests of the input closure, and the scratch digests
   of this derivation's outputs (a self-reference, or one output referring to
   another: those are finalized first; a cycle between outputs is an error);
3. hash the archive modulo self-references (the scratch digest masked,
   :func:`sx.store.ca.masked_hash`): the *masked hash*;
4. the final path is :func:`sx.store.ca.output_path` of it; rewrite the
   scratch digest to the final one, hash, and hand everything to the
   store's registration, which checks it all again.

Fixed-output results are checked against every declared hash before anything
is registered, and land at the path computed from the declared hash.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable, Mapping

from sx.derivations.build.errors import BuildError
from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import Derivation
from sx.store import nar
from sx.store.ca import masked_hash, output_path
from sx.store.errors import HashMismatch, InvalidInput
from sx.store.fsutil import canonicalize, make_writable
from sx.store.hashing import Digest, Hasher
from sx.store.info import PathInfo
from sx.store.local import LocalStore, TempDir
from sx.store.nar import Measured
from sx.store.path import StorePath, make_path
from sx.store.refscan import rewrite_tree, scan_tree
from sx.store.registration import Prepared
from sx.store.treewalk import LEAVE, TreeWalk


def scratch_path(drv: Derivation, resolved: Digest, output: str) -> StorePath:
    """Where ``output`` is built before its final path is known."""
    seed = Digest.b3(f"scratch:{resolved}:{output}".encode())
    return make_path("output", seed, drv.output_path_name(output))


def _names_holding(root: str, digest: str) -> str | None:
    """The path of an entry below ``root`` whose name contains ``digest``, if any.

    (The root's own name is not part of its archive.)
    """
    walker = TreeWalk(root)
    events = iter(walker)
    next(events)
    for event, _, name, _ in events:
        if event != LEAVE and digest in name:
            return walker.path(name)
    return None


def _order(drv_path: StorePath, deps: Mapping[str, set[str]]) -> list[str]:
    """Outputs so that an output comes after the outputs it refers to."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, trail: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            cycle = " -> ".join([*trail[trail.index(n):], n])
            raise BuildError(f"build {drv_path}: outputs refer to each other in a cycle: {cycle}")
        state[n] = 1
        for d in sorted(deps[n]):
            visit(d, [*trail, n])
        state[n] = 2
        order.append(n)

    for n in sorted(deps):
        visit(n, [])
    return order


def _prepare(drv_path: StorePath, name: str, obj: str) -> None:
    if not os.path.lexists(obj):
        raise BuildError(f"build {drv_path}: builder did not create output {name!r}")
    try:
        canonicalize(obj)
    except InvalidInput as e:
        raise BuildError(f"build {drv_path}: output {name!r}: {e}") from e
    make_writable(obj)


def finalize_floating(
    store: LocalStore,
    tmp: TempDir,
    drv_path: StorePath,
    scratch: Mapping[str, StorePath],
    objs: Mapping[str, str],
    inputs: Iterable[StorePath],
) -> dict[str, PathInfo]:
    """Register the content-addressed outputs ``objs`` (host paths inside ``tmp``).

    All outputs are installed in one transaction (all or nothing). Returns
    the registered info per output name (an existing path when the same
    bytes were built before: installing is idempotent).
    """
    for name, obj in objs.items():
        _prepare(drv_path, name, obj)
    by_digest = {p.digest: p for p in inputs}
    own = {s.digest: n for n, s in scratch.items()}
    candidates = [*by_digest, *own]
    found = {n: scan_tree(obj, candidates) for n, obj in objs.items()}
    deps = {n: {own[d] for d in f if d in own} - {n} for n, f in found.items()}
    infos: dict[str, PathInfo] = {}
    now = int(time.time())
    for n in _order(drv_path, deps):
        obj = objs[n]
        for other in sorted(deps[n]):
            rewrite_tree(obj, scratch[other].digest, infos[other].path.digest)
        self_ref = scratch[n].digest in found[n]
        if self_ref:
            named = _names_holding(obj, scratch[n].digest)
            if named is not None:
                raise BuildError(f"build {drv_path}: output {n!r}: the name of {named!r} holds "
                                 "the output's own path digest (not supported)")
            masked = masked_hash(obj, scratch[n].digest)
            measured = None
        else:
            measured = nar.hash_path(obj)  # the final bytes already: no second pass
            masked = measured[0]
        refs = {by_digest[d] for d in found[n] if d in by_digest}
        refs |= {infos[o].path for o in deps[n]}
        path = output_path(masked, scratch[n].name, refs, self_ref)
        if self_ref:
            rewrite_tree(obj, scratch[n].digest, path.digest)
            refs.add(path)
        nar_hash, size = measured if measured is not None else nar.hash_path(obj)
        canonicalize(obj)
        infos[n] = PathInfo(path, nar_hash, size, tuple(refs), deriver=drv_path,
                            registered=now, ca=f"output:{masked}")
    # Hashed by sx from the final bytes; references found by the scan above.
    items = [Prepared(tmp, objs[n], info, Measured(
        info.nar_hash, info.nar_size, frozenset(r.digest for r in info.references),
        frozenset(r.digest for r in info.references))) for n, info in infos.items()]
    done = store.install_many(items, f"build {drv_path}:")
    return dict(zip(infos, done, strict=True))


def _nar_hash(obj: str, algo: str) -> Digest:
    h = Hasher(algo)
    nar.dump(obj, h)
    return h.digest()


def check_fixed(drv: Derivation, drv_path: StorePath, obj: str) -> None:
    """Raise :class:`HashMismatch` unless ``obj`` has every hash ``drv`` declares."""
    out = drv.outputs[0]
    if out.mode == "flat":
        st = os.lstat(obj)
        if not stat.S_ISREG(st.st_mode):
            raise HashMismatch(f"fetch {drv.name}: flat hash declared but the output is not "
                               "a regular file")
    for want in out.hashes:
        if out.mode == "flat":
            h = Hasher(want.algo)
            h.update_file(obj, os.lstat(obj).st_size)
            got = h.digest()
        else:
            got = _nar_hash(obj, want.algo)
        if got != want:
            raise HashMismatch(f"fetch {drv.name} ({drv_path}): {out.mode} hash {got}, "
                               f"expected {want}")


EXPECT = "expect"
"""Meta key pinning a floating output's bytes: ``"sha256:<hex> b3:<hex>"``."""


def check_expected(drv: Derivation, drv_path: StorePath, objs: Mapping[str, str]) -> None:
    """Raise :class:`HashMismatch` unless ``drv``'s output has the hashes its meta pins.

    A content-addressed derivation whose bytes are known in advance (the
    hex0 step reproducing the seed) names them in ``meta["expect"]``: its
    ``out`` must then be one regular file with exactly those flat hashes.
    Unlike a fixed output, such a derivation is built whenever its inputs
    change, so an edited source cannot be skipped because the pinned bytes
    already exist in the store. Checked before anything is registered.
    """
    text = drv.meta_dict.get(EXPECT)
    if text is None:
        return
    obj = objs.get("out")
    if obj is None or not os.path.lexists(obj):
        raise BuildError(f"build {drv_path}: builder did not create output 'out'")
    if not stat.S_ISREG(os.lstat(obj).st_mode):
        raise HashMismatch(f"build {drv.name} ({drv_path}): output 'out' is pinned by "
                           "meta 'expect' but is not a regular file")
    size = os.lstat(obj).st_size
    for word in text.split():
        want = Digest.parse(word)
        h = Hasher(want.algo)
        h.update_file(obj, size)
        got = h.digest()
        if got != want:
            raise HashMismatch(f"build {drv.name} ({drv_path}): output 'out' has {got}, "
                               f"the recipe pins {want}")


def finalize_fixed(store: LocalStore, tmp: TempDir, drv: Derivation, drv_path: StorePath,
                   obj: str, inputs: Iterable[StorePath] = (),
                   scratch: StorePath | None = None) -> PathInfo:
    """Check and register a fixed output at the path its declared hash gives.

    A fixed output may not refer to any store path (its hash says everything
    about it). Nothing is registered when a hash does not match.
    """
    _prepare(drv_path, drv.outputs[0].name, obj)
    candidates = [p.digest for p in inputs] + ([scratch.digest] if scratch else [])
    refs = scan_tree(obj, candidates) if candidates else set()
    if refs:
        raise BuildError(f"build {drv_path}: a fixed output must not refer to store paths "
                         f"(found {sorted(refs)[0]})")
    out = drv.outputs[0]
    if out.mode == "flat" and os.path.isfile(obj) and not os.path.islink(obj):
        os.chmod(obj, 0o755 if out.executable else 0o644)
    canonicalize(obj)
    check_fixed(drv, drv_path, obj)
    nar_hash, size = nar.hash_path(obj)
    info = PathInfo(fixed_output_path(drv), nar_hash, size, (), deriver=drv_path,
                    registered=int(time.time()), ca=f"fixed:{out.mode}:{out.primary_hash}")
    return store.install(tmp, obj, info, Measured(nar_hash, size), f"build {drv_path}:")
