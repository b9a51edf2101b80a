"""Helpers for the builder tests (fixtures are in conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from sx.derivations.build.progress import Progress
from sx.derivations.build.scheduler import BuildOptions, Outcome, realize
from sx.derivations.model import Derivation, Source, derivation
from sx.store.local import LocalStore


class Shell:
    """Makes sandboxed busybox-sh derivations."""

    def __init__(self, bb: Source) -> None:
        self.bb = bb
        self.sh = f"{bb}/bin/sh"

    def __call__(self, name: str, script: str, inputs: Sequence[Derivation] = (),
                 **kw: object) -> Derivation:
        srcs = [self.bb, *kw.pop("srcs", ())]  # type: ignore[misc]
        return derivation(name, self.sh, ["-c", script], inputs=inputs, srcs=srcs,
                          **kw)  # type: ignore[arg-type]


def build(store: LocalStore, *drvs: Derivation, **kw: object) -> Outcome:
    """Realize with quiet progress."""
    kw.setdefault("progress", Progress(quiet=True, live=False))
    return realize(store, list(drvs), BuildOptions(**kw))  # type: ignore[arg-type]


def out(store: LocalStore, drv: Derivation, **kw: object) -> str:
    """Realize ``drv`` and return the physical path of its ``out``."""
    o = build(store, drv, **kw)
    return store.real_path(o.outputs[0]["out"])


def read(path: str) -> str:
    """A file's text."""
    with open(path) as f:
        return f.read()


def leftovers(store: LocalStore) -> list[str]:
    """Entries left in the store's temp area (should be none after a run)."""
    return sorted(os.listdir(store.tmp))
