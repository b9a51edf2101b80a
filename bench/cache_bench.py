"""Binary caches: copy a closure of 200+ MB to a ``file://`` cache and back into an empty store,
with ``sx copy`` and with ``nix copy``, in the same run.

The closure is the benchmark tree of common.py split into its three top
directories (interpreter sources, thousands of small files, large
incompressible files) plus a small path that refers to all three. Both
tools get the same bytes: sx from its own store, Nix from ``nix-store --add``
of the same directories. Both run as command-line processes.

Peers: ``nix copy --to file://DIR`` with Nix's default compression (xz) and
with ``?compression=zstd`` (sx always uses zstd). Downloads go into a fresh
store each run: sx checks signatures (k = 1 of a generated key), Nix runs
with ``--no-check-sigs`` into a fresh chroot store. Runs alternate which tool
goes first, each starts with nothing dirty (Nix syncs nothing it writes, so
whoever ran after it would pay for writing back its 200 MB), and nothing is
deleted between runs (ext4 is slow to create files for a while after
deleting a large tree). The xz peer is slow (about two
minutes per upload here) and runs once unless ``SX_BENCH_XZ_RUNS`` says
otherwise; ``SX_BENCH_RUNS`` sets the other runs (default 3).

Run alone: ``python bench/cache_bench.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from common import (
    Sample,
    make_tree,
    medians,
    print_header,
    print_ratio,
    remove_tree,
    require_tools,
    rotate,
    run,
    scratch_dir,
    sx_command,
    timed,
    tree_stats,
)

NIX_CONFIG = ("build-users-group =\nexperimental-features = nix-command\nsubstituters =\n"
              "sandbox = false\n")
NIX_ENV = {**os.environ, "NIX_CONFIG": NIX_CONFIG}


class Setup:
    """The closure, in an sx store and in Nix's store, plus a signing key and a config."""

    def __init__(self, base: str, min_mb: int = 200, min_files: int = 8000) -> None:
        self.base = base
        tree = os.path.join(base, "tree")
        stats = make_tree(tree, min_mb << 20, min_files)
        print(f"closure: {stats} in 3 paths, plus one path referring to them", flush=True)
        self.sx_root = os.path.join(base, "sx-src")
        sx_env = {**os.environ, "SX_ROOT": self.sx_root}
        parts = [os.path.join(tree, d) for d in sorted(os.listdir(tree))]
        self.sx_paths = [run([*sx_command(), "store", "add", p], env=sx_env).strip()
                         for p in parts]
        top_src = os.path.join(base, "top")
        with open(top_src, "w") as f:
            f.write("\n".join(self.sx_paths) + "\n")
        self.sx_top = self._add_top(top_src)
        key = os.path.join(base, "bench.sec")
        self.public = run([*sx_command(), "key", "generate", "--name", "bench", "-o", key]).strip()
        run([*sx_command(), "--root", self.sx_root, "sign", "--key", key, "-r", self.sx_top])
        self.nix_paths = [run(["nix-store", "--add", p], env=NIX_ENV).strip()
                          for p in [*parts, top_src]]

    def _add_top(self, src: str) -> str:
        from sx.store.local import LocalStore
        from sx.store.path import StorePath

        store = LocalStore(self.sx_root)
        refs = [StorePath.parse(p) for p in self.sx_paths]
        return str(store.add_tree(src, "top", refs).path)

    def fresh_sx_root(self, tag: str) -> str:
        root = os.path.join(self.base, f"sx-dst-{tag}")
        os.makedirs(os.path.join(root, "etc"))
        with open(os.path.join(root, "etc", "sx.conf"), "w") as f:
            f.write(f'trusted-public-keys = ["{self.public}"]\nrequired-signatures = 1\n')
        return root


def _sx_up(s: Setup, cache: str) -> Sample:
    return timed([*sx_command(), "--root", s.sx_root, "copy", "--to", f"file://{cache}",
                  s.sx_top])[0]


