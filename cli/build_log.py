"""``sx log [-f] INSTALLABLE``: print (or follow) the build log of a derivation."""

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
    p.add_argument("-f", "--follow", action="store_true",
                   help="a build running now: print its log as it grows, until it ends")
    p.set_defaults(func=run)


def _write(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def run(args: argparse.Namespace) -> int:
    """Print the log(s): of a running build as far as it got (``-f``: to its end)."""
    from sx.derivations.build.logs import follow, open_live, read_log
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
        live = open_live(store.logs, p)
        if live is not None:
            with live:
                if args.follow:
                    follow(live, _write)
                else:
                    _write(live.read())
            continue
        data = read_log(store.logs, p)
        if data is None:
            raise NotFound(f"log {p}: no build log (not built in this store, or a cache hit)")
        _write(data)
    return 0
