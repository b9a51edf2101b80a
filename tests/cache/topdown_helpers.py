"""A four-level graph of builtin derivations for the top-down substitution tests.

``seed`` (large) and ``tool`` are build-time inputs only: nothing refers to
them. ``lib`` is referred to by ``app``, so the runtime closure of ``app``
is ``{app, lib}``. Builtins need no sandbox, so these tests run anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cache_helpers import sign
from sx.derivations.build.plan import make_plan
from sx.derivations.build.progress import Progress
from sx.derivations.build.realize import BuildOptions, Outcome, realize
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation
from sx.store.cache import open_cache
from sx.store.cache.copy import copy_to
from sx.store.cache.layout import CachedPath, info_key, realisation_key
from sx.store.cache.signing import SecretKey
from sx.store.local import LocalStore
from sx.store.path import StorePath


def write(name: str, text: str, inputs: list[Derivation]) -> Derivation:
    """A ``builtin:write`` derivation."""
    return derivation(name, BUILTIN_WRITE, env={"text": text}, inputs=inputs, system="builtin")


@dataclass
class Graph:
    """The four derivations, inputs first."""

    seed: Derivation
    tool: Derivation
    lib: Derivation
    app: Derivation

    @property
    def all(self) -> list[Derivation]:
        return [self.seed, self.tool, self.lib, self.app]


def graph(tag: str = "", seed_size: int = 1 << 18) -> Graph:
    """The graph (the same ``tag`` gives the same derivations)."""
    seed = write("seed", (f"seed {tag} " * (seed_size // 8 + 1))[:seed_size], [])
    tool = write("tool", f"tool {tag} made with a seed\n", [seed])
    lib = write("lib", f"lib {tag} made with a tool\n", [tool])
    app = write("app", f"app {tag} using {lib.out}/x\n", [lib])
    return Graph(seed, tool, lib, app)


@dataclass
class Published:
    """A graph built in one store, signed, and copied to caches."""

    g: Graph
    outputs: dict[Derivation, StorePath] = field(default_factory=dict)


def publish(store: LocalStore, g: Graph, urls: list[str], signers: list[SecretKey]) -> Published:
    """Build every level, sign all outputs and their realisations, upload them all."""
    out = realize(store, g.all, BuildOptions(progress=Progress(quiet=True, live=False)))
    pub = Published(g, {d: o["out"] for d, o in zip(g.all, out.outputs, strict=True)})
    for key in signers:
        sign(store, key, list(pub.outputs.values()))
    for url in urls:
        copy_to(store, open_cache(url, "test-upload-token"), list(pub.outputs.values()))
    return pub


def keys_of(store: LocalStore, g: Graph, drv: Derivation) -> list[str]:
    """The cache keys of ``drv``'s realisations (both kinds) and of its output's record."""
    plan = make_plan(store, g.all)
    out = plan.known[(drv.drv_path, "out")]
    return [realisation_key(plan.resolved[drv], "out"), realisation_key(plan.modulo[drv], "out"),
            info_key(out)]


def drop(cache_dir: str, store: LocalStore, g: Graph, drv: Derivation) -> None:
    """Make a file cache forget ``drv``: its realisations, its record and its archive."""
    path = make_plan(store, g.all).known[(drv.drv_path, "out")]
    for key in keys_of(store, g, drv):
        f = os.path.join(cache_dir, key)
        if key.startswith("info/"):
            with open(f, "rb") as fh:
                rec = CachedPath.decode(fh.read(), path, cache_dir)
            os.unlink(os.path.join(cache_dir, rec.archive_key))
        os.unlink(f)


def archive_bytes(cache_dir: str, store: LocalStore, paths: list[StorePath]) -> int:
    """The compressed sizes of the archives of ``paths`` in a file cache."""
    total = 0
    for p in paths:
        with open(os.path.join(cache_dir, info_key(p)), "rb") as fh:
            rec = CachedPath.decode(fh.read(), p, cache_dir)
        total += os.path.getsize(os.path.join(cache_dir, rec.archive_key))
    return total


def run(store: LocalStore, roots: list[Derivation], **kw: object) -> Outcome:
    """Realize with a non-terminal progress that records its lines."""
    kw.setdefault("progress", Progress(quiet=True, live=False))
    return realize(store, roots, BuildOptions(**kw))  # type: ignore[arg-type]
