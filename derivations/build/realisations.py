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

from sx.store.errors import MissingReference
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
    if not items:
        return
    batch = getattr(store, "register_realisations", None)
    if batch is not None:
        batch(list(items))
        return
    with store.db.write() as txn:
        for r, drv_path in items:
            if not txn.has("paths", r.path.base.encode()):
                raise MissingReference(f"register realisation {r.key}: {r.path} is not valid")
            old = txn.get("realisations", r.key.encode())
            if old is not None:
                prev = Realisation.from_record(r.key, old)
                if prev.path != r.path:
                    continue
                r = Realisation(r.drv_hash, r.output, r.path,
                                tuple(set(prev.signatures) | set(r.signatures)))
            txn.put("realisations", r.key.encode(), r.to_record())
            txn.put("drvoutputs", f"{drv_path.base}!{r.output}".encode(), r.path.base)
