"""Remote execution: the same builds locally and on a REAPI cluster, in one run.

A cluster like the tests' (PostgreSQL, BuildGrid, ``sx worker``s on
127.0.0.1; ``tests/remote/cluster.py``) is started once. Then:

* **scale-out**: 64 independent builds that each sleep 1 s, realized locally
  with ``-j2`` and remotely with 1, 2 and 4 workers (capacity 1 each; they
  share this machine, which is fine: the builds sleep). Each run uses fresh
  recipes (a salt), so nothing is answered from a cache. Expected: about
  64 s / workers remotely, 32 s locally.
* **per-action overhead**: 24 trivial builds in a chain (one at a time),
  locally and remotely with one worker; (remote - local) / 24 is what the
  remote path adds to each action on 127.0.0.1 (target: under 50 ms).
* **action cache**: the same 24 again from a fresh client root (every action
  answered by ``GetActionResult``), per action.

Nothing asserts on time; the numbers are printed for people to read.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "remote"))

from cluster import Cluster  # noqa: E402
from sx.derivations.build.progress import Progress  # noqa: E402
from sx.derivations.build.scheduler import BuildOptions, realize  # noqa: E402
from sx.derivations.examples import busybox_tree  # noqa: E402
from sx.derivations.model import Derivation, Source, derivation  # noqa: E402
from sx.store.fsutil import remove_tree  # noqa: E402
from sx.store.local import LocalStore  # noqa: E402

WIDE = 64
CHAIN = 24


def sleepers(bb: Source, salt: str, wide: int) -> list[Derivation]:
    return [derivation(f"sleep-{i}", f"{bb}/bin/sh", ["-c", f"sleep 1; echo {salt} {i} > $out"],
                       srcs=[bb]) for i in range(wide)]


def chain(bb: Source, salt: str, length: int) -> Derivation:
    prev: Derivation | None = None
    for i in range(length):
        script = f"echo {salt} {i} > $out" + (f"; cat {prev.out} >> $out"  # type: ignore[attr-defined]
                                                if prev is not None else "")
        prev = derivation(f"step-{i}", f"{bb}/bin/sh", ["-c", script], srcs=[bb],
                          inputs=[prev] if prev is not None else [])
    assert prev is not None
    return prev


def timed(base: Path, drvs: list[Derivation], **kw: object) -> float:
    root = base / f"client-{secrets.token_hex(4)}"
    store = LocalStore(str(root))
    t0 = time.perf_counter()
    realize(store, drvs, BuildOptions(progress=Progress(quiet=True, live=False),
                                      **kw))  # type: ignore[arg-type]
    took = time.perf_counter() - t0
    store.temp_roots.close()
    remove_tree(str(root))
    return took


def main(argv: list[str] | None = None) -> None:
    """Start a cluster, measure, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wide", type=int, default=WIDE, help="independent 1 s builds")
    ap.add_argument("--chain", type=int, default=CHAIN, help="trivial builds in a chain")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    wide, length = args.wide, args.chain
    base = Path(tempfile.mkdtemp(prefix="sx-remote-bench-"))
    os.chmod(base, 0o755)
    bb = busybox_tree(str(base / "busybox"), shutil.which("busybox") or "/bin/busybox")
    cluster = Cluster(base / "cluster")
    (base / "cluster").mkdir()
    try:
        t0 = time.perf_counter()
        cluster.start()
        cluster.add_worker("bench-1")
        print(f"cluster up in {time.perf_counter() - t0:.1f} s (PostgreSQL, BuildGrid, "
              "1 worker)", flush=True)
        # Warm up: the input (busybox) is uploaded and cached by the worker once.
        timed(base, [chain(bb, "warm", 1)], remote=cluster.url)

        local = timed(base, sleepers(bb, secrets.token_hex(4), wide), jobs=2)
        print(f"{wide} x sleep 1: local -j2 {local:6.1f} s", flush=True)
        for n in args.workers:
            while len(cluster.workers) < n:
                cluster.add_worker(f"bench-{len(cluster.workers) + 1}")
            t = timed(base, sleepers(bb, secrets.token_hex(4), wide), remote=cluster.url)
            print(f"{wide} x sleep 1: remote, {n} worker(s) {t:6.1f} s  speed-up vs 1 "
                  f"worker ideal {n}x; vs local -j2 {local / t:4.2f}x", flush=True)

        for name in list(cluster.workers)[1:]:
            cluster.stop_worker(name)
        salt = secrets.token_hex(4)
        loc = timed(base, [chain(bb, salt, length)], jobs=1)
        salt = secrets.token_hex(4)
        rem = timed(base, [chain(bb, salt, length)], remote=cluster.url)
        hit = timed(base, [chain(bb, salt, length)], remote=cluster.url)
        print(f"chain of {length}: local {loc / length * 1000:6.1f} ms/action, remote "
              f"{rem / length * 1000:6.1f} ms/action: overhead "
              f"{(rem - loc) / length * 1000:6.1f} ms/action (target < 50); "
              f"action cache hit {hit / length * 1000:6.1f} ms/action", flush=True)
    finally:
        cluster.close()
        remove_tree(str(base))


if __name__ == "__main__":
    main()
