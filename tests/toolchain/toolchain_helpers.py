"""Helpers for the toolchain tests."""

from __future__ import annotations

from collections.abc import Sequence

from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore
from sx.store.path import StorePath


def build(store: LocalStore, drvs: Sequence[Derivation]) -> list[StorePath]:
    """Realize ``drvs``; their ``out`` paths in order."""
    outcome = realize(store, list(drvs), BuildOptions(jobs=2))
    return [o["out"] for o in outcome.outputs]
