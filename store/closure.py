"""Closures and reference order over the path records of one database snapshot.

The walks work on base names and raw records, and build :class:`StorePath`
and :class:`PathInfo` values once per path at the end: a closure of
thousands of paths is answered from one read transaction, without parsing
a reference each time it is seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sx.store.errors import NotFound
from sx.store.info import PathInfo
from sx.store.path import StorePath

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from sx.store.db import Txn

    K = TypeVar("K", str, StorePath)


def closure_records(txn: Txn, paths: Iterable[StorePath]) -> dict[str, Any]:
    """The record of every path reachable from ``paths`` (themselves included), by base name.

    :class:`NotFound` when a path (or a reference of the snapshot) is not valid.
    """
    records: dict[str, Any] = {}
    get = txn.getter("paths")
    todo = [p.base for p in paths]
    while todo:
        base = todo.pop()
        if base in records:
            continue
        rec = get(base.encode())
        if rec is None:
            raise NotFound(f"compute closure: {StorePath.from_base(base)} is not a valid path")
        records[base] = rec
        todo += rec["refs"]
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
        stack = [start]
        refs = [iter(refs_of(start))]
        while stack:
            # Resume the top node's references where it stopped; descend into
            # the first one not yet placed, or place the node when none is left.
            for r in refs[-1]:
                if r in pending:
                    pending.discard(r)
                    stack.append(r)
                    refs.append(iter(refs_of(r)))
                    break
            else:
                refs.pop()
                order.append(stack.pop())
    return order


def ordered_closure(txn: Txn, paths: Iterable[StorePath]) -> list[tuple[StorePath, Any]]:
    """The closure of ``paths`` with their raw records, references before their referrers."""
    records = closure_records(txn, paths)
    order = topo_order(records, lambda b: sorted(records[b]["refs"]))
    return [(StorePath.from_base(b), records[b]) for b in order]


def closure_infos(txn: Txn, paths: Iterable[StorePath]) -> list[PathInfo]:
    """The infos of the closure of ``paths``, references before their referrers."""
    return [PathInfo.from_record(p, rec) for p, rec in ordered_closure(txn, paths)]
