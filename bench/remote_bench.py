"""Remote execution: the same builds locally and on a REAPI cluster, in one run.

A cluster like the tests' (PostgreSQL, BuildGrid, ``sx worker``s on
127.0.0.1; ``tests/remote/cluster.py``) is started once. Then:

* **scale-out**: 64 independent builds that each sleep 1 s, realized locally
  with ``-j2`` and remotely with 1, 2 and 4 workers (capacity 1 each; they
  share this machine, which is fine: the builds sleep). Each run uses fresh
  recipes (a salt), so nothing is answered from a cache. Expected: about
  64 s / workers remotely, 32 s locally.
* **per-action overhead**: 24 trivial builds in a chain (one at a time),
  locally and remotely with one worker, in turn ``--rounds`` times (the
  machine's load moves both); (remote - local) / 24 per pair, and its
  median, is what the remote path adds to each action on 127.0.0.1
  (target: under 50 ms). With it, the CPU time BuildGrid and PostgreSQL
  spend per remote action and while idle.
* **action cache**: the same 24 again from a fresh client root (every action
  answered by ``GetActionResult``), per action.
* **where the overhead goes**: the chain's remote actions split into phases
  (medians per action) from the result's ``ExecutedActionMetadata``
  (BuildGrid stamps queueing, assignment and completion; the worker stamps
  input fetch, execution and upload) and the client's own clock around its
  steps, for each BuildGrid assigner interval of ``--intervals``.

``--overhead`` runs only the chain parts (no scale-out). Nothing asserts on
time; the numbers are printed for people to read.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "remote"))

from cluster import Cluster  # noqa: E402
from sx.derivations.build import scheduler  # noqa: E402
from sx.derivations.build.progress import Progress  # noqa: E402
from sx.derivations.build.remote import executor  # noqa: E402
from sx.derivations.build.scheduler import BuildOptions, realize  # noqa: E402
from sx.derivations.examples import busybox_tree  # noqa: E402
from sx.derivations.model import Derivation, Source, derivation  # noqa: E402
from sx.store.fsutil import remove_tree  # noqa: E402
from sx.store.local import LocalStore  # noqa: E402

WIDE = 64
CHAIN = 24
IDLE_SAMPLE = 4.0
ROUNDS = 3


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


class Phases:
    """Per remote action: the client's own steps and the result's metadata (seconds).

    The chain runs one action at a time, so the n-th call of each step belongs to
    the n-th action.
    """

    STEPS = ("_prepare", "_lookup", "_follow", "_finish")

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[float, float, Any]]] = {k: [] for k in
                                                                 (*self.STEPS, "build", "sandbox")}
        cls = executor.RemoteExecutor
        for name in self.STEPS:
            setattr(cls, name, self._sync(name, getattr(cls, name)))
        build = cls.build

        async def timed_build(ex: Any, *a: Any) -> None:
            t0 = time.time()
            await build(ex, *a)
            self.calls["build"].append((t0, time.time(), None))

        cls.build = timed_build  # type: ignore[method-assign]
        run_sandboxed = scheduler.run_sandboxed

        async def timed_sandbox(*a: Any, **kw: Any) -> None:
            t0 = time.time()
            try:
                await run_sandboxed(*a, **kw)
            finally:
                self.calls["sandbox"].append((t0, time.time(), None))

        scheduler.run_sandboxed = timed_sandbox  # type: ignore[assignment]

    def _sync(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(ex: Any, *a: Any) -> Any:
            t0 = time.time()
            got = fn(ex, *a)
            self.calls[name].append((t0, time.time(), got))
            return got
        return timed

    def local_sandbox(self) -> str:
        """Median and mean of the local builds' sandbox runs since :meth:`clear`."""
        v = [b - a for a, b, _ in self.calls["sandbox"]]
        return (f"median {statistics.median(v) * 1000:6.1f} ms, mean "
                f"{statistics.mean(v) * 1000:6.1f} ms") if v else "none"

    def clear(self) -> None:
        for v in self.calls.values():
            v.clear()

    def report(self) -> str:
        def ts(t: Any) -> float:
            return float(t.seconds + t.nanos / 1e9)

        phases: dict[str, list[float]] = {k: [] for k in PHASES}
        c = self.calls
        for prep, look, (f0, f1, resp), fin, build in zip(
                c["_prepare"], c["_lookup"], c["_follow"], c["_finish"], c["build"],
                strict=True):
            m = resp.result.execution_metadata
            steps = [f0, ts(m.queued_timestamp), ts(m.worker_start_timestamp),
                     ts(m.input_fetch_start_timestamp), ts(m.execution_start_timestamp),
                     ts(m.execution_completed_timestamp), ts(m.output_upload_completed_timestamp),
                     ts(m.worker_completed_timestamp), f1]
            for k, a, b in zip(PHASES, steps, steps[1:], strict=False):
                phases[k].append(b - a)
            mine = [prep[1] - prep[0], look[1] - look[0], fin[1] - fin[0]]
            for k, v in zip(PHASES[8:], mine, strict=False):
                phases[k].append(v)
            phases[PHASES[11]].append((build[1] - build[0]) - (f1 - f0) - sum(mine))
        return "\n".join(f"  {k:58s} median {statistics.median(v) * 1000:6.1f} ms, mean "
                         f"{statistics.mean(v) * 1000:6.1f} ms" for k, v in phases.items() if v)


