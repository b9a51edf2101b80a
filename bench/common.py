"""Helpers shared by the benchmark scripts: timing, test trees, peers, printing.

Every benchmark measures sx and its peer in the same run, on the same
machine, and prints medians and the ratio sx/peer of wall time and of CPU
time (user + system, of the benchmark process and the commands it waited
for). The CPU ratio moves much less than the wall ratio when other work
shares the machine (``run_all.py --load``). Nothing here asserts on time:
the numbers are for people to read.
"""

from __future__ import annotations

import compileall
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

import blake3

MIB = 1 << 20
# Directories of the interpreter's library that vary between installs or are huge.
_SKIP_DIRS = frozenset({"site-packages", "dist-packages", "__pycache__", "test", "tests"})


@dataclass(frozen=True)
class TreeStats:
    """Shape of a benchmark tree."""

    files: int
    dirs: int
    links: int
    size: int

    def __str__(self) -> str:
        return (f"{self.files:,} files, {self.dirs:,} dirs, {self.links:,} symlinks, "
                f"{self.size / MIB:,.0f} MiB")


class Sample(NamedTuple):
    """One measurement: wall seconds and CPU seconds (user + system)."""

    wall: float
    cpu: float

    def scaled(self, k: float) -> Sample:
        """Both times multiplied by ``k`` (per item, per path...)."""
        return Sample(self.wall * k, self.cpu * k)


def cpu_seconds() -> float:
    """CPU used so far by this process (all threads) and the children it has waited for."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Stopwatch:
    """Started when made; :meth:`stop` gives the wall and CPU time since."""

    def __init__(self) -> None:
        self.cpu0 = cpu_seconds()
        self.wall0 = time.perf_counter()

    def stop(self) -> Sample:
        """The time since the stopwatch was made."""
        wall = time.perf_counter() - self.wall0
        return Sample(wall, cpu_seconds() - self.cpu0)


def measure(fn: Callable[[], object]) -> Sample:
    """Run ``fn`` once and return its wall and CPU time."""
    watch = Stopwatch()
    fn()
    return watch.stop()


def medians(samples: Sequence[Sample]) -> Sample:
    """The median wall time and the median CPU time (each on its own)."""
    return Sample(statistics.median(s.wall for s in samples),
                  statistics.median(s.cpu for s in samples))


T = TypeVar("T")


def rotate(runs: int, contenders: Sequence[Callable[[int], T]],
           before: Callable[[], object] | None = None) -> list[list[T]]:
    """Call every contender once per round, ``runs`` rounds, rotating who goes first.

    Each contender gets the round's number; returned: each contender's
    results in round order. All contenders meet the same conditions (the
    machine's load drifts, and a run can leave work behind, such as data
    the kernel is still writing back, that falls on whoever runs next), and
    none always runs right after the same other one. ``before`` runs,
    untimed, before every call.
    """
    results: list[list[T]] = [[] for _ in contenders]
    for r in range(runs):
        for k in range(len(contenders)):
            i = (r + k) % len(contenders)
            if before is not None:
                before()
            results[i].append(contenders[i](r))
    return results


def rounds(runs: int, contenders: Sequence[Callable[[], object]],
           before: Callable[[], object] | None = None) -> list[Sample]:
    """:func:`rotate` timing each contender; the medians of each."""
    timers = [lambda _, fn=fn: measure(fn) for fn in contenders]
    return [medians(t) for t in rotate(runs, timers, before)]


def timed(cmd: Sequence[str], env: Mapping[str, str] | None = None,
          cwd: str | None = None) -> tuple[Sample, str]:
    """Wall and CPU time of a command, and its output; exits naming it if it fails."""
    watch = Stopwatch()
    proc = subprocess.run(list(cmd), env=env, cwd=cwd, capture_output=True, text=True,
                          check=False)
    took = watch.stop()
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:6])}... failed ({proc.returncode}): "
                         f"{proc.stderr.strip()[-800:]}")
    return took, proc.stdout


def median_sample(fn: Callable[[], object], runs: int = 3,
                  before: Callable[[], object] | None = None) -> Sample:
    """Medians of ``fn``'s wall and CPU time over ``runs`` runs; ``before`` runs untimed."""
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        samples.append(measure(fn))
    return medians(samples)


def run(cmd: Sequence[str], *, shell: bool = False, env: dict[str, str] | None = None) -> str:
    """Run a command, fail loudly on a non-zero exit, return its stdout."""
    proc = subprocess.run(
        " ".join(cmd) if shell else list(cmd), shell=shell, env=env,
        capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({proc.returncode}): "
                         f"{proc.stderr.strip()[-500:]}")
    return proc.stdout


