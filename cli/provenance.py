"""``sx provenance PATH``: the binaries a build rests on that were not built from source."""

from __future__ import annotations

import argparse
import json

from sx.cli.common import open_store, resolve_installables


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``provenance``."""
    p = sub.add_parser("provenance",
                       help="list the binary seeds in a path's build-time closure")
    p.add_argument("installables", nargs="+", metavar="INSTALLABLE|PATH")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sx.derivations.provenance import provenance

    store = open_store(args)
    paths = resolve_installables(store, args.installables, realize=False)
    rows = []
    for path in paths:
        for seed in provenance(store, path):
            rows.append({"for": str(path), "path": str(seed.path), "size": seed.size,
                         "reason": seed.reason,
                         "derivation": str(seed.drv) if seed.drv else None})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['path']}\t{row['size']} bytes\t{row['reason']}")
    if not rows:
        print("no binaries: everything was built from source in the store")
    return 0
