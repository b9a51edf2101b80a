"""``sx bootstrap seed``: rebuild the hex0 seed from its source three independent ways."""

from __future__ import annotations

import sys

from sx.cli.commands import add_command
from sx.store.errors import InvalidInput

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bootstrap`` command group."""
    p = add_command(sub, "bootstrap")
    s = p.add_subparsers(dest="bootstrap_command", metavar="SUBCOMMAND", required=True)
    seed = s.add_parser("seed", help="turn the seed's hex0 source into bytes three ways")
    seed.add_argument("-o", "--output", help="also write the agreed binary here")
    seed.set_defaults(func=cmd_seed)


def cmd_seed(args: argparse.Namespace) -> int:
    from sx.derivations.bootstrap.stage0 import converters, recipes

    source = recipes.SEED_SOURCE
    report = converters.seed_report(source)
    width = max(len(m) for m, _, _ in report)
    print(f"seed source: {recipes.SEED_SOURCE_NAME}")
    print(f"{'method':<{width}}  {'sha256':<64}  blake3")
    for method, sha, b3 in report:
        print(f"{method:<{width}}  {sha}  {b3}")
    shas = {sha for _, sha, _ in report}
    b3s = {b3 for _, _, b3 in report}
    if len(shas) != 1 or len(b3s) != 1:
        raise InvalidInput("convert seed: the methods disagree")
    pinned = recipes.SEED_SHA256
    if pinned != next(iter(shas)):
        raise InvalidInput(f"convert seed: agreed sha256 {next(iter(shas))}, recipe pins {pinned}")
    print(f"all {len(report)} methods agree; the recipe pins sha256:{pinned}", file=sys.stderr)
    if args.output:
        data = converters.convert_python(source)
        with open(args.output, "wb") as f:
            f.write(data)
    return 0