def _sx_down(s: Setup, cache: str, tag: str) -> Sample:
    root = s.fresh_sx_root(tag)
    return timed([*sx_command(), "--root", root, "copy", "--from", f"file://{cache}",
                  s.sx_top])[0]


def _nix_up(s: Setup, cache: str, query: str) -> Sample:
    return timed(["nix", "copy", "--to", f"file://{cache}{query}", *s.nix_paths], NIX_ENV)[0]


def _nix_down(s: Setup, cache: str, tag: str) -> Sample:
    dest = os.path.join(s.base, f"nix-dst-{tag}")
    return timed(["nix", "copy", "--from", f"file://{cache}", "--to", dest, "--no-check-sigs",
                  *s.nix_paths], NIX_ENV)[0]


def _alternate(runs: int, ours: Callable[[int], Sample], peer: Callable[[int], Sample]
               ) -> tuple[Sample, Sample]:
    """The medians of ``runs`` rounds, each starting with nothing dirty (see the module)."""
    a, b = rotate(runs, [ours, peer], os.sync)
    return medians(a), medians(b)


def _check(s: Setup, tag: str) -> None:
    """The downloaded closure is all there and intact."""
    root = os.path.join(s.base, f"sx-dst-{tag}")
    out = run([*sx_command(), "--root", root, "verify", "-r", s.sx_top])
    if out.count(": ok") != 4:
        raise SystemExit(f"bench: downloaded closure incomplete:\n{out}")


def main(argv: list[str] | None = None) -> None:
    """Measure and print medians and ratios (``--mb``, ``--runs``... shorten a run)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200, help="closure size in MiB")
    ap.add_argument("--files", type=int, default=8000, help="files in the closure")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("SX_BENCH_RUNS", "3")))
    ap.add_argument("--xz-runs", type=int,
                    default=int(os.environ.get("SX_BENCH_XZ_RUNS", "1")))
    args = ap.parse_args(argv if argv is not None else [])
    require_tools("nix", "nix-store")
    runs, xz_runs = args.runs, args.xz_runs
    base = scratch_dir("cache")
    try:
        s = Setup(base, args.mb, args.files)
        d = base
        print_header(f"cache copy: {len(s.sx_paths) + 1}-path closure, "
                     f"{tree_stats(os.path.join(d, 'tree'))}, medians of {runs}")
        up = _alternate(runs, lambda i: _sx_up(s, f"{d}/sx-cache-{i}"),
                        lambda i: _nix_up(s, f"{d}/nix-zst-{i}", "?compression=zstd"))
        down = _alternate(runs, lambda i: _sx_down(s, f"{d}/sx-cache-0", f"z{i}"),
                          lambda i: _nix_down(s, f"{d}/nix-zst-0", f"z{i}"))
        _check(s, "z0")
        print_ratio("upload (nix zstd)", up[0], up[1], "nix", 1.0)
        print_ratio("download (nix zstd)", down[0], down[1], "nix", 1.0)
        if xz_runs:
            xup = _alternate(xz_runs, lambda i: _sx_up(s, f"{d}/sx-cache-x{i}"),
                             lambda i: _nix_up(s, f"{d}/nix-xz-{i}", ""))
            xdown = _alternate(xz_runs, lambda i: _sx_down(s, f"{d}/sx-cache-0", f"x{i}"),
                               lambda i: _nix_down(s, f"{d}/nix-xz-0", f"x{i}"))
            print_ratio("upload (nix default, xz)", xup[0], xup[1], "nix", 1.0)
            print_ratio("download (nix default, xz)", xdown[0], xdown[1], "nix", 1.0)
        sizes = {name: sum(os.path.getsize(os.path.join(dp, f))
                           for dp, _, fs in os.walk(f"{d}/{name}") for f in fs)
                 for name in ("sx-cache-0", "nix-zst-0") + (("nix-xz-0",) if xz_runs else ())}
        print("cache sizes: " + ", ".join(f"{k} {v / (1 << 20):.0f} MiB"
                                          for k, v in sizes.items()), flush=True)
    finally:
        remove_tree(base)


if __name__ == "__main__":
    main(sys.argv[1:])
