"""``sx show-derivation INSTALLABLE``: a derivation as JSON."""

from __future__ import annotations

import json

from sx.cli.commands import add_command
from sx.cli.common import open_store
from sx.cli.installables import INSTALLABLE_HELP, derivations_of

TYPE_CHECKING = False  # argparse and typing only for the checker (cli/main.py)
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from sx.derivations.model import Derivation


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``show-derivation``."""
    p = add_command(sub, "show-derivation")
    p.add_argument("installables", nargs="+", metavar="INSTALLABLE",
                   help=f"{INSTALLABLE_HELP}; an output stands for the derivation that built it")
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

    store = open_store(args)
    roots = list(dict.fromkeys(d for _, d in derivations_of(store, args.installables,
                                                            "show-derivation")))
    plan = make_plan(store, roots)
    drvs = build_order(roots) if args.recursive else roots
    print(json.dumps({str(d.drv_path): describe(d, plan) for d in drvs}, indent=2))
    return 0
