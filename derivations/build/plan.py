"""Deciding what a realization has to do, from the database alone.

Bottom-up over the build order: a derivation is *resolvable* when every
input output has a recorded path — a fixed output (its path follows from the
declared hash), or a realisation of a resolvable input (whether or not that
path is still valid: resolution needs only the path). Its outputs are
*recorded* by the realisations of its resolved hash or, failing that, by a
derivation realisation of its hash modulo whose inputs agree with what this
store recorded; they are *known* when those paths are valid. Top-down from
the roots: only derivations whose outputs are not known are needed, and of
their inputs only those whose outputs are not valid (a realized
derivation's inputs are not needed even when they were collected). One
database snapshot; nothing is written.

Caches come after this (``topdown.py``): they are asked only about what
this store cannot answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from sx.derivations.graph import build_order
from sx.derivations.hashing import (
    Modulo,
    dep_key,
    fixed_output_path,
    modulo_hashes,
    resolved_from_deps,
    resolved_hash,
)
from sx.derivations.model import Derivation
from sx.store.db import Txn
from sx.store.hashing import Digest
from sx.store.info import Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx.store.value import Value

Realized = dict[tuple[StorePath, str], StorePath]


class Fetch(Value):
    """One path to download: where from, and how big (compressed, then unpacked)."""

    __slots__ = _fields = ("path", "cache", "download", "unpacked")
    path: StorePath
    cache: str
    download: int
    unpacked: int

    def __init__(self, path: StorePath, cache: str, download: int, unpacked: int) -> None:
        self._set("path", path)
        self._set("cache", cache)
        self._set("download", download)
        self._set("unpacked", unpacked)


class Plan:
    """The outcome of planning a realization.

    ``needed`` are the derivations the scheduler runs (builds, or look-ups
    once their inputs are built); with caches configured, ``fetch`` and
    ``substitute`` say what arrives from them first (see ``topdown.py``).
    The other fields: ``recorded``, the paths the outputs have (valid or
    not) from this store's records; ``fetch``, the paths to download before
    anything is built, references first; ``substitute``, the derivations
    whose outputs the fetched paths provide; ``realisations``, to record
    once the fetched paths are valid (with their ``.drv``); ``promised``,
    the output paths of the ``substitute`` derivations; ``asked_caches``,
    whether caches were asked (then builds with a built input are looked
    up again).
    """

    __slots__ = ("asked_caches", "fetch", "known", "modulo", "needed", "order", "promised",
                 "realisations", "recorded", "resolved", "substitute")

    def __init__(self, order: list[Derivation], known: Realized, needed: list[Derivation],
                 resolved: dict[Derivation, Digest] | None = None,
                 recorded: Realized | None = None, modulo: Modulo | None = None) -> None:
        self.order = order
        self.known = known
        self.needed = needed
        self.resolved: dict[Derivation, Digest] = {} if resolved is None else resolved
        self.recorded: Realized = {} if recorded is None else recorded
        self.modulo: Modulo = {} if modulo is None else modulo
        self.fetch: list[Fetch] = []
        self.substitute: list[Derivation] = []
        self.realisations: list[tuple[Realisation, StorePath]] = []
        self.promised: Realized = {}
        self.asked_caches = False

    def outputs_of(self, drv: Derivation) -> dict[str, StorePath] | None:
        """The known outputs of ``drv`` (all of them), or None."""
        try:
            return {o: self.known[(drv.drv_path, o)] for o in drv.output_names}
        except KeyError:
            return None

    @property
    def download_size(self) -> int:
        """Bytes to download."""
        return sum(f.download for f in self.fetch)

    @property
    def unpacked_size(self) -> int:
        """Bytes the downloads unpack to."""
        return sum(f.unpacked for f in self.fetch)

    def after_builds(self) -> list[Derivation]:
        """Needed derivations with a needed input: looked up in the caches once it is built."""
        if not self.asked_caches:
            return []
        needed = set(self.needed)
        return [d for d in self.needed if any(i in needed for i, _ in d.input_drvs)]


def _resolved_record(txn: Txn, drv: Derivation, rhash: Digest) -> dict[str, StorePath] | None:
    out: dict[str, StorePath] = {}
    for o in drv.output_names:
        key = f"{rhash}!{o}"
        rec = txn.get("realisations", key.encode())
        if rec is None:
            return None
        out[o] = Realisation.from_record(key, rec).path
    return out


def misnamed(r: Realisation, drv: Derivation) -> str | None:
    """Why ``r`` cannot be an output of ``drv`` by its name alone (output paths carry it)."""
    want = drv.output_path_name(r.output)
    if r.path.name != want:
        return f"it names {r.path}, which is not an output called {want!r}"
    return None


def disagreement(r: Realisation, drv: Derivation, modulo: Modulo, paths: Realized
                 ) -> str | None:
    """Why a derivation realisation cannot stand for ``drv`` here, or None when it can.

    It must name a path of the output's name, list exactly ``drv``'s inputs,
    and for the inputs whose paths
    ``paths`` already holds, those paths (a result built against other
    inputs is another build).
    """
    wrong = misnamed(r, drv)
    if wrong is not None:
        return wrong
    if r.deps is None or resolved_from_deps(drv, modulo, r.deps) is None:
        return f"it lists other inputs than {drv.drv_path} has"
    given = dict(r.deps)
    for d, outs in drv.input_drvs:
        for o in outs:
            have = paths.get((d.drv_path, o))
            if d.is_fixed_output or have is None:
                continue
            if given[dep_key(modulo[d], o)] != have:
                return f"it was built with {given[dep_key(modulo[d], o)]}, this store has {have}"
    return None


def _derivation_record(txn: Txn, drv: Derivation, modulo: Modulo, paths: Realized
                       ) -> dict[str, StorePath] | None:
    out: dict[str, StorePath] = {}
    for o in drv.output_names:
        key = dep_key(modulo[drv], o)
        rec = txn.get("realisations", key.encode())
        if rec is None:
            return None
        r = Realisation.from_record(key, rec)
        if disagreement(r, drv, modulo, paths) is not None:
            return None
        out[o] = r.path
    return out


def recorded(txn: Txn, drv: Derivation, rhash: Digest | None, modulo: Modulo | None = None,
             paths: Realized | None = None) -> dict[str, StorePath] | None:
    """The recorded output paths of ``drv`` (valid or not), or None if any is unknown.

    Resolved realisations first; with ``modulo`` (and the input paths known
    so far) a derivation realisation that agrees with them.
    """
    if drv.is_fixed_output:
        return {drv.output_names[0]: fixed_output_path(drv)}
    out = _resolved_record(txn, drv, rhash) if rhash is not None else None
    if out is None and modulo is not None:
        out = _derivation_record(txn, drv, modulo, paths or {})
    return out


def lookup(txn: Txn, drv: Derivation, rhash: Digest | None) -> dict[str, StorePath] | None:
    """The outputs of ``drv`` if every one is recorded and valid in ``txn``'s snapshot."""
    out = recorded(txn, drv, rhash)
    if out is None or not all(txn.has("paths", p.base.encode()) for p in out.values()):
        return None
    return out


