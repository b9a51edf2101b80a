"""Benchmark: ``sx export-oci`` of a 200+ MB closure against ``skopeo copy`` of the image.

The peer is the floor: ``skopeo copy --preserve-digests oci:A oci:B`` copies
the finished image layout to a new directory (it reads, verifies and writes
every blob). sx must read the store, write sorted PAX tar layers and hash
them. Both run in the same process tree, interleaved, with nothing deleted
until the end (ext4 creates files slowly for a while after a large delete).
Prints medians and the ratio sx / skopeo (target: <= 2.0).

Run alone: ``python bench/oci_bench.py [--reps N] [--mb SIZE]``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile

from common import Sample, medians, print_ratio, rotate, sx_command, timed
from sx.store.fsutil import remove_tree
from sx.store.local import LocalStore
from sx.store.path import StorePath

TARGET_RATIO = 2.0
PATHS = 40


def make_closure(store: LocalStore, work: str, total_mb: int) -> StorePath:
    """Add ``PATHS`` store paths of mixed file sizes (about ``total_mb`` MB in all).

    Each path refers to the one before it and up to two earlier ones, so the
    closure has a real reference graph; the last path is the root of all.
    """
    rng = random.Random(42)
    per_path = total_mb * 1_000_000 // PATHS
    added: list[StorePath] = []
    for i in range(PATHS):
        src = os.path.join(work, f"src-{i}")
        _make_tree(rng, src, per_path)
        refs = added[-1:] + rng.sample(added[:-1], min(2, max(0, len(added) - 1)))
        # The store checks declared references against the bytes: name them.
        with open(os.path.join(src, "refs"), "w") as f:
            f.write("".join(f"{r}\n" for r in refs))
        added.append(store.add_tree(src, f"bench-{i}", refs).path)
        shutil.rmtree(src)
    return added[-1]


def _make_tree(rng: random.Random, root: str, budget: int) -> None:
    written = 0
    n = 0
    while written < budget:
        d = os.path.join(root, f"d{n // 50}", f"e{n % 7}")
        os.makedirs(d, exist_ok=True)
        # Log-uniform sizes from 100 B to 256 KiB: many small files, a few large.
        size = min(int(100 * (2621.44 ** rng.random())), budget - written)
        with open(os.path.join(d, f"f{n}.dat"), "wb") as f:
            f.write(rng.randbytes(size))
        if n % 11 == 0:
            os.chmod(os.path.join(d, f"f{n}.dat"), 0o755)
        written += size
        n += 1


def _tree_size(root: str) -> int:
    return sum(os.lstat(os.path.join(d, f)).st_size
               for d, _, files in os.walk(root) for f in files)


def main(argv: list[str] | None = None) -> int:
    """Build the closure, time both tools, print medians and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--mb", type=int, default=220, help="closure size in MB (>= 200)")
    args = ap.parse_args(argv or [])  # run_all.py calls main() with its own argv in sys
    sx = sx_command()
    work = tempfile.mkdtemp(prefix="sx-oci-bench-")
    try:
        store = LocalStore(os.path.join(work, "root"))
        root = make_closure(store, work, args.mb)
        env = {**os.environ, "SX_ROOT": store.root}
        out = os.path.join(work, "out")
        os.mkdir(out)
        first = os.path.join(out, "warm")
        timed([*sx, "export-oci", str(root), "-o", first], env)  # warms the page cache
        size = _tree_size(first)

        def ours_run(i: int) -> Sample:
            return timed([*sx, "export-oci", str(root), "-o", f"{out}/sx-{i}"], env)[0]

        def peer_run(i: int) -> Sample:
            return timed(["skopeo", "copy", "-q", "--preserve-digests", f"oci:{first}:latest",
                          f"oci:{out}/skopeo-{i}:latest"], env)[0]

        # Each run starts with nothing dirty: neither tool pays for the other's writes.
        sx_times, peer_times = rotate(args.reps, [ours_run, peer_run], os.sync)
        ours, peer = medians(sx_times), medians(peer_times)
        print(f"oci export: closure of {len(store.closure([root]))} paths, "
              f"image {size / 1e6:.0f} MB, {args.reps} runs each")
        print(f"  sx export-oci          median {ours.wall:.3f} s  "
              f"({size / 1e6 / ours.wall:.0f} MB/s)")
        print(f"  skopeo copy (the floor) median {peer.wall:.3f} s  "
              f"({size / 1e6 / peer.wall:.0f} MB/s)")
        print_ratio("export-oci vs skopeo copy", ours, peer, "skopeo", target=TARGET_RATIO)
        return 0
    finally:
        remove_tree(work)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
