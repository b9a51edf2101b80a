"""``sx list [PATTERN]``: the built-in recipes with their one-line descriptions."""

from __future__ import annotations

import fnmatch

from sx.cli.commands import add_command
from sx.cli.common import add_json, print_json

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``list``."""
    p = add_command(sub, "list")
    p.add_argument("pattern", nargs="?", metavar="PATTERN",
                   help="a glob on the name (gc*), or words to find in the name or "
                        "description (case-insensitive)")
    add_json(p)
    p.set_defaults(func=run)


def matches(pattern: str | None, name: str, description: str) -> bool:
    """Whether a recipe is listed for ``pattern`` (None lists everything)."""
    if not pattern:
        return True
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(name, pattern)
    text = f"{name} {description}".lower()
    return all(word in text for word in pattern.lower().split())


def run(args: argparse.Namespace) -> int:
    """Print ``NAME  DESCRIPTION`` per recipe (or the JSON list); exit 1 when nothing matches."""
    from sx.derivations.registry import REGISTRY, summary

    rows = [(name, REGISTRY[name], summary(name)) for name in REGISTRY]
    rows = [r for r in rows if matches(args.pattern, r[0], r[2])]
    if args.json:
        print_json([{"name": n, "installable": t, "description": d} for n, t, d in rows])
    else:
        width = max((len(n) for n, _, _ in rows), default=0)
        for name, _, desc in rows:
            print(f"{name:<{width}}  {desc}")
    return 0 if rows else 1
