"""``sx realize``: build installables and print their output paths."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json, setting_arg, settings
from sx.cli.installables import INSTALLABLE_HELP, Root, build_options, parse_all, realize_items
from sx.store.errors import InvalidInput

if TYPE_CHECKING:
    from sx.derivations.build.scheduler import Outcome
    from sx.derivations.installable import Installable
    from sx.store.local import LocalStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``realize``."""
    p = add_command(sub, "realize")
    p.add_argument("installables", nargs="+", metavar="INSTALLABLE", help=INSTALLABLE_HELP)
    p.add_argument("-j", "--jobs", type=setting_arg("jobs"), default=None, metavar="N",
                   help="builds at once (setting jobs; default: number of CPUs)")
    p.add_argument("-k", "--keep-going", action="store_true", default=None,
                   help="keep building what does not depend on a failure (setting keep-going)")
    p.add_argument("-n", "--dry-run", action="store_true", help="only say what would be done")
    p.add_argument("--check", action="store_true",
                   help="rebuild realized derivations and compare the bytes")
    p.add_argument("--recursive", action="store_true",
                   help="with --check: rebuild and compare every derivation of the closure")
    p.add_argument("-o", "--out-link", metavar="NAME",
                   help="symlink NAME to the output (also a GC root); never replaces anything "
                        "but an older out-link")
    p.add_argument("--no-build", action="store_true", help="substitute only; never build")
    p.add_argument("--timeout", type=setting_arg("timeout"), default=None, metavar="S",
                   help="kill a build after S seconds; 0: no limit (setting timeout)")
    p.add_argument("--max-log-size", type=setting_arg("max-log-size"), default=None,
                   metavar="SIZE",
                   help="kill a build whose log exceeds SIZE, e.g. 100M (setting max-log-size; "
                        "default 1G)")
    p.add_argument("--allow-file", action="append", default=[], metavar="PATH",
                   help="let file:// fetches read PATH (a file, or a directory and all "
                        "beneath it); adds to the setting allowed-files")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    add_json(p)
    p.set_defaults(func=run)


def _print_plan(outcome: Outcome | None) -> None:
    if outcome is None or outcome.plan is None:
        print("nothing to build: every installable is a store path", file=sys.stderr)
        return
    plan = outcome.plan
    fetch = [d for d in plan.needed if d.is_fixed_output]
    build = [d for d in plan.needed if not d.is_fixed_output]
    if build:
        print(f"these {len(build)} derivations will be built (fewer if early cutoff applies):",
              file=sys.stderr)
        for d in build:
            print(f"  {d.drv_path}", file=sys.stderr)
    if fetch:
        print(f"these {len(fetch)} paths will be fetched:", file=sys.stderr)
        for d in fetch:
            print(f"  {d.drv_path}", file=sys.stderr)
    if not plan.needed:
        print("nothing to build: every output is realized", file=sys.stderr)


def _link_names(name: str, roots: list[list[str]]) -> list[list[str]]:
    """Out-link names per root and output: NAME, NAME-2, ...; NAME-lib for output lib."""
    out = []
    for i, outputs in enumerate(roots):
        base = name if i == 0 else f"{name}-{i + 1}"
        out.append([base if o == "out" else f"{base}-{o}" for o in outputs])
    return out


def _planned_outputs(items: list[Installable]) -> list[list[str]]:
    """The output names each root will have, known before anything is built."""
    out: list[list[str]] = []
    for item in items:
        if item.path is not None:
            out.append(["out"])
        out += [list(item.selected(d)) for d in item.derivations]
    return out


def _links(store: LocalStore, name: str, roots: list[Root]) -> None:
    from sx.store.gc import add_out_link

    names = _link_names(name, [[o for o, _ in outs] for _, _, outs in roots])
    for (_, _, outs), links in zip(roots, names, strict=True):
        for (_, path), link in zip(outs, links, strict=True):
            add_out_link(store, link, path)


def to_json(outcome: Outcome | None, roots: list[Root], dry_run: bool) -> dict[str, Any]:
    """The ``--json`` document (schema ``realize`` in docs/json.md)."""
    results = [{"installable": item.text,
                "drvPath": str(drv.drv_path) if drv is not None else None,
                "outputs": {o: str(p) for o, p in outs}} for item, drv, outs in roots]
    built, fetched, substituted = [], [], []
    if outcome is not None and dry_run and outcome.plan is not None:
        built = [d for d in outcome.plan.needed if not d.is_fixed_output]
        fetched = [d for d in outcome.plan.needed if d.is_fixed_output]
    elif outcome is not None:
        built = [d for d in outcome.built if not d.is_fixed_output]
        fetched = [d for d in outcome.built if d.is_fixed_output]
        substituted = list(outcome.substituted)
    return {"dryRun": dry_run, "results": results,
            "built": [str(d.drv_path) for d in built],
            "fetched": [str(d.drv_path) for d in fetched],
            "substituted": [str(d.drv_path) for d in substituted]}


def run(args: argparse.Namespace) -> int:
    """Parse, realize, print one output path per line (or the JSON document)."""
    # Imported here: the parser of every command must stay cheap to build.
    from sx.derivations.build.progress import Progress

    if args.recursive and not args.check:
        raise InvalidInput("realize: --recursive: only meaningful with --check")
    store = open_store(args)
    s = settings(store, {"jobs": args.jobs, "keep-going": args.keep_going,
                         "timeout": args.timeout, "max-log-size": args.max_log_size})
    items = parse_all(store, args.installables)
    if args.out_link and not args.dry_run:
        from sx.store.gc import check_out_link

        for links in _link_names(args.out_link, _planned_outputs(items)):
            for link in links:
                check_out_link(store, link)
    allowed = tuple(os.path.abspath(p) for p in args.allow_file)
    outcome, roots = realize_items(store, items, lambda: build_options(
        s, dry_run=args.dry_run, check=args.check, check_closure=args.recursive,
        no_build=args.no_build, allowed_files=allowed, progress=Progress(quiet=args.quiet)))
    if args.json:
        print_json(to_json(outcome, roots, args.dry_run))
    if args.dry_run:
        _print_plan(outcome)
        return 0
    if args.out_link:
        _links(store, args.out_link, roots)
    if args.check and outcome is not None:
        print(f"check: {len(outcome.built)} derivation(s) rebuilt, every one bit-identical",
              file=sys.stderr)
    if not args.json:
        for _, _, outs in roots:
            for _, path in outs:
                print(path)
    return 0
