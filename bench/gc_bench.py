"""Garbage collection at scale: sx against ``nix-store --gc`` on the same store shape.

Both stores get the same random reference DAG of tiny paths (20,000 by
default) and the same roots, chosen so that a quarter of the paths is dead.
Each round builds a fresh pair of stores, then collects both (alternating
which goes first); the figure compared is wall time per path freed, the
command-line tools started as processes on both sides. Closure queries of a
path whose closure holds about 2,000 paths are timed in-process for sx (the
library call) and for both command lines (``sx path-info -r`` and
``nix-store -qR``).

Run alone: ``python bench/gc_bench.py [--paths N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from common import (
    Sample,
    Stopwatch,
    medians,
    print_header,
    print_ratio,
    remove_tree,
    require_tools,
    rotate,
    scratch_dir,
    sx_command,
    timed,
)
from sx.store import nar
from sx.store.hashing import Digest
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.path import StorePath, make_path, nix_base32

NIX_CONF = "/etc/nix/nix.conf"
CLOSURE_TARGET = 2000
# Bulk registration: records per write transaction.
CHUNK = 2000


@dataclass
class Shape:
    """A reference DAG: node i references ``refs[i]`` (all lower), plus the roots."""

    refs: list[list[int]]
    roots: list[int]
    dead: int
    closure_node: int
    closure_len: int


def make_shape(n: int, seed: int = 1) -> Shape:
    """A random DAG whose roots keep about three quarters of the nodes alive."""
    rng = random.Random(seed)
    refs: list[list[int]] = []
    for i in range(n):
        k = rng.choice((0, 1, 1, 2, 2, 3)) if i else 0
        # Mostly recent nodes (like a dependency chain), sometimes anything older.
        picks = {max(0, i - 1 - int(rng.expovariate(1 / 40))) if rng.random() < 0.8
                 else rng.randrange(i) for _ in range(k)} if i else set()
        refs.append(sorted(picks))
    bits = [0] * n
    for i in range(n):
        b = 1 << i
        for r in refs[i]:
            b |= bits[r]
        bits[i] = b
    sizes = [b.bit_count() for b in bits]
    closure_node = min(range(n), key=lambda i: abs(sizes[i] - CLOSURE_TARGET))
    roots, live = _pick_roots(rng, n, bits)
    return Shape(refs, roots, n - live.bit_count(), closure_node, sizes[closure_node])


def _pick_roots(rng: random.Random, n: int, bits: list[int]) -> tuple[list[int], int]:
    order = list(range(n))
    rng.shuffle(order)
    live = 0
    roots = []
    for i in order:
        if (live | bits[i]).bit_count() > n * 3 // 4:
            continue
        if not (live >> i) & 1:
            roots.append(i)
            live |= bits[i]
        if live.bit_count() >= n * 3 // 4 - 5:
            break
    return roots, live


# ---- the sx store ------------------------------------------------------------------------


def build_sx(root: str, shape: Shape) -> list[StorePath]:
    """Register the shape's tiny paths straight into a fresh store, in big transactions."""
    store = LocalStore(root)
    paths: list[StorePath] = []
    infos: list[PathInfo] = []
    for i, rs in enumerate(shape.refs):
        archive = _archive(f"node {i}\n".encode())
        h = Digest.b3(archive)
        refs = tuple(paths[r] for r in rs)
        p = make_path("source", h, f"n{i}", refs)
        write_tiny(store.real_path(p), f"node {i}\n".encode())
        paths.append(p)
        infos.append(PathInfo(p, h, len(archive), refs, ca=f"source:{h}"))
    for start in range(0, len(infos), CHUNK):
        with store.db.write() as txn:
            for info in infos[start:start + CHUNK]:
                store._register(txn, info)
    for k, r in enumerate(shape.roots):
        os.symlink(store.real_path(paths[r]), os.path.join(store.gcroots, f"r{k}"))
    return paths


def write_tiny(path: str, data: bytes) -> None:
    """A canonical read-only file (mode 0444, mtime 1)."""
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o444)
    os.utime(path, (1, 1))


def nar_of_file(data: bytes) -> bytes:
    """The archive of a regular non-executable file holding ``data`` (sx's own dumper)."""
    tmp = scratch_dir("nar")
    try:
        path = os.path.join(tmp, "f")
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o444)
        return nar.dump_bytes(path)
    finally:
        remove_tree(tmp)


def _archive(data: bytes) -> bytes:
    # Every tiny file is "node <i>\n": the archive differs only in the contents
    # field, so build it around the one sx produced for a template.
    head, tail = _template()
    pad = b"\0" * (-len(data) % 8)
    return head + len(data).to_bytes(8, "little") + data + pad + tail


_TEMPLATE: list[tuple[bytes, bytes]] = []


def _template() -> tuple[bytes, bytes]:
    if not _TEMPLATE:
        marker = b"@@@@@@@@"
        whole = nar_of_file(marker)
        at = whole.index(len(marker).to_bytes(8, "little") + marker)
        _TEMPLATE.append((whole[:at], whole[at + 16:]))
    return _TEMPLATE[0]


# ---- the Nix store -----------------------------------------------------------------------


def ensure_nix_conf() -> None:
    """Single-user root configuration, written only when none exists."""
    if os.path.exists(NIX_CONF):
        return
    os.makedirs(os.path.dirname(NIX_CONF), exist_ok=True)
    with open(NIX_CONF, "w") as f:
        f.write("build-users-group =\nsandbox = false\nsubstituters =\n")


