"""Several processes adding the same content at the same moment converge on one path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from store_helpers import many_files, store_is_clean, write
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx_runner import Sx

WORKER = str(Path(__file__).with_name("store_worker.py"))
WORKERS = 3
ROUNDS = 25


@pytest.mark.stress
def test_processes_racing_to_add_the_same_trees(root: str, tmp_path: Path) -> None:
    base = tmp_path / "sources"
    for r in range(ROUNDS):
        many_files(base / f"t{r}", 20 + r, size=500 + r)
        write(base / f"t{r}" / "round", str(r))
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    LocalStore(root)  # create it once, so the racers only race on adding
    procs = [subprocess.Popen([sys.executable, WORKER, "race", root, str(base), str(ROUNDS),
                               str(w), str(WORKERS), str(barrier)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(WORKERS)]
    results: list[dict[int, str]] = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(dict((int(r), path) for r, path in (line.split() for line in
                                                          out.splitlines())))
    for r in range(ROUNDS):
        assert len({res[r] for res in results}) == 1, f"round {r}: {[x[r] for x in results]}"
    store = LocalStore(root)
    assert sorted(store.all_paths()) == sorted(StorePath.parse(results[0][r])
                                               for r in range(ROUNDS))
    store_is_clean(store)


@pytest.mark.stress
def test_cli_adds_at_once(sx: Sx, tmp_path: Path) -> None:
    tree = many_files(tmp_path / "tree", 300)
    procs = [subprocess.Popen(sx.argv("store", "add", str(tree)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert len({o for o, _ in outs}) == 1
    assert os.listdir(os.path.join(sx.root, "store")) == [outs[0][0].strip().split("/")[-1]]
    assert sx("store", "verify", "--check-contents").returncode == 0
