"""``sx log INSTALLABLE``: print the build log of a derivation."""

from __future__ import annotations

import argparse
import sys

from sx.cli.common import open_store
from sx.store.errors import NotFound
from sx.store.path import StorePath


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``log``."""
    p = sub.add_parser("log", help="show the build log of a derivation or output")
    p.add_argument("installable", metavar="INSTALLABLE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the decompressed log(s)."""
    from sx.derivations.build.logs import read_log
    from sx.derivations.installable import parse_installable

    store = open_store(args)
    item = parse_installable(store, args.installable)
    drv_paths: list[StorePath] = [d.drv_path for d in item.derivations]
    if item.path is not None:
        info = store.require(item.path)
        if info.deriver is None:
            raise NotFound(f"log {item.path}: not built here (no deriver recorded)")
        drv_paths = [info.deriver]
    for p in drv_paths:
        data = read_log(store.logs, p)
        if data is None:
            raise NotFound(f"log {p}: no build log (not built in this store, or a cache hit)")
        sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0
