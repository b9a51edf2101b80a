"""Command-line start-up: ``sx --help``, ``sx --version`` and a store query, against Nix.

``sx --help`` is printed from the static command table (cli/commands.py)
without importing any command module; the target is under 150 ms, and
under 40 ms for ``sx hash file`` and ``sx --version``. The peer for start-up
is ``nix --version`` (a C++ binary: the floor, not a rival). Each row gives
the median wall and CPU time, and the CPU time above ``python -c pass``.

The read-only queries are held to issue 19's target: each within the
start-up (``sx --version``) plus 110% of the library's time for the same
query. The library time is the query run in a process that has sx loaded
already (the command's own function, store opened each time, output to
/dev/null), so what the target leaves out is the interpreter start and the
imports. Each row also prints the time those imports take: the rest of the
distance to the target.

Run alone: ``python bench/cli_bench.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from common import (
    Sample,
    median_sample,
    print_header,
    print_ratio,
    remove_tree,
    require_tools,
    scratch_dir,
    sx_command,
)

HELP_TARGET = 0.150
START_TARGET = 0.040  # sx --version and sx hash file
QUERY_SLACK = 1.10  # a query: within start-up + 110% of the library's time

# Times a command line in a process with sx loaded: the library's time for it.
# The first run loads the modules; the median of the next ones is printed.
_IN_PROCESS = """
import os, sys, time
from sx.cli.errors import dispatch
from sx.cli.main import main
from sx.cli.quick import parse
runs, argv = int(sys.argv[1]), sys.argv[2:]
sys.stdout = open(os.devnull, "w")
times = []
for _ in range(runs + 1):
    t = time.perf_counter()
    args = parse(argv)
    code = main(argv) if args is None else dispatch(args)
    times.append(time.perf_counter() - t)
    assert code == 0, code
times = sorted(times[1:])
print(times[len(times) // 2], file=sys.stderr)
"""


def _timed(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> Sample:
    """The median wall and CPU time of ``cmd`` over ``runs`` runs."""
    return median_sample(lambda: subprocess.run(cmd, capture_output=True, check=True,
                                                env=env), runs=runs)


def _row(label: str, t: Sample, floor: Sample, target: float | None = None) -> None:
    """One sx command's medians, and how far above the interpreter's own start it is."""
    goal = "" if target is None else (
        f"   (target < {target * 1000:.0f} ms: {'met' if t.wall < target else 'NOT met'})")
    print(f"{label:<28} sx {t.wall * 1000:8.1f} ms   cpu {t.cpu * 1000:6.1f} ms   "
          f"{(t.cpu - floor.cpu) * 1000:5.1f} ms cpu over python -c pass{goal}", flush=True)


def _in_process(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    """The median seconds of ``sx CMD`` in a process that has sx loaded."""
    proc = subprocess.run([sys.executable, "-c", _IN_PROCESS, str(runs), *cmd], env=env,
                          capture_output=True, text=True, check=True)
    return float(proc.stderr.strip().splitlines()[-1])


def _query_row(label: str, t: Sample, library: float, start: Sample) -> None:
    """A query against the target: start-up + QUERY_SLACK x the library's time."""
    goal = start.wall + QUERY_SLACK * library
    print(f"{label:<28} sx {t.wall * 1000:8.1f} ms   library {library * 1000:7.2f} ms   "
          f"target {goal * 1000:6.1f} ms: {'met' if t.wall <= goal else 'NOT met'} "
          f"({(t.wall - start.wall - library) * 1000:+5.1f} ms loading sx beyond start-up)",
          flush=True)


def run_lines(cmd: list[str], env: dict[str, str]) -> list[str]:
    """The lines ``cmd`` prints (it must succeed)."""
    return subprocess.run(cmd, env=env, capture_output=True, text=True,
                          check=True).stdout.split()


def main(argv: list[str] | None = None) -> None:
    """Time each command ``--runs`` times; print medians of wall and CPU time."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args(argv if argv is not None else [])
    require_tools("nix")
    sx = sx_command()
    _timed([*sx, "--version"], 2)  # warm the page cache
    print_header(f"command line start-up, median of {args.runs} runs")
    floor = _timed([sys.executable, "-c", "pass"], args.runs)
    print(f"{'python -c pass (the floor)':<28}    {floor.wall * 1000:8.1f} ms   "
          f"cpu {floor.cpu * 1000:6.1f} ms", flush=True)
    _row("sx --help", _timed([*sx, "--help"], args.runs), floor, HELP_TARGET)
    work = scratch_dir("cli")
    try:
        tiny = os.path.join(work, "one-byte")
        with open(tiny, "wb") as f:
            f.write(b"x")
        _row("sx hash file", _timed([*sx, "hash", "file", tiny], args.runs), floor,
             START_TARGET)
        start = _timed([*sx, "--version"], args.runs)
        print_ratio("--version", start, _timed(["nix", "--version"], args.runs), "nix")
        env = {**os.environ, "SX_ROOT": os.path.join(work, "root")}
        path = subprocess.run([*sx, "realize", "hello"], env=env, capture_output=True,
                              text=True, check=True).stdout.strip()
        for label, cmd in (("path-info RECIPE-NAME", ["path-info", "hello"]),
                           ("list", ["list"])):
            _row("sx " + label, _timed([*sx, *cmd], args.runs, env), floor)
        dep = run_lines([*sx, "path-info", "-r", path], env)[0]
        print(f"read-only queries (target: sx --version {start.wall * 1000:.1f} ms "
              f"+ {QUERY_SLACK:.0%} of the library's time)", flush=True)
        for label, cmd in (("path-info STORE-PATH", ["path-info", path]),
                           ("path-info -r (closure)", ["path-info", "-r", path]),
                           ("path-info --json", ["path-info", "--json", path]),
                           ("why-depends", ["why-depends", path, dep]),
                           ("log", ["log", path]),
                           ("show-derivation", ["show-derivation", path])):
            _query_row(label, _timed([*sx, *cmd], args.runs, env),
                       _in_process(cmd, args.runs, env), start)
    finally:
        remove_tree(work)


if __name__ == "__main__":
    main(sys.argv[1:])
