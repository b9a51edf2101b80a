"""A separate process for the store's concurrency and crash tests.

    store_worker.py race ROOT SRC_BASE ROUNDS WORKER WORKERS BARRIER_DIR
        adds SRC_BASE/t<r> for every round r, all workers starting each round
        together; prints "<r> <path>" per round.
    store_worker.py add ROOT SRC NAME
        prints "ready" once the store is open, then adds SRC as NAME.
    store_worker.py crash ROOT POINT SRC NAME
        adds SRC as NAME and SIGKILLs itself at POINT: after-copy (before the
        sync), after-rename (object in place, transaction not committed),
        after-commit (registered, temp dir not yet removed).
    store_worker.py crash-import ROOT STREAM
        imports an export stream and SIGKILLs itself after the second object
        was renamed into the store, inside the transaction.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from sx.store import fsutil
from sx.store.local import LocalStore
from sx.store.transfer import import_paths


def _die(*_: Any, **__: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _barrier(directory: str, rnd: int, worker: int, workers: int) -> None:
    open(os.path.join(directory, f"ready-{rnd}-{worker}"), "w").close()
    deadline = time.monotonic() + 60
    prefix = f"ready-{rnd}-"
    while sum(n.startswith(prefix) for n in os.listdir(directory)) < workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"worker {worker}: barrier {rnd} timed out")
        time.sleep(0.0005)


def race(root: str, src_base: str, rounds: int, worker: int, workers: int, barrier: str) -> None:
    store = LocalStore(root)
    for r in range(rounds):
        _barrier(barrier, r, worker, workers)
        info = store.add_tree(os.path.join(src_base, f"t{r}"))
        print(r, info.path, flush=True)


def crash(root: str, point: str, src: str, name: str) -> None:
    store = LocalStore(root)
    # The store imports these from fsutil when it writes (not at start-up), so
    # replacing them there is what a test's monkeypatch would do.
    names = {"after-copy": "sync_trees", "after-rename": "fsync_dir", "after-commit": "remove_tree"}
    if point not in names:
        raise SystemExit(f"unknown crash point {point}")
    # The background flusher of early_writeback calls syncfs too: keep it
    # asleep, so that the crash comes from install's own sync, after the copy.
    fsutil.WRITEBACK_INTERVAL = 3600.0
    setattr(fsutil, names[point], _die)
    store.add_tree(src, name)
    raise SystemExit("survived the crash point")


def crash_import(root: str, stream: str) -> None:
    store = LocalStore(root)
    real_rename = os.rename
    into_store = [0]

    def rename(src: str, dst: str) -> None:
        real_rename(src, dst)
        if os.path.dirname(dst) == store.store_dir:
            into_store[0] += 1
            if into_store[0] == 2:
                _die()

    os.rename = rename  # type: ignore[assignment]
    with open(stream, "rb") as f:
        import_paths(store, f, stream)
    raise SystemExit("survived the crash point")


def main(argv: list[str]) -> None:
    cmd, *args = argv
    if cmd == "race":
        race(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), args[5])
    elif cmd == "add":
        store = LocalStore(args[0])
        print("ready", flush=True)
        print(store.add_tree(args[1], args[2]).path, flush=True)
    elif cmd == "crash":
        crash(*args)
    elif cmd == "crash-import":
        crash_import(*args)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv[1:])
