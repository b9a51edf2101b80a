"""``sx log [-f] [INSTALLABLE...]``: print (or follow) build logs, or list the stored ones."""

from __future__ import annotations

import os
import sys

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json
from sx.cli.installables import INSTALLABLE_HELP, drv_paths_of
from sx.store.errors import InvalidInput, NotFound

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``log``."""
    p = add_command(sub, "log")
    p.add_argument("installables", nargs="*", metavar="INSTALLABLE",
                   help=f"{INSTALLABLE_HELP}; an output stands for the derivation that built "
                        "it. Without one, list every stored log")
    p.add_argument("-f", "--follow", action="store_true",
                   help="a build running now: print its log as it grows, until it ends")
    add_json(p)
    p.set_defaults(func=run)


def _write(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _list(logs: str, as_json: bool) -> int:
    from sx.derivations.build.logs import list_logs

    rows = list_logs(logs)
    if as_json:
        print_json([{"drvPath": str(p), "size": size, "time": mtime} for p, size, mtime in rows])
        return 0
    for p, size, mtime in rows:
        print(f"{p}\t{size}\t{mtime}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Print the log(s): of a running build as far as it got (``-f``: to its end)."""
    from sx.derivations.build.logs import follow, log_path, open_live, read_log

    store = open_store(args)
    if not args.installables:
        if args.follow:
            raise InvalidInput("log: -f needs an installable (the build to follow)")
        return _list(store.logs, args.json)
    if args.json and args.follow:
        raise InvalidInput("log: --json and -f do not go together")
    docs = []
    for item, drv_path in drv_paths_of(store, args.installables, "log"):
        live = open_live(store.logs, drv_path)
        if live is not None and not args.json:
            with live:
                if args.follow:
                    follow(live, _write)
                else:
                    _write(live.read())
            continue
        if live is not None:
            live.close()
        data = read_log(store.logs, drv_path)
        if data is None:
            raise NotFound(f"log {item.text}: no build log for {drv_path} (not built in "
                           "this store, or a cache hit)")
        if args.json:
            st = os.stat(log_path(store.logs, drv_path))
            docs.append({"installable": item.text, "drvPath": str(drv_path),
                         "size": st.st_size, "time": int(st.st_mtime),
                         "text": data.decode("utf-8", errors="replace")})
            continue
        _write(data)
    if args.json:
        print_json(docs)
    return 0