def make_plan(store: LocalStore, roots: Sequence[Derivation],
              force: Sequence[Derivation] = ()) -> Plan:
    """Plan the realization of ``roots``; derivations in ``force`` are needed regardless."""
    order = build_order(list(roots))
    modulo = modulo_hashes(order)
    paths: Realized = {}
    known: Realized = {}
    resolved: dict[Derivation, Digest] = {}
    with store.db.read() as txn:
        for drv in order:
            rhash = None
            if all((d.drv_path, o) in paths for d, outs in drv.input_drvs for o in outs):
                rhash = resolved_hash(drv, paths)
                resolved[drv] = rhash
            outs = recorded(txn, drv, rhash, modulo, paths)
            if outs is None:
                continue
            valid = all(txn.has("paths", p.base.encode()) for p in outs.values())
            for o, p in outs.items():
                paths[(drv.drv_path, o)] = p
                if valid:
                    known[(drv.drv_path, o)] = p
    needed = needed_from(roots, known, force)
    return Plan(order, known, [d for d in order if d in needed], resolved, paths, modulo)


def needed_from(roots: Sequence[Derivation], done: Realized,
                force: Sequence[Derivation] = ()) -> set[Derivation]:
    """Top-down from ``roots``: derivations whose outputs ``done`` lacks, and their inputs'."""
    forced = set(force)
    needed: set[Derivation] = set()
    stack = list(roots)
    while stack:
        drv = stack.pop()
        if drv in needed:
            continue
        if all((drv.drv_path, o) in done for o in drv.output_names) and drv not in forced:
            continue
        needed.add(drv)
        stack.extend(d for d, _ in drv.input_drvs)
    return needed
