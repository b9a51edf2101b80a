"""Command-line start-up: ``sx --help``, ``sx --version`` and a store query, against Nix.

``sx --help`` is printed from the static command table (cli/commands.py)
without importing any command module; the target is under 150 ms. The peer
for start-up is ``nix --version`` (a C++ binary: the floor, not a rival).

Run alone: ``python bench/cli_bench.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from common import (
    median_sample,
    print_header,
    print_ratio,
    remove_tree,
    require_tools,
    scratch_dir,
    sx_command,
)

HELP_TARGET = 0.150


def _timed(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """The median wall time of ``cmd`` over ``runs`` runs."""
    return median_sample(lambda: subprocess.run(cmd, capture_output=True, check=True,
                                                env=env), runs=runs).wall


def main(argv: list[str] | None = None) -> None:
    """Time each command ``--runs`` times; print medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args(argv if argv is not None else [])
    require_tools("nix")
    sx = sx_command()
    _timed([*sx, "--version"], 2)  # warm the page cache and .pyc files
    print_header(f"command line start-up, median of {args.runs} runs")
    floor = _timed([sys.executable, "-c", "pass"], args.runs)
    print(f"{'python -c pass (the floor)':<28}    {floor * 1000:8.1f} ms", flush=True)
    help_time = _timed([*sx, "--help"], args.runs)
    met = "met" if help_time < HELP_TARGET else "NOT met"
    print(f"{'sx --help':<28} sx {help_time * 1000:8.1f} ms   (target < "
          f"{HELP_TARGET * 1000:.0f} ms: {met}; {(help_time - floor) * 1000:.0f} ms over "
          "the interpreter's start)", flush=True)
    print_ratio("--version", _timed([*sx, "--version"], args.runs),
                _timed(["nix", "--version"], args.runs), "nix")
    work = scratch_dir("cli")
    try:
        env = {**os.environ, "SX_ROOT": os.path.join(work, "root")}
        path = subprocess.run([*sx, "realize", "hello"], env=env, capture_output=True,
                              text=True, check=True).stdout.strip()
        for label, cmd in (("path-info STORE-PATH", ["path-info", path]),
                           ("path-info RECIPE-NAME", ["path-info", "hello"]),
                           ("list", ["list"])):
            t = _timed([*sx, *cmd], args.runs, env)
            print(f"{'sx ' + label:<28} sx {t * 1000:8.1f} ms", flush=True)
    finally:
        remove_tree(work)


if __name__ == "__main__":
    main(sys.argv[1:])
