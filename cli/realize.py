"""``sx realize``: build installables and print their output paths."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sx.cli.cache_options import add_cache_options, cache_overrides
from sx.cli.common import open_store
from sx.derivations.build.settings import DEFAULT_MAX_LOG, DEFAULT_MAX_PIDS
from sx.store.errors import InvalidInput

T = TypeVar("T", int, float)

if TYPE_CHECKING:
    from sx.derivations.build.plan import Plan
    from sx.derivations.build.scheduler import Outcome
    from sx.store.local import LocalStore
    from sx.store.path import StorePath

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(text: str) -> int:
    """``1000``, ``64k``, ``10M``, ``1G`` -> bytes."""
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    num, unit = (t[:-1], t[-1]) if t and t[-1] in "kmg" else (t, "")
    if not num.isdigit():
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    return int(num) * _UNITS[unit]


def _limit(parse: Callable[[str], T]) -> Callable[[str], T | None]:
    """A limit option: a positive value, or 0 for none."""
    def convert(text: str) -> T | None:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more: {text!r}")
        return value or None
    return convert


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``realize``."""
    p = sub.add_parser("realize", help="build installables; print their output paths")
    p.add_argument("installables", nargs="+", metavar="INSTALLABLE",
                   help="FILE.py:attr, module:attr, a .drv or store path, or a recipe name")
    p.add_argument("-j", "--jobs", type=int, default=0,
                   help="builds at once (default: number of CPUs)")
    p.add_argument("-k", "--keep-going", action="store_true",
                   help="keep building what does not depend on a failure")
    p.add_argument("-n", "--dry-run", action="store_true", help="only say what would be done")
    p.add_argument("--check", action="store_true",
                   help="rebuild realized derivations and compare the bytes")
    p.add_argument("--recursive", action="store_true",
                   help="with --check: rebuild and compare every derivation of the closure")
    p.add_argument("-o", "--out-link", metavar="NAME",
                   help="symlink NAME to the output (also a GC root)")
    p.add_argument("--no-build", action="store_true", help="substitute only; never build")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="kill a build after S seconds")
    p.add_argument("--max-log-size", type=parse_size, default=DEFAULT_MAX_LOG, metavar="BYTES",
                   help="kill a build whose log exceeds BYTES (default 1G)")
    p.add_argument("--max-pids", type=_limit(int), default=DEFAULT_MAX_PIDS, metavar="N",
                   help=f"processes and threads one build may have (default {DEFAULT_MAX_PIDS};"
                        " 0: no limit)")
    p.add_argument("--max-memory", type=_limit(parse_size), default=None, metavar="BYTES",
                   help="memory one build may use (default: no limit)")
    p.add_argument("--max-cpu-time", type=_limit(float), default=None, metavar="S",
                   help="CPU seconds one build may use, all its processes together")
    p.add_argument("-L", "--print-build-logs", action="store_true",
                   help="show every build's output as it comes, prefixed by its name")
    p.add_argument("-K", "--keep-failed", action="store_true",
                   help="keep a failed build's /build directory (its path is printed)")
    p.add_argument("--allow-file", action="append", default=[], metavar="PATH",
                   help="let file:// fetches read PATH (a file, or a directory and all "
                        "beneath it); also 'allowed-files' in the configuration")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.add_argument("--json", action="store_true",
                   help="print the result (with -n: the plan) as JSON on stdout")
    add_cache_options(p)
    p.add_argument("--remote", metavar="URL", default=None,
                   help="build sandboxed derivations on a remote execution engine "
                        "(grpc://HOST:PORT[/INSTANCE], grpcs:// for TLS)")
    p.add_argument("--remote-fallback", action="store_true",
                   help="build locally when the remote engine cannot be reached")
    p.add_argument("--remote-jobs", type=int, default=64, metavar="N",
                   help="remote actions in flight at once (default 64)")
    p.set_defaults(func=run)


