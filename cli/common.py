"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from sx.store.local import LocalStore
from sx.store.path import StorePath


def open_store(args: argparse.Namespace) -> LocalStore:
    """Open the store named by ``--root`` / ``$SX_ROOT`` / the default.

    Crash leftovers the store could not remove are reported in one line on
    stderr; the command goes on (``sx store verify`` lists them all).
    """
    store = LocalStore(getattr(args, "root", None) or os.environ.get("SX_ROOT"))
    problems = store.leftover_problems
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        print(f"sx: warning: open store {store.root}: {problems[0]}{more}", file=sys.stderr)
    return store


def parse_paths(store: LocalStore, texts: list[str], exact: bool = False) -> list[StorePath]:
    """Parse store path arguments (logical, physical or base names; symlinks followed).

    With ``exact``, a file inside a store path is refused rather than taken
    for the path that holds it.
    """
    out = []
    for t in texts:
        if os.path.islink(t) and not t.startswith("/sx/store/"):
            t = os.readlink(t)
        out.append(store.parse_path(t, exact))
    return out


def resolve_installables(store: LocalStore, texts: list[str], realize: bool = True
                         ) -> list[StorePath]:
    """The output paths of installables (recipes, ``.drv`` paths, store paths).

    With ``realize`` missing outputs are built (or substituted) first, with
    progress on stderr; without it they must already be realized
    (:class:`~sx.store.errors.NotFound` otherwise). Store paths pass through.
    """
    from sx.derivations.build.progress import Progress
    from sx.derivations.build.scheduler import BuildOptions
    from sx.derivations.build.scheduler import realize as run_realize
    from sx.derivations.installable import parse_installable
    from sx.store.errors import NotFound

    items = [parse_installable(store, t) for t in texts]
    drvs = [d for i in items for d in i.derivations]
    opts = BuildOptions(dry_run=not realize, progress=Progress(), substitute=realize)
    outcome = run_realize(store, drvs, opts) if drvs else None
    out: list[StorePath] = []
    k = 0
    for item in items:
        if item.path is not None:
            out.append(item.path)
            continue
        for drv in item.derivations:
            assert outcome is not None
            got = outcome.outputs[k]
            k += 1
            for o in item.selected(drv):
                if o not in got:
                    raise NotFound(f"resolve {item.text}: output {o!r} of {drv.drv_path} "
                                   "is not realized")
                out.append(got[o])
    return out


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM interrupts like SIGINT (``KeyboardInterrupt``).

    For commands that build something beside their output and must remove
    it when stopped; not for trio code, which has its own signal handling.
    """
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
