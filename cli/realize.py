"""``sx realize``: build installables and print their output paths."""

from __future__ import annotations

import os
import sys

from sx.cli.cache_options import add_cache_options, cache_overrides
from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json, setting_arg, settings
from sx.cli.installables import INSTALLABLE_HELP, Root, build_options, parse_all, realize_items
from sx.store.config import DEFAULT_MAX_PIDS
from sx.store.errors import InvalidInput

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from sx.derivations.build.plan import Plan
    from sx.derivations.build.realize import Outcome
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
    add_limits(p)
    p.add_argument("-L", "--print-build-logs", action="store_true", default=None,
                   help="show every build's output as it comes, prefixed by its name "
                        "(setting print-build-logs)")
    p.add_argument("-K", "--keep-failed", action="store_true", default=None,
                   help="keep a failed build's /build directory (its path is printed; "
                        "setting keep-failed)")
    p.add_argument("--allow-file", action="append", default=[], metavar="PATH",
                   help="let file:// fetches read PATH (a file, or a directory and all "
                        "beneath it); adds to the setting allowed-files")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    add_json(p)
    add_cache_options(p)
    add_remote(p)
    p.set_defaults(func=run)


def add_limits(p: argparse.ArgumentParser) -> None:
    """The per-build limits, each a setting of the same name."""
    p.add_argument("--timeout", type=setting_arg("timeout"), default=None, metavar="S",
                   help="kill a build after S seconds; 0: no limit (setting timeout)")
    p.add_argument("--max-log-size", type=setting_arg("max-log-size"), default=None,
                   metavar="SIZE",
                   help="kill a build whose log exceeds SIZE, e.g. 100M (setting max-log-size; "
                        "default 1G)")
    p.add_argument("--max-pids", type=setting_arg("max-pids"), default=None, metavar="N",
                   help=f"processes and threads one build may have (setting max-pids; default "
                        f"{DEFAULT_MAX_PIDS}; 0: no limit)")
    p.add_argument("--max-memory", type=setting_arg("max-memory"), default=None,
                   metavar="SIZE", help="memory one build may use, e.g. 2G (setting max-memory; "
                                        "default: no limit)")
    p.add_argument("--max-cpu-time", type=setting_arg("max-cpu-time"), default=None,
                   metavar="S", help="CPU seconds one build may use, all its processes together "
                                     "(setting max-cpu-time; 0: no limit)")


def add_remote(p: argparse.ArgumentParser) -> None:
    """Remote execution flags, each a setting of the same name."""
    p.add_argument("--remote", metavar="URL", type=setting_arg("remote"), default=None,
                   help="build sandboxed derivations on a remote execution engine "
                        "(grpc://HOST:PORT[/INSTANCE], grpcs:// for TLS; setting remote)")
    p.add_argument("--remote-fallback", action="store_true", default=None,
                   help="build locally when the remote engine cannot be reached "
                        "(setting remote-fallback)")
    p.add_argument("--remote-jobs", type=setting_arg("remote-jobs"), default=None, metavar="N",
                   help="remote actions in flight at once (setting remote-jobs; default 64)")


FLAGS = ("jobs", "keep-going", "timeout", "max-log-size", "max-pids", "max-memory",
         "max-cpu-time", "print-build-logs", "keep-failed", "remote", "remote-fallback",
         "remote-jobs")
"""The settings ``sx realize`` has a flag for (the flag's dest is the key with ``_``)."""