PHASES = ["Execute sent -> queued (engine)", "queued -> assigned (engine's assigner)",
          "assigned -> worker has the lease (engine's bot notifier)",
          "input fetch: Command, input root (worker)",
          "sandbox run (worker)", "output upload (worker)",
          "uploaded -> completion recorded (worker's report, engine)",
          "recorded -> client's Execute stream (engine)",
          "client: input root, Command, Action", "client: action cache + upload",
          "client: log + outputs fetched", "client: rest of build()"]


def engine_cpu(cluster: Cluster, seconds: float) -> list[float]:
    """The share of a core BuildGrid and PostgreSQL use while nothing is asked of them
    (their pollers), over ``seconds``."""
    before = cluster.engine_cpu()
    time.sleep(seconds)
    return [(b - a) / seconds for a, b in zip(before, cluster.engine_cpu(), strict=True)]


def overhead(base: Path, bb: Source, interval: float, notify: float | None, length: int,
             rounds: int, phases: Phases) -> None:
    """The per-action overhead against a BuildGrid with the given assigner interval (and
    notifier timeout): ``rounds`` pairs of a local and a remote chain, alternating, so
    that both see the same load; the median of the pairs' differences."""
    (base / f"cluster-{interval}").mkdir()
    cluster = Cluster(base / f"cluster-{interval}", interval=interval,
                      notify_timeout=notify or Cluster.notify_timeout)
    try:
        cluster.start()
        cluster.add_worker("bench-1")
        # Warm up: the input (busybox) is uploaded and cached by the worker once.
        timed(base, [chain(bb, "warm", 1)], remote=cluster.url)
        idle = engine_cpu(cluster, IDLE_SAMPLE)
        phases.clear()
        pairs: list[tuple[float, float]] = []
        busy = [0.0, 0.0]
        for _ in range(rounds):
            loc = timed(base, [chain(bb, secrets.token_hex(4), length)], jobs=1)
            before = cluster.engine_cpu()
            salt = secrets.token_hex(4)
            rem = timed(base, [chain(bb, salt, length)], remote=cluster.url)
            busy = [t + b - a for t, a, b in zip(busy, before, cluster.engine_cpu(),
                                                    strict=True)]
            pairs.append((loc / length, rem / length))
        report, local_sandbox = phases.report(), phases.local_sandbox()
        hit = timed(base, [chain(bb, salt, length)], remote=cluster.url) / length
        ms = [f"{(r - lo) * 1000:.1f}" for lo, r in pairs]
        print(f"chain of {length} x {rounds}, BuildGrid assigner every {interval * 1000:.0f} ms, "
              f"notifiers' timeout {(notify or Cluster.notify_timeout) * 1000:.0f} ms: local "
              f"{statistics.median(lo for lo, _ in pairs) * 1000:6.1f} ms/action, remote "
              f"{statistics.median(r for _, r in pairs) * 1000:6.1f} ms/action (medians); "
              f"overhead per pair {', '.join(ms)} ms/action, median "
              f"{statistics.median(r - lo for lo, r in pairs) * 1000:.1f} (target < 50); "
              f"action cache hit {hit * 1000:6.1f} ms/action; load {os.getloadavg()[0]:.1f}",
              flush=True)
        n = length * rounds
        print(f"  engine CPU per remote action: BuildGrid {busy[0] / n * 1000:.1f} ms, "
              f"PostgreSQL {busy[1] / n * 1000:.1f} ms; idle: BuildGrid {idle[0] * 100:.1f}%, "
              f"PostgreSQL {idle[1] * 100:.1f}% of a core", flush=True)
        print(f"  local sandbox run (the same builds, -j1)                   {local_sandbox}",
              flush=True)
        print(report, flush=True)
    finally:
        cluster.close()


