"""``sx run INSTALLABLE [-- ARGS]`` and ``sx shell INSTALLABLE... [-c CMD]``.

Both realize (or substitute) what they are given, then replace sx with the
program: the installable's main program, or a shell with the outputs'
``bin/`` first on ``PATH``; the store is visible at ``/sx/store`` however
the physical root is placed (:mod:`sx.derivations.storeview`). The exit
status is the program's.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from sx.cli.commands import add_command
from sx.cli.common import open_store
from sx.cli.installables import INSTALLABLE_HELP, build_options, parse_all, realize_items
from sx.store.errors import InvalidInput, NotFound
from sx.store.path import STORE_DIR, StorePath

if TYPE_CHECKING:
    from sx.store.local import LocalStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``run`` and ``shell``."""
    p = add_command(sub, "run")
    p.add_argument("installable", metavar="INSTALLABLE", help=INSTALLABLE_HELP)
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="-- ARGS",
                   help="arguments for the program")
    p.set_defaults(func=run)
    s = add_command(sub, "shell")
    s.add_argument("installables", nargs="+", metavar="INSTALLABLE", help=INSTALLABLE_HELP)
    s.add_argument("-c", "--command", metavar="CMD", help="run CMD with the shell, then exit")
    s.set_defaults(func=shell)


def _realize(store: LocalStore, text: str) -> list[tuple[str, dict[str, str], StorePath]]:
    """(name, meta, output path) of each selected output of ``text``, realized."""
    from sx.derivations.build.progress import Progress
    from sx.derivations.instantiate import load_derivation
    from sx.store.config import load_settings

    items = parse_all(store, [text])
    item = items[0]
    if item.path is not None:
        info = store.require(item.path)
        meta: dict[str, str] = {}
        name = item.path.name
        if info.deriver is not None and store.is_valid(info.deriver):
            drv = load_derivation(store, info.deriver)
            meta, name = drv.meta_dict, drv.name
        return [(name, meta, item.path)]
    _, roots = realize_items(store, items, lambda: build_options(
        load_settings(store.root), progress=Progress()))
    return [(drv.name, drv.meta_dict, path) for _, drv, outs in roots if drv is not None
            for _, path in outs]


def run(args: argparse.Namespace) -> int:
    """Realize, then exec the main program (never returns on success)."""
    from sx.derivations.storeview import exec_in_view, main_program

    store = open_store(args)
    extra = list(args.args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    name, meta, path = _realize(store, args.installable)[0]
    rel = main_program(name, meta)
    if not os.path.isfile(os.path.join(store.real_path(path), rel)):
        raise NotFound(f"run {args.installable}: {path} has no program {rel} "
                       "(set meta mainProgram in the recipe)")
    exec_in_view(store.store_dir, [f"{path}/{rel}", *extra], os.environ)
    return 0


def shell(args: argparse.Namespace) -> int:
    """Realize, then exec a shell (or ``-c CMD``) with every output's ``bin/`` on ``PATH``."""
    from sx.derivations.storeview import exec_in_view

    store = open_store(args)
    paths = [p for text in args.installables for _, _, p in _realize(store, text)]
    bins = [f"{STORE_DIR}/{p.base}/bin" for p in paths
            if os.path.isdir(os.path.join(store.real_path(p), "bin"))]
    if not bins:
        raise InvalidInput(f"shell {' '.join(args.installables)}: no output has a bin/ directory")
    env = dict(os.environ)
    env["PATH"] = ":".join([*bins, env.get("PATH", "/usr/bin:/bin")])
    sh = env.get("SHELL") or "/bin/sh"
    argv = [sh, "-c", args.command] if args.command is not None else [sh]
    exec_in_view(store.store_dir, argv, env)
    return 0
