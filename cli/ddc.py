"""``sx ddc TARGET --seed A --seed B``: diverse double-compiling in one command."""

from __future__ import annotations

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json, setting_arg, settings
from sx.cli.installables import build_options
from sx.derivations.bootstrap.toolchain.ddc import (
    DEFAULT_SEEDS,
    TARGETS,
    Report,
    compare,
    target_stages,
)
from sx.derivations.build.progress import Progress
from sx.derivations.build.realize import realize

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse

DIVERGED = 6
"""Exit code when the final stage still depends on the seed."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ddc``."""
    p = add_command(sub, "ddc")
    p.add_argument("target", metavar="TARGET", help=f"one of: {', '.join(sorted(TARGETS))}")
    p.add_argument("--seed", action="append", dest="seeds", metavar="SEED",
                   help=f"a seed to start from (repeat; default: {', '.join(DEFAULT_SEEDS)})")
    p.add_argument("-j", "--jobs", type=setting_arg("jobs"), default=None, metavar="N",
                   help="builds at once (setting jobs; default: number of CPUs)")
    add_json(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Realize every seed's stages in one graph, then compare per stage."""
    store = open_store(args)
    seeds = args.seeds or list(DEFAULT_SEEDS)
    stages = target_stages(args.target, seeds)
    roots = [d for st in stages.values() for _, d in st]
    opts = build_options(settings(store, {"jobs": args.jobs}), progress=Progress(quiet=args.quiet))
    outcome = realize(store, roots, opts)
    outputs, k = {}, 0
    for seed, st in stages.items():
        outputs[seed] = [outcome.outputs[k + i]["out"] for i in range(len(st))]
        k += len(st)
    report = compare(args.target, stages, outputs)
    if args.json:
        print_json(to_json(report))
    else:
        _print(report)
    return 0 if report.ok else DIVERGED


def to_json(r: Report) -> dict[str, object]:
    """The ``--json`` document (schema ``ddc`` in docs/json.md)."""
    return {
        "target": r.target,
        "seeds": list(r.seeds),
        "stages": [{"stage": s.stage, "converged": s.converged,
                    "paths": {k: str(v) for k, v in s.paths.items()}} for s in r.stages],
        "firstDivergence": r.first_divergence,
        "convergedFrom": r.converged_from,
        "ok": r.ok,
    }


def _print(r: Report) -> None:
    for s in r.stages:
        if s.converged:
            path = next(iter(s.paths.values()))
            print(f"{s.stage}: same path from all {len(r.seeds)} seeds: {path}")
            continue
        print(f"{s.stage}: differs")
        for seed, path in s.paths.items():
            print(f"  {seed}: {path}")
    print(f"first divergence: {r.first_divergence or 'none'}")
    if r.ok:
        print(f"converged from {r.converged_from}: the seeds "
              f"({', '.join(r.seeds)}) give the same {r.stages[-1].stage}")
    else:
        print(f"not converged: {r.stages[-1].stage} still depends on the seed")
