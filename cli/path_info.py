"""``sx path-info``: what the store knows about paths."""

from __future__ import annotations

import argparse

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json
from sx.cli.installables import add_installables, resolve_paths


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``path-info``."""
    p = add_command(sub, "path-info")
    add_installables(p)
    p.add_argument("--closure", "-r", action="store_true", help="the whole closure")
    p.add_argument("-s", "--size", action="store_true", help="show archive sizes")
    add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the paths' infos (or their closure's), as text or JSON."""
    store = open_store(args)
    paths = resolve_paths(store, args.installables, no_build=args.no_build)
    infos = [store.require(p) for p in paths]
    if args.closure:
        infos = [store.require(p) for p in store.topo_sort(store.closure(paths))]
    if args.json:
        print_json([i.to_json() for i in infos])
        return 0
    for i in infos:
        print(f"{i.path}\t{i.nar_size}" if args.size else str(i.path))
    return 0
