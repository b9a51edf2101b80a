"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os

from sx.store.local import LocalStore
from sx.store.path import StorePath


def open_store(args: argparse.Namespace) -> LocalStore:
    """Open the store named by ``--root`` / ``$SX_ROOT`` / the default."""
    return LocalStore(getattr(args, "root", None) or os.environ.get("SX_ROOT"))


def parse_paths(store: LocalStore, texts: list[str]) -> list[StorePath]:
    """Parse store path arguments (logical, physical or base names; symlinks followed)."""
    out = []
    for t in texts:
        if os.path.islink(t) and not t.startswith("/sx/store/"):
            t = os.readlink(t)
        out.append(store.parse_path(t))
    return out
