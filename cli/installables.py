"""Installables on the command line: arguments, and turning them into store paths.

Every command that takes paths or recipes goes through here, so they all
accept the same forms (see :mod:`sx.derivations.installable`). Commands that
need output paths realize what is missing first, exactly like ``sx realize``
(building or substituting); ``--no-build`` makes them substitute only, and
``lookup`` (used by commands that never write) only reads what is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sx.derivations.installable import Installable, parse_installable
from sx.store.errors import InvalidInput, NotFound
from sx.store.local import LocalStore
from sx.store.path import StorePath

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from sx.derivations.build.realize import BuildOptions, Outcome
    from sx.derivations.model import Derivation
    from sx.store.config import Settings

INSTALLABLE_HELP = ("a store path or out-link, a .drv path, FILE.py:attr, module:attr or a "
                    "recipe name (sx list); ^out,lib selects outputs")
Outputs = list[tuple[str, StorePath]]
"""The (output name, path) pairs one installable stands for."""


def add_installables(p: argparse.ArgumentParser, nargs: str = "+", dest: str = "installables",
                     no_build: bool = True) -> None:
    """Add the installable arguments (and ``--no-build``) to a command's parser."""
    p.add_argument(dest, nargs=nargs, metavar="INSTALLABLE", help=INSTALLABLE_HELP)
    if no_build:
        p.add_argument("--no-build", action="store_true",
                       help="substitute missing outputs but never build them")


def parse_all(store: LocalStore, texts: Sequence[str], *, drv_object: bool = False,
              must_exist: bool = True, sub_ok: bool = False) -> list[Installable]:
    """Parse (and evaluate) every installable before anything is built."""
    return [parse_installable(store, t, drv_object=drv_object, must_exist=must_exist,
                              sub_ok=sub_ok) for t in texts]


Root = tuple[Installable, "Derivation | None", Outputs]
"""One root of a realization: the installable, its derivation (None: a store path), outputs."""


def realize_items(store: LocalStore, items: Sequence[Installable],
                  opts: Callable[[], BuildOptions]) -> tuple[Outcome | None, list[Root]]:
    """Realize the derivations of ``items`` in one run; the outputs of each root.

    Every derivation of an item is a root of its own; a store path item is a
    root standing for itself (as output ``out``). ``opts`` makes the builder
    options (only called when there is something to realize). With
    ``dry_run`` nothing is built and only outputs already recorded are returned.
    """
    drvs = [d for i in items for d in i.derivations]
    outcome = None
    if drvs:
        from sx.derivations.build.realize import realize

        outcome = realize(store, drvs, opts())
    roots: list[Root] = []
    k = 0
    for item in items:
        if item.path is not None:
            roots.append((item, None, [("out", item.path)]))
            continue
        for drv in item.derivations:
            assert outcome is not None
            got = outcome.outputs[k]
            k += 1
            roots.append((item, drv, [(o, got[o]) for o in item.selected(drv) if o in got]))
    return outcome, roots


def build_options(s: Settings, **kw: Any) -> BuildOptions:
    """Builder options from the settings in force (``kw`` sets the rest)."""
    from sx.derivations.build.realize import BuildOptions

    return BuildOptions(jobs=s.jobs, keep_going=s.keep_going, timeout=s.timeout,
                        max_log_size=s.max_log_size, max_pids=s.max_pids,
                        max_memory=s.max_memory, max_cpu_time=s.max_cpu_time,
                        print_logs=s.print_build_logs, keep_failed=s.keep_failed,
                        remote=s.remote, remote_fallback=s.remote_fallback,
                        remote_jobs=s.remote_jobs, sandbox_mode=s.sandbox, **kw)


def _options(store: LocalStore, no_build: bool, lookup: bool, quiet: bool
             ) -> Callable[[], BuildOptions]:
    def make() -> BuildOptions:
        from sx.derivations.build.progress import Progress
        from sx.store.config import load_settings

        # A look-up writes nothing and asks no cache: only this store's records count.
        return build_options(load_settings(store.root), dry_run=lookup, no_build=no_build,
                             substitute=not lookup, progress=Progress(quiet=quiet))
    return make