def flag_values(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line: ``--option`` first, then the named flags."""
    values: dict[str, Any] = dict(cache_overrides(args))
    for key in FLAGS:
        v = getattr(args, key.replace("-", "_"), None)
        if v is not None:
            values[key] = v
    return values


def _size(n: int) -> str:
    from sx.derivations.build.progress import size_text

    return size_text(n)


def _print_plan(plan: Plan | None) -> None:
    """What ``-n`` says, on stderr: fetches (sizes, caches), builds, look-ups after builds."""
    out = sys.stderr
    if plan is None:
        print("nothing to do: every installable is a store path", file=out)
        return
    if plan.fetch:
        print(f"these {len(plan.fetch)} paths will be fetched ({_size(plan.download_size)} "
              f"download, {_size(plan.unpacked_size)} unpacked):", file=out)
        for f in plan.fetch:
            print(f"  {f.path}  ({_size(f.download)}, {_size(f.unpacked)} unpacked) "
                  f"from {f.cache}", file=out)
    later = plan.after_builds()
    sources = [d for d in plan.needed if d.is_fixed_output and d not in later]
    build = [d for d in plan.needed if not d.is_fixed_output and d not in later]
    for what, drvs in (("sources will be downloaded from their URLs", sources),
                       ("derivations will be built", build),
                       ("derivations will be built unless a cache has them once their inputs "
                        "are built", later)):
        if drvs:
            print(f"these {len(drvs)} {what}:", file=out)
            for d in drvs:
                print(f"  {d.drv_path}", file=out)
    if not plan.needed and not plan.fetch:
        print("nothing to do: every output is realized", file=out)


def plan_json(plan: Plan | None) -> dict[str, Any]:
    """The plan as data (``sx realize -n --json``; schema ``realize-plan``)."""
    if plan is None:
        return {"fetch": [], "downloadSize": 0, "narSize": 0, "substitute": [], "build": [],
                "buildUnlessCached": []}
    later = set(plan.after_builds())
    return {
        "fetch": [{"path": str(f.path), "cache": f.cache, "downloadSize": f.download,
                   "narSize": f.unpacked} for f in plan.fetch],
        "downloadSize": plan.download_size,
        "narSize": plan.unpacked_size,
        "substitute": [str(d.drv_path) for d in plan.substitute],
        "build": [str(d.drv_path) for d in plan.needed if d not in later],
        "buildUnlessCached": [str(d.drv_path) for d in plan.needed if d in later],
    }


def to_json(outcome: Outcome | None, roots: list[Root], dry_run: bool) -> dict[str, Any]:
    """The ``--json`` document (schemas ``realize`` and ``realize-plan`` in docs/json.md)."""
    results = [{"installable": item.text,
                "drvPath": str(drv.drv_path) if drv is not None else None,
                "outputs": {o: str(p) for o, p in outs}} for item, drv, outs in roots]
    if dry_run:
        return {"dryRun": True, "results": results,
                **plan_json(outcome.plan if outcome is not None else None)}
    return {
        "dryRun": False, "results": results,
        "outputs": [{o: str(p) for o, p in outs} for _, _, outs in roots],
        "fetched": [{"path": str(i.path), "narSize": i.nar_size}
                    for i in (outcome.fetched if outcome is not None else [])],
        "downloaded": outcome.downloaded if outcome is not None else 0,
        "substituted": [str(d.drv_path) for d in (outcome.substituted if outcome else [])],
        "built": [str(d.drv_path) for d in (outcome.built if outcome else [])],
    }


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


def run(args: argparse.Namespace) -> int:
    """Parse, realize, print one output path per line (or the JSON document)."""
    # Imported here: the parser of every command must stay cheap to build.
    from sx.derivations.build.progress import Progress

    if args.recursive and not args.check:
        raise InvalidInput("realize: --recursive: only meaningful with --check")
    store = open_store(args)
    s = settings(store, flag_values(args))
    if s.remote is not None:
        from sx.derivations.build.remote.channel import RemoteUrl

        RemoteUrl.parse(s.remote)  # a typo is reported before anything is built
    items = parse_all(store, args.installables)
    if args.out_link and not args.dry_run:
        from sx.store.gc import check_out_link

        for links in _link_names(args.out_link, _planned_outputs(items)):
            for link in links:
                check_out_link(store, link)
    allowed = tuple(os.path.abspath(p) for p in args.allow_file)
    outcome, roots = realize_items(store, items, lambda: build_options(
        s, dry_run=args.dry_run, check=args.check, check_closure=args.recursive,
        no_build=args.no_build, allowed_files=allowed, progress=Progress(quiet=args.quiet),
        config=cache_overrides(args) or None))
    if args.json:
        print_json(to_json(outcome, roots, args.dry_run))
    if args.dry_run:
        if not args.json:
            _print_plan(outcome.plan if outcome is not None else None)
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