def _size(n: int) -> str:
    from sx.derivations.build.progress import size_text

    return size_text(n)


def _print_plan(plan: Plan) -> None:
    """What ``-n`` says, on stderr: fetches (sizes, caches), builds, look-ups after builds."""
    out = sys.stderr
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


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as data (``sx realize -n --json``)."""
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


def outcome_json(outcome: Outcome, per_root: list[list[tuple[str, StorePath]]]
                 ) -> dict[str, Any]:
    """What a realization did, as data (``sx realize --json``)."""
    return {
        "outputs": [{o: str(p) for o, p in outs} for outs in per_root],
        "fetched": [{"path": str(i.path), "narSize": i.nar_size} for i in outcome.fetched],
        "downloaded": outcome.downloaded,
        "substituted": [str(d.drv_path) for d in outcome.substituted],
        "built": [str(d.drv_path) for d in outcome.built],
    }


def _links(store: LocalStore, name: str, per_root: list[list[tuple[str, StorePath]]]) -> None:
    from sx.store.gc import add_out_link

    for i, outs in enumerate(per_root):
        base = name if i == 0 else f"{name}-{i + 1}"
        for o, path in outs:
            add_out_link(store, base if o == "out" else f"{base}-{o}", path)


def run(args: argparse.Namespace) -> int:
    """Parse, realize, print one output path per line."""
    # Imported here: every sx command loads this module to build its parser.
    from sx.derivations.build.progress import Progress
    from sx.derivations.build.scheduler import BuildOptions, realize
    from sx.derivations.installable import Installable, parse_installable

    if args.jobs < 0:
        raise InvalidInput(f"realize: -j {args.jobs}: must be 0 (all CPUs) or more")
    if args.recursive and not args.check:
        raise InvalidInput("realize: --recursive: only meaningful with --check")
    if args.remote_jobs < 1:
        raise InvalidInput(f"realize: --remote-jobs {args.remote_jobs}: must be 1 or more")
    if args.remote is not None:
        from sx.derivations.build.remote.channel import RemoteUrl

        RemoteUrl.parse(args.remote)  # a typo is reported before anything is built
    store = open_store(args)
    items: list[Installable] = [parse_installable(store, t) for t in args.installables]
    drvs = [d for i in items for d in i.derivations]
    opts = BuildOptions(
        jobs=args.jobs, keep_going=args.keep_going, dry_run=args.dry_run, check=args.check,
        check_closure=args.recursive,
        no_build=args.no_build, timeout=args.timeout, max_log_size=args.max_log_size,
        max_pids=args.max_pids, max_memory=args.max_memory, max_cpu_time=args.max_cpu_time,
        print_logs=args.print_build_logs, keep_failed=args.keep_failed,
        allowed_files=tuple(os.path.abspath(p) for p in args.allow_file),
        progress=Progress(quiet=args.quiet), config=cache_overrides(args) or None,
        remote=args.remote, remote_fallback=args.remote_fallback,
        remote_jobs=args.remote_jobs)
    outcome = realize(store, drvs, opts)
    if args.dry_run:
        assert outcome.plan is not None
        if args.json:
            print(json.dumps(plan_json(outcome.plan), indent=2))
        else:
            _print_plan(outcome.plan)
        return 0
    per_root: list[list[tuple[str, StorePath]]] = []
    k = 0
    for item in items:
        if item.path is not None:
            per_root.append([("out", item.path)])
            continue
        for drv in item.derivations:
            got = outcome.outputs[k]
            k += 1
            per_root.append([(o, got[o]) for o in item.selected(drv)])
    if args.out_link:
        _links(store, args.out_link, per_root)
    if args.check:
        print(f"check: {len(outcome.built)} derivation(s) rebuilt, every one bit-identical",
              file=sys.stderr)
    if args.json:
        print(json.dumps(outcome_json(outcome, per_root), indent=2))
        return 0
    for outs in per_root:
        for _, path in outs:
            print(path)
    return 0