def scale_out(base: Path, bb: Source, wide: int, workers: list[int]) -> None:
    """``wide`` sleeping builds locally and on each count of ``workers``."""
    cluster = Cluster(base / "cluster")
    (base / "cluster").mkdir()
    try:
        t0 = time.perf_counter()
        cluster.start()
        cluster.add_worker("bench-1")
        print(f"cluster up in {time.perf_counter() - t0:.1f} s (PostgreSQL, BuildGrid, "
              "1 worker)", flush=True)
        timed(base, [chain(bb, "warm", 1)], remote=cluster.url)
        local = timed(base, sleepers(bb, secrets.token_hex(4), wide), jobs=2)
        print(f"{wide} x sleep 1: local -j2 {local:6.1f} s", flush=True)
        for n in workers:
            while len(cluster.workers) < n:
                cluster.add_worker(f"bench-{len(cluster.workers) + 1}")
            t = timed(base, sleepers(bb, secrets.token_hex(4), wide), remote=cluster.url)
            print(f"{wide} x sleep 1: remote, {n} worker(s) {t:6.1f} s  speed-up vs 1 "
                  f"worker ideal {n}x; vs local -j2 {local / t:4.2f}x", flush=True)
    finally:
        cluster.close()


def main(argv: list[str] | None = None) -> None:
    """Start a cluster per part, measure, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wide", type=int, default=WIDE, help="independent 1 s builds")
    ap.add_argument("--chain", type=int, default=CHAIN, help="trivial builds in a chain")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--intervals", type=float, nargs="+", default=[0.02, 0.005],
                    help="BuildGrid assigner intervals (s) to measure the chain with")
    ap.add_argument("--notify-timeout", type=float, default=None,
                    help="BuildGrid's poll-interval and bot-poll-interval (s); default: "
                    "the tests' (1 s)")
    ap.add_argument("--rounds", type=int, default=ROUNDS,
                    help="local and remote chains measured in turn, per interval")
    ap.add_argument("--overhead", action="store_true", help="only the chain parts")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    base = Path(tempfile.mkdtemp(prefix="sx-remote-bench-"))
    os.chmod(base, 0o755)
    bb = busybox_tree(str(base / "busybox"), shutil.which("busybox") or "/bin/busybox")
    phases = Phases()
    try:
        for interval in args.intervals:
            overhead(base, bb, interval, args.notify_timeout, args.chain, args.rounds, phases)
        if not args.overhead:
            scale_out(base, bb, args.wide, args.workers)
    finally:
        remove_tree(str(base))


if __name__ == "__main__":
    main()
