"""Closures and reference order over the path records of one database snapshot.

The walks work on base names and raw records, and build :class:`StorePath`
and :class:`PathInfo` values once per path at the end: a closure of
thousands of paths is answered from one read transaction, without parsing
a reference each time it is seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sx.store.db import Txn
from sx.store.errors import NotFound
from sx.store.info import PathInfo
from sx.store.path import StorePath

K = TypeVar("K", str, StorePath)


def closure_records(txn: Txn, paths: Iterable[StorePath]) -> dict[str, Any]:
    """The record of every path reachable from ``paths`` (themselves included), by base name.

    :class:`NotFound` when a path (or a reference of the snapshot) is not valid.
    """
    records: dict[str, Any] = {}
    todo = [p.base for p in paths]
    while todo:
        base = todo.pop()
        if base in records:
            continue
        rec = txn.get("paths", base.encode())
        if rec is None:
            raise NotFound(f"compute closure: {StorePath.from_base(base)} is not a valid path")
        records[base] = rec
        todo.extend(r for r in rec["refs"] if r not in records)
    return records


def topo_order(nodes: Iterable[K], refs_of: Callable[[K], Sequence[K]]) -> list[K]:
    """``nodes`` ordered so that references come before their referrers.

    References outside ``nodes`` and self-references are ignored. The order
    is fixed: start nodes are taken in sorted order and references in the
    order ``refs_of`` gives them.
    """
    pending = set(nodes)
    order: list[K] = []
    for start in sorted(pending):
        if start not in pending:
            continue
        pending.discard(start)
        stack = [(start, iter(refs_of(start)))]
        while stack:
            node, it = stack[-1]
            nxt = next((r for r in it if r in pending), None)
            if nxt is None:
                stack.pop()
                order.append(node)
            else:
                pending.discard(nxt)
                stack.append((nxt, iter(refs_of(nxt))))
    return order


def ordered_closure(txn: Txn, paths: Iterable[StorePath]) -> list[tuple[StorePath, Any]]:
    """The closure of ``paths`` with their raw records, references before their referrers."""
    records = closure_records(txn, paths)
    order = topo_order(records, lambda b: sorted(records[b]["refs"]))
    return [(StorePath.from_base(b), records[b]) for b in order]


def closure_infos(txn: Txn, paths: Iterable[StorePath]) -> list[PathInfo]:
    """The infos of the closure of ``paths``, references before their referrers."""
    return [PathInfo.from_record(p, rec) for p, rec in ordered_closure(txn, paths)]
