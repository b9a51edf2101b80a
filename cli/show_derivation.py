"""``sx show-derivation INSTALLABLE``: a derivation as JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from sx.cli.common import open_store
from sx.store.errors import InvalidInput

if TYPE_CHECKING:
    from sx.derivations.model import Derivation


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``show-derivation``."""
    p = sub.add_parser("show-derivation", help="print a derivation as JSON")
    p.add_argument("installable", metavar="INSTALLABLE")
    p.add_argument("-r", "--recursive", action="store_true", help="include every input")
    p.set_defaults(func=run)


def describe(drv: Derivation, plan: Any) -> dict[str, Any]:
    """The JSON form: the record plus what this store knows about it."""
    from sx.derivations.hashing import fixed_output_path, record

    rec = record(drv)
    rhash = plan.resolved.get(drv)
    outputs: dict[str, Any] = {}
    for o in drv.outputs:
        entry: dict[str, Any] = dict(rec["outputs"][o.name])
        known = plan.known.get((drv.drv_path, o.name))
        if o.fixed:
            entry["path"] = str(fixed_output_path(drv))
        elif known is not None:
            entry["path"] = str(known)
        entry["realized"] = known is not None
        outputs[o.name] = entry
    rec["outputs"] = outputs
    rec["resolvable"] = rhash is not None
    rec["resolvedHash"] = str(rhash) if rhash is not None else None
    return rec


def run(args: argparse.Namespace) -> int:
    """Print ``{drv path: description}``."""
    from sx.derivations.build.plan import make_plan
    from sx.derivations.graph import build_order
    from sx.derivations.installable import parse_installable

    store = open_store(args)
    item = parse_installable(store, args.installable)
    if not item.derivations:
        raise InvalidInput(f"show-derivation {args.installable}: not a derivation")
    roots = list(item.derivations)
    plan = make_plan(store, roots)
    drvs = build_order(roots) if args.recursive else roots
    print(json.dumps({str(d.drv_path): describe(d, plan) for d in drvs}, indent=2))
    return 0
