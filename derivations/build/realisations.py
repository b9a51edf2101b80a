"""Recording realisations in batches.

A build's outputs are registered (and protected) at once; the realisations
that map its resolved hash to them are only an index for later runs, so the
scheduler collects them and writes many in one database transaction a
moment later, off the critical path. Until then the run itself uses its
in-memory copy. A crash in between loses only index entries: the outputs
stay valid and a later run rebuilds (or early-cuts) them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sx.store.info import Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath

Item = tuple[Realisation, StorePath]


def write_realisations(store: LocalStore, items: Sequence[Item]) -> None:
    """Record every (realisation, deriver) in one transaction; the first record wins.

    Same rules as :meth:`LocalStore.register_realisation`: the path must be
    valid, and an existing realisation to another path is kept (a
    difference is a reproducibility finding, not an update).
    """
    if items:
        store.register_realisations(items)
