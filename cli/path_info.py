"""``sx path-info``: what the store knows about paths."""

from __future__ import annotations

import argparse
import json

from sx.cli.common import open_store, parse_paths


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``path-info``."""
    p = sub.add_parser("path-info", help="show path infos")
    p.add_argument("paths", nargs="+")
    p.add_argument("--closure", "-r", action="store_true", help="the whole closure")
    p.add_argument("--json", action="store_true")
    p.add_argument("-s", "--size", action="store_true", help="show archive sizes")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the paths' infos (or their closure's), as text or JSON."""
    store = open_store(args)
    paths = parse_paths(store, args.paths)
    infos = [store.require(p) for p in paths]
    if args.closure:
        infos = [store.require(p) for p in store.topo_sort(store.closure(paths))]
    if args.json:
        print(json.dumps([i.to_json() for i in infos], indent=2))
        return 0
    for i in infos:
        print(f"{i.path}\t{i.nar_size}" if args.size else str(i.path))
    return 0
