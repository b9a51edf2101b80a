"""Writing derivation graphs into the store as ``.drv`` objects, and reading them back.

A ``.drv`` object holds exactly the derivation's canonical record
(:func:`sx.derivations.hashing.record`), so its path follows from its bytes
(kind ``drv``; references: its input sources and input ``.drv`` paths).
:func:`instantiate` writes every missing ``.drv`` of a graph in one store
transaction (with the local sources they use); :func:`load_derivation`
rebuilds the frozen :class:`Derivation` graph from a ``.drv`` path and checks
that it hashes back to that path.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sx.derivations.graph import build_order
from sx.derivations.hashing import drv_references
from sx.derivations.model import SCHEMA, Derivation, Output, Source
from sx.store.encoding import unpack
from sx.store.errors import Corrupt, InvalidInput, MissingReference
from sx.store.fdio import write_all
from sx.store.fsutil import CANONICAL_MTIME
from sx.store.hashing import Digest
from sx.store.info import PathInfo
from sx.store.local import LocalStore, TempDir
from sx.store.path import StorePath
from sx.store.roots import protect

if TYPE_CHECKING:
    from sx.store.registration import Prepared


def missing_sources(store: LocalStore, drvs: Iterable[Derivation]) -> dict[StorePath, Source]:
    """The local :class:`Source` objects the derivations use that the store lacks.

    Every source and plain input path is protected by a temp root first;
    a plain store path (not a local source) that is not valid raises.
    """
    sources: dict[StorePath, Source] = {}
    plain: set[StorePath] = set()
    for drv in drvs:
        for s in drv.input_srcs:
            if isinstance(s, Source):
                sources.setdefault(s.path, s)
            else:
                plain.add(s)
    # Protect before checking: a collection running meanwhile must not take
    # a source between this check and the .drv objects that refer to it.
    invalid = protect(store, [*sources, *plain])
    missing = sorted(plain & invalid)
    if missing:
        raise MissingReference(f"instantiate: input source {missing[0]} is not a valid path")
    return {p: s for p, s in sorted(sources.items()) if p in invalid}


def _prepare_source(store: LocalStore, tmp: TempDir, entry: str, src: Source) -> Prepared:
    # The source was hashed for its path already: its size spares a small
    # copy the writeback thread (and its syncfs of the whole file system).
    got = store.prepare_tree(tmp, entry, src.local, src.name, size=src.nar_hash[1])
    if got.info.path != src.path:
        raise InvalidInput(f"add source {src.local}: it changed while being added "
                           f"(got {got.info.path}, expected {src.path})")
    return got


def _prepare_drv(tmp: TempDir, entry: str, drv: Derivation, now: int) -> Prepared:
    # Here: reading .drv files needs none of these.
    from sx.store.nar import Measured
    from sx.store.refscan import scan_bytes
    from sx.store.registration import Prepared

    obj = os.path.join(tmp.path, entry)
    hashes = drv.hashes
    data = hashes.encoded
    fd = os.open(obj, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        # Every byte, or an error: what is measured below is ``data``, not the file.
        write_all(fd, data)
        os.utime(fd, (CANONICAL_MTIME, CANONICAL_MTIME))
    finally:
        os.close(fd)
    nar_hash, size = hashes.archive
    refs = tuple(drv_references(drv))
    info = PathInfo(drv.drv_path, nar_hash, size, refs, registered=now,
                    ca=f"drv:{nar_hash}")
    # Measured on the bytes just written, as registration would measure the file.
    digests = frozenset(r.digest for r in refs)
    measured = Measured(nar_hash, size, frozenset(scan_bytes(data, digests)), digests)
    return Prepared(tmp, obj, info, measured)


def instantiate(store: LocalStore, roots: Sequence[Derivation]) -> list[Derivation]:
    """Write the ``.drv`` objects of ``roots`` and all their inputs; returns the build order.

    Idempotent: objects already present are left alone. The missing local
    sources and the new ``.drv`` objects are installed in one transaction
    (one sync), so either all of them appear or none.
    """
    order = build_order(list(roots))
    sources = missing_sources(store, order)
    absent = protect(store, [d.drv_path for d in order])
    todo = [d for d in order if d.drv_path in absent]
    if not todo and not sources:
        return order
    now = int(time.time())
    with store.temp_dir() as tmp:
        items = [_prepare_source(store, tmp, f"src{i}", src)
                 for i, src in enumerate(sources.values())]
        items += [_prepare_drv(tmp, f"drv{i}", drv, now) for i, drv in enumerate(todo)]
        done = store.install_many(items)
    for drv, info in zip(todo, done[len(sources):], strict=True):
        assert info.path == drv.drv_path, f"{info.path} != {drv.drv_path}"
    return order


def _read_record(store: LocalStore, path: StorePath) -> dict[str, Any]:
    if not path.is_derivation:
        raise InvalidInput(f"load derivation {path}: not a .drv path")
    store.require(path)
    with open(store.real_path(path), "rb") as f:
        rec = unpack(f.read(), f"derivation {path}")
    if not isinstance(rec, dict) or rec.get("v") != SCHEMA:
        got = rec.get("v") if isinstance(rec, dict) else type(rec).__name__
        raise Corrupt(f"load derivation {path}: unknown schema {got!r}")
    return rec


def _outputs(path: StorePath, rec: dict[str, Any]) -> tuple[Output, ...]:
    outs = []
    for name, o in sorted(rec["outputs"].items()):
        hashes = tuple(Digest.parse(h) for h in o["hashes"])
        outs.append(Output(name, hashes, o["mode"], bool(o["executable"])))
    return tuple(outs)


def _build(path: StorePath, rec: dict[str, Any], loaded: dict[StorePath, Derivation]
           ) -> Derivation:
    try:
        inputs = tuple(
            (loaded[StorePath.parse(p)], tuple(sorted(outs)))
            for p, outs in sorted(rec["inputDrvs"].items()))
        drv = Derivation(
            name=rec["name"], system=rec["system"], builder=rec["builder"],
            args=tuple(rec["args"]), env=tuple(sorted(rec["env"].items())),
            input_drvs=inputs,
            input_srcs=tuple(StorePath.parse(s) for s in sorted(rec["inputSrcs"])),
            outputs=_outputs(path, rec), meta=tuple(sorted(rec["meta"].items())))
    except (KeyError, TypeError, AttributeError) as e:
        raise Corrupt(f"load derivation {path}: malformed record ({e})") from e
    if drv.drv_path != path:
        raise Corrupt(f"load derivation {path}: record hashes to {drv.drv_path}")
    return drv


def load_derivation(store: LocalStore, path: StorePath) -> Derivation:
    """Rebuild the derivation stored at ``path``, with its whole input graph.

    Iterative (a chain of thousands of ``.drv`` files is fine). Raises
    :class:`Corrupt` when a record is malformed or does not hash to its path.
    """
    records: dict[StorePath, dict[str, Any]] = {}
    order: list[StorePath] = []
    stack: list[tuple[StorePath, bool]] = [(path, False)]
    while stack:
        p, expanded = stack.pop()
        if expanded:
            order.append(p)
            continue
        if p in records:
            continue
        rec = _read_record(store, p)
        records[p] = rec
        stack.append((p, True))
        try:
            deps = [StorePath.parse(d) for d in rec["inputDrvs"]]
        except (KeyError, TypeError, AttributeError) as e:
            raise Corrupt(f"load derivation {p}: malformed record ({e})") from e
        stack.extend((d, False) for d in deps if d not in records)
    loaded: dict[StorePath, Derivation] = {}
    for p in order:
        if p not in loaded:
            loaded[p] = _build(p, records[p], loaded)
    return loaded[path]
