"""``sx gc``: collect garbage; ``sx gc roots``: list, add and remove GC roots."""

from __future__ import annotations

import argparse
import sys

from sx.cli.common import open_store, parse_paths
from sx.store.errors import InvalidInput
from sx.store.gc import (
    GCOptions,
    add_out_link,
    add_root,
    closure_size,
    collect_garbage,
    find_roots,
    format_size,
    parse_size,
    remove_root,
    temp_root_list,
)
from sx.store.path import StorePath


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``gc`` command and its ``roots`` subcommands."""
    p = sub.add_parser("gc", help="delete store paths that no root keeps alive")
    p.add_argument("--dry-run", action="store_true", help="print what would be deleted")
    p.add_argument("--max-freed", metavar="SIZE", type=_size,
                   help="stop after freeing SIZE bytes (suffixes K, M, G, T: powers of 1024)")
    p.add_argument("--keep-outputs", action="store_true",
                   help="keep the outputs of live derivations")
    p.add_argument("--keep-derivations", action="store_true",
                   help="keep the derivations that produced live paths")
    p.set_defaults(func=cmd_gc)
    s = p.add_subparsers(dest="gc_command", metavar="SUBCOMMAND")

    r = s.add_parser("roots", help="list GC roots and what they keep alive")
    r.add_argument("--no-closure", action="store_true", help="skip the closure sizes")
    r.set_defaults(func=cmd_roots)
    rs = r.add_subparsers(dest="roots_command", metavar="ACTION")

    a = rs.add_parser("add", help="make a path a GC root")
    a.add_argument("name", nargs="?", help="root name under <root>/var/gcroots")
    a.add_argument("path", help="store path (or an out-link to one)")
    a.add_argument("--out-link", metavar="LINK",
                   help="instead of NAME: write symlink LINK to the path and root it")
    a.set_defaults(func=cmd_roots_add)

    rm = rs.add_parser("remove", help="remove a GC root (by name, or by its out-link)")
    rm.add_argument("names", nargs="+")
    rm.set_defaults(func=cmd_roots_remove)


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except InvalidInput as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def cmd_gc(args: argparse.Namespace) -> int:
    """Run a collection, printing each path as it goes."""
    store = open_store(args)
    opts = GCOptions(keep_outputs=args.keep_outputs, keep_derivations=args.keep_derivations,
                     max_freed=args.max_freed, dry_run=args.dry_run)

    def show(path: StorePath, _size: int) -> None:
        print(path)

    result = collect_garbage(store, opts, on_delete=show)
    verb = "would delete" if args.dry_run else "deleted"
    note = " (stopped at --max-freed)" if result.stopped_early else ""
    print(f"{verb} {len(result.deleted)} store paths, {format_size(result.freed)}{note}; "
          f"{result.live} live", file=sys.stderr)
    if result.leftovers:
        print(f"removed {result.leftovers} unregistered leftovers", file=sys.stderr)
    return 0


def cmd_roots(args: argparse.Namespace) -> int:
    """List indirect and temp roots: ``LINK -> PATH (N paths, SIZE)``."""
    store = open_store(args)
    for root in find_roots(store) + temp_root_list(store):
        if root.path is None:
            print(f"{root.link} -> {root.target} (stale, ignored)")
            continue
        if args.no_closure:
            print(f"{root.link} -> {root.path}")
            continue
        n, size = closure_size(store, root.path)
        what = f"{n} paths, {format_size(size)}" if n else "not a valid path, ignored"
        via = f" via {root.target}" if root.kind == "indirect" else ""
        print(f"{root.link} -> {root.path}{via} ({what})")
    return 0


def cmd_roots_add(args: argparse.Namespace) -> int:
    """Add a named root, or an out-link plus its indirect root."""
    store = open_store(args)
    (path,) = parse_paths(store, [args.path])
    if args.out_link:
        if args.name:
            raise InvalidInput("add root: give either NAME or --out-link, not both")
        link = add_out_link(store, args.out_link, path)
    elif args.name:
        link = add_root(store, args.name, path)
    else:
        raise InvalidInput("add root: a NAME or --out-link LINK is needed")
    print(f"{link} -> {path}")
    return 0


def cmd_roots_remove(args: argparse.Namespace) -> int:
    """Remove roots by name or out-link path."""
    store = open_store(args)
    for name in args.names:
        for link in remove_root(store, name):
            print(f"removed {link}")
    return 0
