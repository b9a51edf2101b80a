"""``sx gc``: collect garbage; ``sx gc roots``: list, add and remove GC roots."""

from __future__ import annotations

import sys
from typing import Any

from sx.cli.commands import add_command
from sx.cli.common import SIZE_HELP, add_json, open_store, print_json, settings, size_arg
from sx.cli.installables import INSTALLABLE_HELP, resolve_paths
from sx.store.errors import InvalidInput
from sx.store.gc import (
    GCOptions,
    Root,
    add_out_link,
    add_root,
    check_out_link,
    closure_size,
    collect_garbage,
    find_roots,
    remove_root,
    temp_root_list,
)
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx.store.sizes import format_size

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``gc`` command and its ``roots`` subcommands."""
    p = add_command(sub, "gc")
    p.add_argument("--dry-run", action="store_true", help="print what would be deleted")
    p.add_argument("--max-freed", metavar="SIZE", type=size_arg,
                   help=f"stop after freeing SIZE: {SIZE_HELP}")
    p.add_argument("--keep-outputs", action="store_true", default=None,
                   help="keep the outputs of live derivations (setting keep-outputs)")
    p.add_argument("--keep-derivations", action="store_true", default=None,
                   help="keep the derivations that produced live paths (setting "
                        "keep-derivations)")
    add_json(p)
    p.set_defaults(func=cmd_gc)
    s = p.add_subparsers(dest="gc_command", metavar="SUBCOMMAND")

    r = s.add_parser("roots", help="list GC roots and what they keep alive")
    r.add_argument("--no-closure", action="store_true", help="skip the closure sizes")
    add_json(r)
    r.set_defaults(func=cmd_roots)
    rs = r.add_subparsers(dest="roots_command", metavar="ACTION")

    a = rs.add_parser("add", help="make a path a GC root")
    a.add_argument("name", nargs="?", help="root name under <root>/var/gcroots")
    a.add_argument("path", metavar="INSTALLABLE", help=INSTALLABLE_HELP)
    a.add_argument("--no-build", action="store_true",
                   help="substitute a missing output but never build it")
    a.add_argument("--out-link", metavar="LINK",
                   help="instead of NAME: write symlink LINK to the path and root it")
    a.set_defaults(func=cmd_roots_add)

    rm = rs.add_parser("remove", help="remove a GC root (by name, or by its out-link)")
    rm.add_argument("names", nargs="+")
    rm.set_defaults(func=cmd_roots_remove)


def cmd_gc(args: argparse.Namespace) -> int:
    """Run a collection, printing each path as it goes (or the JSON document at the end)."""
    store = open_store(args)
    s = settings(store, {"keep-outputs": args.keep_outputs,
                         "keep-derivations": args.keep_derivations})
    opts = GCOptions(keep_outputs=s.keep_outputs, keep_derivations=s.keep_derivations,
                     max_freed=args.max_freed, dry_run=args.dry_run)

    def show(path: StorePath, _size: int) -> None:
        if not args.json:
            print(path)

    result = collect_garbage(store, opts, on_delete=show)
    if args.json:
        print_json({"dryRun": args.dry_run, "deleted": [str(p) for p in result.deleted],
                    "freed": result.freed, "live": result.live,
                    "stoppedEarly": result.stopped_early, "leftovers": result.leftovers})
        return 0
    verb = "would delete" if args.dry_run else "deleted"
    note = " (stopped at --max-freed)" if result.stopped_early else ""
    print(f"{verb} {len(result.deleted)} store paths, {format_size(result.freed)}{note}; "
          f"{result.live} live", file=sys.stderr)
    if result.leftovers:
        print(f"removed {result.leftovers} unregistered leftovers", file=sys.stderr)
    return 0


def _root_json(store: LocalStore, root: Root, sizes: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {"link": root.link, "target": root.target, "kind": root.kind,
                           "path": str(root.path) if root.path else None}
    if sizes and root.path is not None:
        n, size = closure_size(store, root.path)
        doc["closure"] = {"paths": n, "size": size} if n else None
    return doc


def cmd_roots(args: argparse.Namespace) -> int:
    """List indirect and temp roots: ``LINK -> PATH (N paths, SIZE)``."""
    store = open_store(args)
    roots = find_roots(store) + temp_root_list(store)
    if args.json:
        print_json([_root_json(store, r, not args.no_closure) for r in roots])
        return 0
    for root in roots:
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
    if args.out_link:
        check_out_link(store, args.out_link)
    paths = resolve_paths(store, [args.path], no_build=args.no_build)
    if len(paths) != 1:
        raise InvalidInput(f"add root {args.path}: stands for {len(paths)} paths; select one "
                           "output with ^NAME")
    (path,) = paths
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
