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
* **where the overhead goes**: the chain's remote actions split into phases
  from the result's ``ExecutedActionMetadata`` (BuildGrid stamps queueing,
  assignment and completion; the worker stamps input fetch, execution and
  upload) and the client's own clock, for BuildGrid assigner intervals of
  20 ms (the tests' setting) and 5 ms. Medians per action.

``--overhead`` runs only the chain parts (no scale-out). Nothing asserts on
time; the numbers are printed for people to read.
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "remote"))

from cluster import Cluster  # noqa: E402
from sx.derivations.build.progress import Progress  # noqa: E402
from sx.derivations.build.remote import executor  # noqa: E402
from sx.derivations.build.scheduler import BuildOptions, realize  # noqa: E402
from sx.derivations.examples import busybox_tree  # noqa: E402
from sx.derivations.model import Derivation, Source, derivation  # noqa: E402
from sx.store.fsutil import remove_tree  # noqa: E402
from sx.store.local import LocalStore  # noqa: E402

WIDE = 64
CHAIN = 24


def sleepers(bb: Source, salt: str) -> list[Derivation]:
    return [derivation(f"sleep-{i}", f"{bb}/bin/sh", ["-c", f"sleep 1; echo {salt} {i} > $out"],
                       srcs=[bb]) for i in range(WIDE)]


def chain(bb: Source, salt: str) -> Derivation:
    prev: Derivation | None = None
    for i in range(CHAIN):
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


class Phases:
    """Per remote action: the client's Execute call and the result's metadata (seconds)."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, Any]] = []
        self._builds: list[tuple[float, float]] = []
        follow, build = executor.RemoteExecutor._follow, executor.RemoteExecutor.build

        def timed_follow(ex: Any, *a: Any) -> Any:
            t0 = time.time()
            resp = follow(ex, *a)
            self.rows.append((t0, time.time(), resp.result.execution_metadata))
            return resp

        async def timed_build(ex: Any, *a: Any) -> None:
            t0 = time.time()
            await build(ex, *a)
            self._builds.append((t0, time.time()))

        executor.RemoteExecutor._follow = timed_follow  # type: ignore[method-assign]
        executor.RemoteExecutor.build = timed_build  # type: ignore[method-assign]

    def clear(self) -> None:
        self.rows.clear()
        self._builds.clear()

    def report(self) -> str:
        def ts(t: Any) -> float:
            return float(t.seconds + t.nanos / 1e9)

        phases: dict[str, list[float]] = {k: [] for k in PHASES}
        for (f0, f1, m), (b0, b1) in zip(self.rows, self._builds, strict=True):
            steps = [f0, ts(m.queued_timestamp), ts(m.worker_start_timestamp),
                     ts(m.input_fetch_start_timestamp), ts(m.execution_start_timestamp),
                     ts(m.execution_completed_timestamp), ts(m.output_upload_completed_timestamp),
                     ts(m.worker_completed_timestamp), f1]
            for k, a, b in zip(PHASES, steps, steps[1:], strict=False):
                phases[k].append(b - a)
            phases["client, outside Execute"].append((b1 - b0) - (f1 - f0))
        return "\n".join(f"  {k:45s} median {statistics.median(v) * 1000:6.1f} ms, mean "
                         f"{statistics.mean(v) * 1000:6.1f} ms" for k, v in phases.items() if v)


PHASES = ["Execute sent -> queued (engine)", "queued -> assigned (engine's assigner)",
          "assigned -> worker has the lease (long poll)", "input fetch (worker)",
          "sandbox run (worker)", "output upload (worker)",
          "uploaded -> completion recorded (report)", "recorded -> client stream (engine)",
          "client, outside Execute"]


def overhead(base: Path, bb: Source, interval: float, phases: Phases) -> None:
    """The per-action overhead against a BuildGrid with the given assigner interval."""
    (base / f"cluster-{interval}").mkdir()
    cluster = Cluster(base / f"cluster-{interval}", interval=interval)
    try:
        cluster.start()
        cluster.add_worker("bench-1")
        timed(base, [chain(bb, "warm")], remote=cluster.url)
        salt = secrets.token_hex(4)
        loc = timed(base, [chain(bb, salt)], jobs=1)
        salt = secrets.token_hex(4)
        phases.clear()
        rem = timed(base, [chain(bb, salt)], remote=cluster.url)
        report = phases.report()
        hit = timed(base, [chain(bb, salt)], remote=cluster.url)
        print(f"chain of {CHAIN}, BuildGrid assigner every {interval * 1000:.0f} ms: local "
              f"{loc / CHAIN * 1000:6.1f} ms/action, remote {rem / CHAIN * 1000:6.1f} ms/action:"
              f" overhead {(rem - loc) / CHAIN * 1000:6.1f} ms/action (target < 50); "
              f"action cache hit {hit / CHAIN * 1000:6.1f} ms/action; load "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        print(report, flush=True)
    finally:
        cluster.close()


def main() -> None:
    """Start a cluster, measure, print."""
    base = Path(tempfile.mkdtemp(prefix="sx-remote-bench-"))
    os.chmod(base, 0o755)
    bb = busybox_tree(str(base / "busybox"), shutil.which("busybox") or "/bin/busybox")
    phases = Phases()
    try:
        for interval in (0.02, 0.005):
            overhead(base, bb, interval, phases)
        if "--overhead" not in sys.argv:
            scale_out(base, bb)
    finally:
        remove_tree(str(base))


def scale_out(base: Path, bb: Source) -> None:
    """64 sleeping builds locally and on 1, 2, 4 workers."""
    cluster = Cluster(base / "cluster")
    (base / "cluster").mkdir()
    try:
        t0 = time.perf_counter()
        cluster.start()
        cluster.add_worker("bench-1")
        print(f"cluster up in {time.perf_counter() - t0:.1f} s (PostgreSQL, BuildGrid, "
              "1 worker)", flush=True)
        # Warm up: the input (busybox) is uploaded and cached by the worker once.
        timed(base, [chain(bb, "warm")], remote=cluster.url)

        local = timed(base, sleepers(bb, secrets.token_hex(4)), jobs=2)
        print(f"{WIDE} x sleep 1: local -j2 {local:6.1f} s", flush=True)
        for n in (1, 2, 4):
            while len(cluster.workers) < n:
                cluster.add_worker(f"bench-{len(cluster.workers) + 1}")
            t = timed(base, sleepers(bb, secrets.token_hex(4)), remote=cluster.url)
            print(f"{WIDE} x sleep 1: remote, {n} worker(s) {t:6.1f} s  speed-up vs 1 "
                  f"worker ideal {n}x; vs local -j2 {local / t:4.2f}x", flush=True)
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
