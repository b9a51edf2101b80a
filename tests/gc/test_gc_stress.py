"""Builds, adds, roots and collections from several processes at once, for a bounded time.

Every worker checks after each step that everything it holds or rooted is
valid with its whole closure and present on disk; at the end the store must
verify clean (contents re-hashed), and every root's closure be complete.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from gc_support import Helper, bulk, registered_and_on_disk, sx_env
from sx.derivations.examples import busybox_tree
from sx.store.gc import find_roots
from sx.store.local import LocalStore

SECONDS = float(os.environ.get("SX_STRESS_SECONDS", "20"))
WORKERS = 3


def _check_store(store: LocalStore) -> None:
    assert store.verify(check_contents=True) == []
    reg, disk = registered_and_on_disk(store)
    assert reg == disk
    rooted = [r.path for r in find_roots(store) if r.path is not None]
    assert all(store.is_valid(p) for p in rooted)
    store.closure(rooted)  # raises NotFound if a closure is incomplete


@pytest.mark.stress
@pytest.mark.sandbox
def test_builds_adds_roots_and_gcs_concurrently(root: str, store: LocalStore, tmp_path: Path,
                                                helper: Callable[..., Helper]) -> None:
    bulk(store, "initial-garbage", 300, files=1, refs_of=lambda i, ps: ps[-1:])
    busybox_tree(str(tmp_path / "busybox"))
    workers = [helper("stress", str(SECONDS), f"w{k}") for k in range(WORKERS)]
    workers.append(helper("builds", str(SECONDS), "b0", str(tmp_path)))
    deadline = time.monotonic() + SECONDS
    collections = 0
    while time.monotonic() < deadline:
        r = subprocess.run([sys.executable, "-m", "sx.cli.main", "gc"], env=sx_env(root),
                           capture_output=True, text=True, timeout=120, check=False)
        assert r.returncode == 0, r.stderr
        collections += 1
    reports = [w.line() for w in workers]
    failures = [line for line in reports if not line.startswith("ok ")]
    assert failures == []
    ops = [int(line.split()[1]) for line in reports]
    print(f"stress: {collections} collections; steps per worker (last: builds) {ops}")
    assert collections >= 3 and sum(ops[:-1]) >= WORKERS * 10 and ops[-1] >= 3, (collections, ops)
    _check_store(store)
    for w in workers:
        w.finish()
    r = subprocess.run([sys.executable, "-m", "sx.cli.main", "gc"], env=sx_env(root),
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    _check_store(store)
    rooted = {r.path for r in find_roots(store) if r.path is not None}
    assert {p.base for p in store.closure(rooted)} == registered_and_on_disk(store)[0]
