"""``sx log [INSTALLABLE...]``: print build logs, or list the stored ones."""

from __future__ import annotations

import argparse
import os
import sys

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json
from sx.cli.installables import INSTALLABLE_HELP, derivations_of
from sx.store.errors import NotFound


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``log``."""
    p = add_command(sub, "log")
    p.add_argument("installables", nargs="*", metavar="INSTALLABLE",
                   help=f"{INSTALLABLE_HELP}; an output stands for the derivation that built "
                        "it. Without one, list every stored log")
    add_json(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the decompressed log(s), or the list of logs."""
    from sx.derivations.build.logs import list_logs, log_path, read_log

    store = open_store(args)
    if not args.installables:
        rows = list_logs(store.logs)
        if args.json:
            print_json([{"drvPath": str(p), "size": size, "time": mtime}
                        for p, size, mtime in rows])
        for p, size, mtime in [] if args.json else rows:
            print(f"{p}\t{size}\t{mtime}")
        return 0
    docs = []
    for item, drv in derivations_of(store, args.installables, "log"):
        data = read_log(store.logs, drv.drv_path)
        if data is None:
            raise NotFound(f"log {item.text}: no build log for {drv.drv_path} (not built in "
                           "this store, or substituted)")
        if args.json:
            st = _stat(log_path(store.logs, drv.drv_path))
            docs.append({"installable": item.text, "drvPath": str(drv.drv_path),
                         "size": st[0], "time": st[1],
                         "text": data.decode("utf-8", errors="replace")})
            continue
        sys.stdout.buffer.write(data)
    if args.json:
        print_json(docs)
    sys.stdout.buffer.flush()
    return 0


def _stat(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, int(st.st_mtime)
