"""The store's two hot paths against Nix, on the same tree in the same run.

1. Archive hash of a tree: ``nar.hash_path`` (in process) and ``sx hash path``
   (the command line) against ``nix-store --dump DIR | b3sum``.
2. Adding a tree: ``sx store add`` (the command line, end to end, a fresh
   store each time) against ``nix-store --add`` (a fresh chroot store each
   time); ``LocalStore.add_tree`` in process for reference. sx's add is
   durable (one syncfs before the commit); Nix 2.8 does not sync file data.

The tree has at least 200 MB in at least 8,000 files (see common.make_tree).
Each round runs every contender once, in rotating order, and the medians
are compared. Every timed
run starts after an untimed ``sync``, so that nobody pays for the other's
unwritten data; stores are only deleted at the end (ext4 creates files much
more slowly for a while after a large deletion).

Run alone: ``python bench/store_bench.py [--hash-runs N] [--add-runs N] [--keep]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from common import (
    MIB,
    make_tree,
    median_sample,
    print_header,
    print_ratio,
    remove_tree,
    require_tools,
    rounds,
    run,
    scratch_dir,
    sx_command,
)
from sx.store import nar
from sx.store.local import LocalStore

REPO = Path(__file__).resolve().parent.parent
# Explicit, so that the result does not depend on the machine's nix.conf.
NIX_OPTIONS = ["--option", "build-users-group", "", "--option", "substituters", "",
               "--option", "fsync-metadata", "true"]


def setup_nix() -> None:
    """Write a single-user nix.conf when there is none (scripts/setup-nix.sh)."""
    if os.geteuid() == 0:
        run(["bash", str(REPO / "scripts" / "setup-nix.sh")])


def prepare(tree: str) -> Callable[[], None]:
    """What runs untimed before every timed run: the tree in the page cache, nothing dirty.

    Without it a run may pay for reading the tree back from disk (the page
    cache can be evicted between runs) or for writing back the previous
    run's data.
    """
    def before() -> None:
        nar.hash_path(tree)
        os.sync()
    return before


def bench_hash(tree: str, runs: int) -> dict[str, float]:
    """Archive hash: sx in process and on the command line against nix-store | b3sum."""
    print_header("archive hash of the tree (BLAKE3 of its NAR)")
    nix_cmd = f"nix-store --dump '{tree}' | b3sum --no-names"
    ours = str(nar.hash_path(tree)[0])
    theirs = "b3:" + run([nix_cmd], shell=True).strip()
    if ours != theirs:
        raise SystemExit(f"bench: hashes differ: sx {ours}, nix {theirs}")
    cli = [*sx_command(), "hash", "path", tree]

    def nix() -> None:
        run([nix_cmd], shell=True)

    lib, cli_times, peer = rounds(runs, [lambda: nar.hash_path(tree), lambda: run(cli), nix],
                                  prepare(tree))
    return {
        "hash (library)": print_ratio("hash, nar.hash_path", lib, peer,
                                      "nix-store|b3sum", target=1.0),
        "hash (cli)": print_ratio("hash, sx hash path", cli_times, peer,
                                  "nix-store|b3sum", target=1.0),
    }


class _Fresh:
    """Hands out new, never used directories under ``base``."""

    def __init__(self, base: str, tag: str) -> None:
        self.base = base
        self.tag = tag
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return os.path.join(self.base, f"{self.tag}{self.n}")


def bench_add(tree: str, runs: int, work: str) -> dict[str, float]:
    """Adding the tree to an empty store: sx CLI and library against nix-store --add.

    sx spreads its work over several threads where Nix uses one, so the CPU
    ratio shows what the wall ratio costs the machine.
    """
    print_header("adding the tree to a fresh store")
    sx_root, nix_root, lib_root = (_Fresh(work, t) for t in ("sx", "nix", "lib"))
    results: dict[str, str] = {}

    def sx_add() -> None:
        results["sx"] = run([*sx_command(), "--root", sx_root(), "store", "add", tree]).strip()

    def nix_add() -> None:
        out = run(["nix-store", "--store", nix_root(), *NIX_OPTIONS, "--add", tree])
        results["nix"] = out.strip()

    def lib_add() -> None:
        store = LocalStore(lib_root())
        store.add_tree(tree)
        store.temp_roots.close()

    ours, lib, peer = rounds(runs, [sx_add, lib_add, nix_add], prepare(tree))
    if not results["sx"].startswith("/sx/store/") or not results["nix"].startswith("/nix/store/"):
        raise SystemExit(f"bench: unexpected add output {results}")
    return {
        "add (cli)": print_ratio("add, sx store add", ours, peer, "nix-store --add", target=0.6),
        "add (library)": print_ratio("add, LocalStore.add_tree", lib, peer,
                                     "nix-store --add", target=0.6),
    }


def startup(work: str) -> None:
    """The fixed cost of an sx command (start Python, import one command), for reading
    the command-line figures: ``sx hash file`` of a one-byte file."""
    tiny = os.path.join(work, "tiny")
    with open(tiny, "wb") as f:
        f.write(b"x")
    t = median_sample(lambda: subprocess.run([*sx_command(), "hash", "file", tiny],
                                             capture_output=True, check=True), runs=5)
    print(f"{'sx start-up (hash file)':<28} sx {t.wall * 1000:8.1f} ms   "
          f"cpu {t.cpu * 1000:8.1f} ms", flush=True)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the store benchmark; returns the ratios measured (sx / peer)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hash-runs", type=int, default=5)
    parser.add_argument("--add-runs", type=int, default=3)
    parser.add_argument("--min-mb", type=int, default=200)
    parser.add_argument("--min-files", type=int, default=8000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(list(argv) if argv is not None else [])
    require_tools("nix-store", "b3sum")
    setup_nix()
    work = scratch_dir("store")
    try:
        t0 = time.monotonic()
        stats = make_tree(os.path.join(work, "tree"), args.min_mb * MIB, args.min_files)
        print(f"tree: {stats} (made in {time.monotonic() - t0:.1f} s)", flush=True)
        tree = os.path.join(work, "tree")
        startup(work)
        ratios = bench_hash(tree, args.hash_runs)
        ratios.update(bench_add(tree, args.add_runs, work))
        return ratios
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            remove_tree(work)


if __name__ == "__main__":
    main(sys.argv[1:])