def build_nix(root: str, shape: Shape) -> list[str]:
    """The same shape in a chroot Nix store at ``root``, registered in one call."""
    store_dir = os.path.join(root, "nix", "store")
    os.makedirs(store_dir)
    rng = random.Random(7)
    paths = []
    lines = []
    for i, rs in enumerate(shape.refs):
        data = f"node {i}\n".encode()
        p = f"/nix/store/{nix_base32(rng.randbytes(20))}-n{i}"
        write_tiny(os.path.join(root, p[1:]), data)
        archive = _archive(data)
        paths.append(p)
        lines += [p, "sha256:" + hashlib.sha256(archive).hexdigest(), str(len(archive)), "",
                  str(len(rs)), *(paths[r] for r in rs)]
    nix(root, ["--load-db"], "\n".join(lines) + "\n")
    gcroots = os.path.join(root, "nix", "var", "nix", "gcroots")
    os.makedirs(gcroots, exist_ok=True)
    for k, r in enumerate(shape.roots):
        os.symlink(paths[r], os.path.join(gcroots, f"r{k}"))
    return paths


def nix(root: str, args: Sequence[str], stdin: str | None = None) -> str:
    """Run ``nix-store`` against the chroot store at ``root``."""
    proc = subprocess.run(["nix-store", "--store", root, *args], input=stdin,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: nix-store {' '.join(args)} failed: {proc.stderr[-400:]}")
    return proc.stdout


# ---- timing ------------------------------------------------------------------------------


def sx_env(root: str) -> dict[str, str]:
    """The environment that points the sx CLI at ``root``."""
    return {**os.environ, "SX_ROOT": root}


def count_sx(root: str) -> int:
    """Registered paths in the sx store at ``root``."""
    return len(LocalStore(root).all_paths())


def one_round(base: str, shape: Shape, k: int) -> tuple[Sample, Sample]:
    """Build a fresh pair of stores and collect both; seconds per path freed (sx, nix)."""
    sx_root, nix_root = os.path.join(base, f"sx{k}"), os.path.join(base, f"nix{k}")
    build_sx(sx_root, shape)
    build_nix(nix_root, shape)
    runs = {
        "sx": lambda: timed([*sx_command(), "gc"], sx_env(sx_root))[0],
        "nix": lambda: timed(["nix-store", "--store", nix_root, "--gc"])[0],
    }
    order = ["sx", "nix"] if k % 2 == 0 else ["nix", "sx"]
    took = {name: runs[name]() for name in order}
    left_sx = _entries(os.path.join(sx_root, "store"))
    left_nix = _entries(os.path.join(nix_root, "nix", "store"))
    want = len(shape.refs) - shape.dead
    if not left_sx == left_nix == count_sx(sx_root) == want:
        raise SystemExit(f"bench: after GC sx keeps {left_sx}, nix keeps {left_nix}, "
                         f"expected {want}")
    remove_tree(sx_root)
    remove_tree(nix_root)
    return took["sx"].scaled(1 / shape.dead), took["nix"].scaled(1 / shape.dead)


def _entries(store_dir: str) -> int:
    """Objects left in a store directory (Nix's hidden ``.links`` not counted)."""
    return sum(1 for n in os.listdir(store_dir) if not n.startswith("."))


def closure_times(base: str, shape: Shape) -> tuple[Sample, Sample, Sample]:
    """Medians: sx library closure, sx CLI closure, nix-store -qR."""
    sx_root, nix_root = os.path.join(base, "sxq"), os.path.join(base, "nixq")
    paths = build_sx(sx_root, shape)
    npaths = build_nix(nix_root, shape)
    target = paths[shape.closure_node]
    store = LocalStore(sx_root)
    lib = []
    for _ in range(7):
        watch = Stopwatch()
        got = store.closure([target])
        lib.append(watch.stop())
    assert len(got) == shape.closure_len, (len(got), shape.closure_len)
    sx_cmd = [*sx_command(), "path-info", "-r", str(target)]
    nix_cmd = ["nix-store", "--store", nix_root, "-qR", npaths[shape.closure_node]]
    cli, peer = rotate(7, [lambda _: timed(sx_cmd, sx_env(sx_root))[0],
                           lambda _: timed(nix_cmd)[0]])
    return medians(lib), medians(cli), medians(peer)


def main(argv: list[str] | None = None) -> None:
    """Build the stores, collect them, print per-path medians and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv if argv is not None else [])
    require_tools("nix-store")
    ensure_nix_conf()
    t0 = time.perf_counter()
    shape = make_shape(args.paths)
    base = scratch_dir("gc")
    try:
        print_header(f"gc: {args.paths:,} tiny paths, {len(shape.roots)} roots, "
                     f"{shape.dead:,} dead ({shape.dead / args.paths:.0%})")
        per = [one_round(base, shape, k) for k in range(args.rounds)]
        ours = medians([p[0] for p in per])
        peer = medians([p[1] for p in per])
        print(f"per path freed: sx {ours.wall * 1e6:.1f} us, nix-store --gc "
              f"{peer.wall * 1e6:.1f} us (medians of {args.rounds} rounds)")
        print_ratio(f"gc of {shape.dead:,} paths", ours.scaled(shape.dead),
                    peer.scaled(shape.dead), "nix-store --gc", target=1.0)
        lib, cli, nixq = closure_times(base, shape)
        print(f"closure of {shape.closure_len:,} paths: sx library {lib.wall * 1000:.1f} ms, "
              f"cpu {lib.cpu * 1000:.1f} ms (target < 50 ms: "
              f"{'met' if lib.wall < 0.05 else 'NOT met'})")
        print_ratio("closure, command line", cli, nixq, "nix-store -qR", target=1.0)
    finally:
        remove_tree(base)
        shutil.rmtree(base, ignore_errors=True)
    print(f"(whole benchmark {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