def resolve(store: LocalStore, texts: Sequence[str], *, no_build: bool = False,
            lookup: bool = False, drv_object: bool = True, quiet: bool = False
            ) -> list[tuple[Installable, Outputs]]:
    """Each installable with the output paths it stands for, realized if needed.

    ``lookup``: build nothing, write nothing; outputs must be recorded
    already (:class:`NotFound` otherwise). ``no_build``: substitute, never build.
    """
    items = parse_all(store, texts, drv_object=drv_object)
    _, roots = realize_items(store, items, _options(store, no_build, lookup, quiet))
    per_item: dict[int, Outputs] = {id(i): [] for i in items}
    for item, drv, outs in roots:
        if drv is not None:
            got = dict(outs)
            for o in item.selected(drv):
                if o not in got:
                    raise NotFound(f"resolve {item.text}: output {o!r} of {drv.drv_path} is "
                                   f"not realized (sx realize {item.text})")
        per_item[id(item)] += outs
    return [(i, per_item[id(i)]) for i in items]


def resolve_paths(store: LocalStore, texts: Sequence[str], *, no_build: bool = False,
                  lookup: bool = False, drv_object: bool = True, quiet: bool = False
                  ) -> list[StorePath]:
    """The store paths the installables stand for, in order (see :func:`resolve`)."""
    out: list[StorePath] = []
    for _, outs in resolve(store, texts, no_build=no_build, lookup=lookup,
                           drv_object=drv_object, quiet=quiet):
        out += [p for _, p in outs]
    return list(dict.fromkeys(out))


def resolve_inside(store: LocalStore, text: str, no_build: bool = False
                   ) -> tuple[StorePath, str]:
    """One store object and a path inside it (``result/bin``) for ``store ls``/``cat``."""
    (item,) = parse_all(store, [text], drv_object=True, sub_ok=True)
    if item.path is not None:
        return item.path, item.sub
    _, roots = realize_items(store, [item], _options(store, no_build, False, False))
    outs = [o for _, _, r in roots for o in r]
    if len(outs) != 1:
        raise InvalidInput(f"resolve {text}: stands for {len(outs)} paths; select one "
                           "output with ^NAME")
    return outs[0][1], ""


def derivations_of(store: LocalStore, texts: Sequence[str], verb: str
                   ) -> list[tuple[Installable, Derivation]]:
    """The derivations installables name; a store path stands for the one it was built from."""
    from sx.derivations.instantiate import load_derivation

    out: list[tuple[Installable, Derivation]] = []
    for item in parse_all(store, texts):
        if item.derivations:
            out += [(item, d) for d in item.derivations]
        else:
            out.append((item, load_derivation(store, _deriver(store, item, verb))))
    return out


def drv_paths_of(store: LocalStore, texts: Sequence[str], verb: str
                 ) -> list[tuple[Installable, StorePath]]:
    """The ``.drv`` paths installables name, as :func:`derivations_of` finds them, without
    loading the derivations of store paths (``sx log`` needs only their names)."""
    out: list[tuple[Installable, StorePath]] = []
    for item in parse_all(store, texts):
        if item.derivations:
            out += [(item, d.drv_path) for d in item.derivations]
        else:
            out.append((item, _deriver(store, item, verb)))
    return out


def _deriver(store: LocalStore, item: Installable, verb: str) -> StorePath:
    """The derivation a store path was built from, as recorded in its path info."""
    assert item.path is not None
    info = store.require(item.path)
    if info.deriver is None:
        raise NotFound(f"{verb} {item.text}: {item.path} was not built here "
                       "(no deriver recorded)")
    return info.deriver


def parse_remote_paths(store: LocalStore, texts: Sequence[str], verb: str) -> list[StorePath]:
    """Store paths named for a cache (``--from URL``): they need not be valid here."""
    paths = []
    for item in parse_all(store, texts, drv_object=True, must_exist=False):
        if item.path is None:
            raise InvalidInput(f"{verb} {item.text}: names a derivation; with --from give the "
                               "store paths to fetch (sx realize --no-build substitutes "
                               "a recipe's outputs from the configured caches)")
        paths.append(item.path)
    return paths
