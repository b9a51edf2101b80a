"""Deciding what a realization has to do, from the database alone.

Bottom-up over the build order: a derivation is *resolvable* when every
input output has a recorded path — a fixed output (its path follows from the
declared hash), or a realisation of a resolvable input (whether or not that
path is still valid: resolution needs only the path). Its outputs are
*known* when the realisations of its resolved hash point at valid paths.
Top-down from the roots: only derivations whose outputs are not known are
needed, and of their inputs only those whose outputs are not valid (a
realized derivation's inputs are not needed even when they were collected).
One database snapshot; nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sx.derivations.graph import build_order
from sx.derivations.hashing import fixed_output_path, resolved_hash
from sx.derivations.model import Derivation
from sx.store.db import Txn
from sx.store.hashing import Digest
from sx.store.info import Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath

Realized = dict[tuple[StorePath, str], StorePath]


@dataclass
class Plan:
    """The outcome of planning a realization."""

    order: list[Derivation]
    known: Realized
    needed: list[Derivation]
    resolved: dict[Derivation, Digest] = field(default_factory=dict)

    def outputs_of(self, drv: Derivation) -> dict[str, StorePath] | None:
        """The known outputs of ``drv`` (all of them), or None."""
        try:
            return {o: self.known[(drv.drv_path, o)] for o in drv.output_names}
        except KeyError:
            return None


def recorded(txn: Txn, drv: Derivation, rhash: Digest | None) -> dict[str, StorePath] | None:
    """The recorded output paths of ``drv`` (valid or not), or None if any is unknown."""
    if drv.is_fixed_output:
        return {drv.output_names[0]: fixed_output_path(drv)}
    if rhash is None:
        return None
    out: dict[str, StorePath] = {}
    for o in drv.output_names:
        key = f"{rhash}!{o}"
        rec = txn.get("realisations", key.encode())
        if rec is None:
            return None
        out[o] = Realisation.from_record(key, rec).path
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
    paths: Realized = {}
    known: Realized = {}
    resolved: dict[Derivation, Digest] = {}
    with store.db.read() as txn:
        for drv in order:
            rhash = None
            if all((d.drv_path, o) in paths for d, outs in drv.input_drvs for o in outs):
                rhash = resolved_hash(drv, paths)
                resolved[drv] = rhash
            outs = recorded(txn, drv, rhash)
            if outs is None:
                continue
            valid = all(txn.has("paths", p.base.encode()) for p in outs.values())
            for o, p in outs.items():
                paths[(drv.drv_path, o)] = p
                if valid:
                    known[(drv.drv_path, o)] = p
    forced = set(force)
    needed: set[Derivation] = set()
    stack = list(roots)
    while stack:
        drv = stack.pop()
        if drv in needed:
            continue
        done = all((drv.drv_path, o) in known for o in drv.output_names)
        if done and drv not in forced:
            continue
        needed.add(drv)
        stack.extend(d for d, _ in drv.input_drvs)
    return Plan(order, known, [d for d in order if d in needed], resolved)
