"""A closure of hundreds of paths, downloaded under a low open-file limit."""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path

from cache_helpers import sx_cmd
from sx.store.cache import open_cache
from sx.store.cache.copy import copy_to
from sx.store.local import LocalStore
from sx.store.path import StorePath

PATHS = 400


def _low_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))


def test_hundreds_of_paths_under_a_low_file_limit(tmp_path: Path, store: LocalStore,
                                                  store2: LocalStore) -> None:
    prev: list[StorePath] = []
    for i in range(PATHS):
        refs = prev[-3:]
        prev.append(store.add_bytes(f"node {i} {refs}".encode(), f"n{i}", references=refs).path)
    url = f"file://{tmp_path / 'cache'}"
    report = copy_to(store, open_cache(url), [prev[-1]], jobs=4)
    assert len(report.uploaded) == PATHS
    r = subprocess.run(sx_cmd("--root", store2.root, "copy", "--from", url, "--no-check-sigs",
                              str(prev[-1])),
                       capture_output=True, text=True, preexec_fn=_low_limit, timeout=300,
                       check=False)
    assert r.returncode == 0, r.stderr
    assert store2.valid_subset(prev) == set(prev)
