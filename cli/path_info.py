"""``sx path-info``: what the store knows about paths, their sizes and who refers to them."""

from __future__ import annotations

import sys
from collections import deque

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json
from sx.cli.installables import add_installables, resolve_paths

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    import argparse

    from sx.store.local import LocalStore
    from sx.store.path import StorePath


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``path-info``."""
    p = add_command(sub, "path-info")
    add_installables(p)
    p.add_argument("--closure", "-r", action="store_true",
                   help="the whole closure (with --referrers: every path that depends on them)")
    p.add_argument("--referrers", action="store_true",
                   help="the paths that refer to the given ones instead of them")
    p.add_argument("-s", "--size", action="store_true", help="show archive sizes")
    p.add_argument("-S", "--closure-size", action="store_true",
                   help="show closure sizes (the archive sizes of each path's closure, summed)")
    add_json(p)
    p.set_defaults(func=run)


def _referrers(store: LocalStore, paths: list[StorePath], transitive: bool) -> list[StorePath]:
    """Paths that refer to ``paths`` (all that depend on them when ``transitive``)."""
    given = set(paths)
    seen: set[StorePath] = set()
    todo = deque(paths)
    while todo:
        for r in store.referrers(todo.popleft()):
            if r not in seen and r not in given:
                seen.add(r)
                if transitive:
                    todo.append(r)
    return store.topo_sort(seen)


def run(args: argparse.Namespace) -> int:
    """Print the paths' infos (or their closure's, or their referrers'), as text or JSON."""
    store = open_store(args)
    paths = resolve_paths(store, args.installables, no_build=args.no_build)
    for p in paths:
        store.require(p)
    if args.referrers:
        paths = _referrers(store, paths, args.closure)
    elif args.closure:
        paths = store.sorted_closure(paths)
    if not (args.json or args.size or args.closure_size):
        # Only the names: no path infos to build (the common ``-r`` query).
        sys.stdout.write("".join(f"{p}\n" for p in paths))
        return 0
    infos = [store.require(p) for p in paths]
    sizes = {i.path: i.nar_size for i in infos}

    def closure_size(p: StorePath) -> int:
        total = 0
        for q in store.closure([p]):
            if q not in sizes:
                sizes[q] = store.require(q).nar_size
            total += sizes[q]
        return total

    if args.json:

        records = []
        for i in infos:
            rec = i.to_json()
            if args.closure_size:
                rec["closureSize"] = closure_size(i.path)
            records.append(rec)
        print_json(records)
        return 0
    lines = []
    for i in infos:
        cols = [str(i.path)]
        if args.size:
            cols.append(str(i.nar_size))
        if args.closure_size:
            cols.append(str(closure_size(i.path)))
        lines.append("\t".join(cols) + "\n")
    sys.stdout.write("".join(lines))
    return 0