def require_tools(*tools: str) -> None:
    """Exit with a clear message when a peer tool is not installed."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"bench: missing tools {', '.join(missing)} "
                         "(run scripts/install-system-deps.sh)")


def scratch_dir(tag: str) -> str:
    """A fresh scratch directory (under ``$SX_BENCH_DIR`` if set, else the system temp)."""
    base = os.environ.get("SX_BENCH_DIR") or None
    if base:
        os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=f"sx-bench-{tag}-", dir=base)


def compile_sx() -> None:
    """Write sx's bytecode once per run, as installing a package does.

    So no measured command pays for compiling (``PYTHONDONTWRITEBYTECODE``
    in the environment would otherwise make every run compile every module).
    """
    if _COMPILED:
        return
    for pkg in ("sx.store", "sx.derivations", "sx.cli"):
        spec = importlib.util.find_spec(pkg)
        for where in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(where, quiet=1)
    _COMPILED.append(True)


_COMPILED: list[bool] = []


def sx_command() -> list[str]:
    """How to run the sx CLI with this interpreter (its bytecode written first).

    The console script users run, beside the interpreter; ``python -m``
    only where there is none (it adds runpy's imports to every start).
    """
    compile_sx()
    script = os.path.join(os.path.dirname(sys.executable), "sx")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "sx.cli.main"]


def print_header(title: str) -> None:
    """A section title."""
    print(f"\n== {title}", flush=True)


def print_ratio(label: str, ours: float | Sample, peer: float | Sample, peer_name: str,
                target: float | None = None) -> float:
    """Print sx's and the peer's medians and the ratios; return the wall-time ratio.

    Given :class:`Sample` values, the CPU-time ratio is printed beside the
    wall-time one.
    """
    wall_ours = ours.wall if isinstance(ours, Sample) else ours
    wall_peer = peer.wall if isinstance(peer, Sample) else peer
    ratio = wall_ours / wall_peer if wall_peer > 0 else float("inf")
    goal = ""
    if target is not None:
        goal = f"  (target <= {target:.2f}: {'met' if ratio <= target else 'NOT met'})"
    cpu = ""
    if isinstance(ours, Sample) and isinstance(peer, Sample):
        cpu_ratio = ours.cpu / peer.cpu if peer.cpu > 0 else float("inf")
        cpu = f"   cpu {ours.cpu * 1000:8.1f} / {peer.cpu * 1000:8.1f} ms ratio {cpu_ratio:5.2f}"
    print(f"{label:<28} sx {wall_ours * 1000:8.1f} ms   {peer_name} {wall_peer * 1000:8.1f} ms   "
          f"ratio {ratio:5.2f}{cpu}{goal}", flush=True)
    return ratio


# ---- deterministic trees ------------------------------------------------------------


def _pseudo_bytes(seed: str, size: int) -> bytes:
    """``size`` reproducible, incompressible bytes (BLAKE3 in XOF mode)."""
    return blake3.blake3(seed.encode()).digest(length=size)


def _copy_stdlib(dest: str, max_bytes: int) -> None:
    """Copy the interpreter's own library (source files only), up to ``max_bytes``."""
    src = sysconfig.get_paths()["stdlib"]
    copied = 0
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        rel = os.path.relpath(dirpath, src)
        target = os.path.join(dest, "lib", rel)
        os.makedirs(target, exist_ok=True)
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            size = os.path.getsize(path)
            if copied + size > max_bytes:
                return
            shutil.copyfile(path, os.path.join(target, name))
            copied += size


def _small_size(i: int) -> int:
    # Roughly log-uniform from 64 bytes to 64 KiB, like source trees; some sizes
    # are multiples of 8 and some are not, to exercise the archive padding.
    return 64 << (i * 7 % 11) | (i % 8)


def _fill_small(dest: str, start: int, count: int) -> None:
    for i in range(start, start + count):
        d = os.path.join(dest, "gen", f"d{i // 100:03d}", f"s{i // 20 % 5}")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"f{i:05d}.dat")
        with open(path, "wb") as f:
            f.write(_pseudo_bytes(f"small-{i}", _small_size(i)))
        if i % 17 == 0:
            os.chmod(path, 0o755)
        if i % 97 == 0:
            os.symlink(f"f{i:05d}.dat", os.path.join(d, f"link{i:05d}"))
        if i % 331 == 0:
            os.makedirs(os.path.join(d, f"empty{i:05d}"), exist_ok=True)


def _fill_large(dest: str, need: int) -> None:
    d = os.path.join(dest, "large")
    os.makedirs(d, exist_ok=True)
    i = 0
    while need > 0:
        size = min(need, (8 + 8 * (i % 4)) * MIB + 13 * i)
        with open(os.path.join(d, f"blob{i:02d}.bin"), "wb") as f:
            for off in range(0, size, 4 * MIB):
                f.write(_pseudo_bytes(f"large-{i}-{off}", min(4 * MIB, size - off)))
        need -= size
        i += 1


def tree_stats(root: str) -> TreeStats:
    """Count files, directories, symlinks and file bytes under ``root``."""
    files = dirs = links = size = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirs += 1
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if os.path.islink(os.path.join(dirpath, name)):
                links += 1
            elif name in filenames:
                files += 1
                size += st.st_size
    return TreeStats(files, dirs, links, size)


def make_tree(dest: str, min_bytes: int = 200 * MIB, min_files: int = 8000,
              stdlib_bytes: int | None = None) -> TreeStats:
    """Build a benchmark tree at the new path ``dest``; the same inputs give the same tree.

    A copy of the interpreter's library (real source files; 64 MiB, or a
    third of ``min_bytes`` for small trees) topped up with generated small
    files until ``min_files``, then generated large files until
    ``min_bytes``. Generated bytes come from a fixed seed.
    """
    if stdlib_bytes is None:
        stdlib_bytes = min(64 * MIB, min_bytes // 3)
    os.makedirs(dest)
    _copy_stdlib(dest, stdlib_bytes)
    stats = tree_stats(dest)
    missing_files = max(0, min_files + 200 - stats.files)
    _fill_small(dest, 0, missing_files)
    stats = tree_stats(dest)
    # Leave headroom so that the tree stays above the minimum.
    _fill_large(dest, max(0, min_bytes + 8 * MIB - stats.size))
    return tree_stats(dest)


def remove_tree(path: str) -> None:
    """Remove a tree, read-only store directories included."""
    if not os.path.lexists(path):
        return
    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                os.chmod(p, 0o755)
    os.chmod(path, 0o755)
    shutil.rmtree(path)
