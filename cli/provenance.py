"""``sx provenance PATH``: the binaries a build rests on that were not built from source."""

from __future__ import annotations

import argparse

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json
from sx.cli.installables import add_installables, resolve_paths


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``provenance``."""
    p = add_command(sub, "provenance")
    add_installables(p)
    add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print one line per binary seed (or the JSON list)."""
    from sx.derivations.provenance import provenance

    store = open_store(args)
    paths = resolve_paths(store, args.installables, no_build=args.no_build)
    rows = []
    for path in paths:
        for seed in provenance(store, path):
            rows.append({"for": str(path), "path": str(seed.path), "size": seed.size,
                         "reason": seed.reason,
                         "derivation": str(seed.drv) if seed.drv else None})
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(f"{row['path']}\t{row['size']} bytes\t{row['reason']}")
    if not rows:
        print("no binaries: everything was built from source in the store")
    return 0
