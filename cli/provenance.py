"""``sx provenance INSTALLABLE``: the binaries and fetched sources a build rests on."""

from __future__ import annotations

from typing import Any

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json
from sx.cli.installables import add_installables, parse_all

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``provenance``."""
    p = add_command(sub, "provenance")
    add_installables(p, no_build=False)
    add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the binaries (one per line), then the fetched sources with their hashes."""
    from sx.derivations.provenance import Report, report, report_of

    store = open_store(args)
    # A recipe is judged by its own graph, not by whichever derivation first
    # built the same bytes (a store path is judged by its recorded deriver).
    # Nothing is built: what is not realized is reported as such.
    found: list[tuple[str, Report]] = []
    for item in parse_all(store, args.installables):
        if item.path is not None:
            found.append((str(item.path), report(store, item.path)))
        found += [(str(d.drv_path), report_of(store, d)) for d in item.derivations]
    binaries: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    for path, rep in found:
        for seed in rep.binaries:
            binaries.append({"for": path, "path": str(seed.path), "size": seed.size,
                             "reason": seed.reason,
                             "derivation": str(seed.drv) if seed.drv else None})
        for src in rep.sources:
            sources.append({"for": path, "path": str(src.path),
                            "hashes": [str(h) for h in src.hashes],
                            "derivation": str(src.drv)})
    if args.json:
        print_json({"binaries": binaries, "sources": sources})
        return 0
    for row in binaries:
        print(f"{row['path']}\t{row['size']} bytes\t{row['reason']}")
    if not binaries:
        print("no binaries: everything was built from source in the store")
    if sources:
        print("fetched sources (no binaries found in them; pinned by these hashes):")
        for row in sources:
            print(f"{row['path']}\t{' '.join(row['hashes'])}")
    return 0
