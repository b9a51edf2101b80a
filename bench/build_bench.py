"""Builder overhead: realize DAGs of trivial sandboxed derivations with sx and with Nix.

Shapes: a *chain* (each derivation depends on the previous one) and a wide
*fan-in* (N independent leaves and one root that depends on all of them),
each with 200 and 2,000 derivations. Every derivation runs
``busybox sh -c 'echo $n $salt > $out'`` in the sandbox. Both tools run their
command line from scratch (evaluation, writing ``.drv`` files, building) with
the same number of parallel jobs; Nix runs with ``sandbox = true`` (given on
the command line, so the machine's nix.conf is left alone).

Every run uses fresh derivations (a salt in each) whose outputs hold the
salt too, so nothing is cached (sx's outputs are content-addressed: bytes
built again would be found registered, and not installed a second time),
and nothing is deleted between runs (ext4 is slow to create files for a
while after a large delete). Runs alternate which tool goes first, and
each starts with nothing dirty (Nix syncs no output). sx runs as its
users run it: the ``sx`` console script, with byte-compiled modules
(written first, as installing does). Printed: median milliseconds per
derivation for each tool, the ratio sx / Nix, and each tool's growth from
200 to 2,000.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Sequence

from common import (
    Sample,
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
from sx.derivations.examples import busybox_tree

SIZES = (200, 2000)
SHAPES = ("chain", "fanin")
NIX_OPTIONS = ["--option", "sandbox", "true", "--option", "build-users-group", "",
               "--option", "substituters", "", "--option", "experimental-features",
               "nix-command"]


def sx_recipe(shape: str, n: int, salt: str, busybox_dir: str) -> str:
    """A recipe file whose ``root`` is the DAG."""
    return f'''
from sx.derivations.model import Source, derivation
bb = Source({busybox_dir!r}, "busybox")
sh = f"{{bb}}/bin/sh"

def d(name, script, inputs=()):
    return derivation(name, sh, ["-c", script], inputs=inputs, srcs=[bb],
                      env={{"salt": {salt!r}}})

def root():
    if {shape!r} == "chain":
        prev = None
        for i in range({n}):
            dep = [prev] if prev else []
            ref = f": {{prev.out}}; " if prev else ""
            prev = d(f"c{{i}}", ref + f"echo {{i}} $salt > $out", dep)
        return prev
    leaves = [d(f"f{{i}}", f"echo {{i}} $salt > $out") for i in range({n} - 1)]
    return d("fanin", "echo root $salt > $out", leaves)
'''


def nix_expr(shape: str, n: int, salt: str, busybox_path: str) -> str:
    """The same DAG as a Nix expression."""
    head = f'''let
  bb = builtins.storePath "{busybox_path}";
  d = name: script: deps: derivation {{
    inherit name deps; system = "x86_64-linux"; builder = "${{bb}}/bin/sh";
    args = [ "-c" script ]; salt = "{salt}";
  }};
'''
    if shape == "chain":
        lines = ['  c0 = d "c0" "echo 0 $salt > $out" [];']
        for i in range(1, n):
            lines.append(f'  c{i} = d "c{i}" ": ${{c{i - 1}}}; echo {i} $salt > $out" [];')
        return head + "\n".join(lines) + f"\nin c{n - 1}\n"
    lines = [f'  f{i} = d "f{i}" "echo {i} $salt > $out" [];' for i in range(n - 1)]
    deps = " ".join(f"f{i}" for i in range(n - 1))
    return head + "\n".join(lines) + f'\nin d "fanin" "echo root $salt > $out" [ {deps} ]\n'


class Bench:
    """One benchmark session: a scratch dir, a store for sx, busybox for both tools."""

    def __init__(self, work: str, jobs: int) -> None:
        self.work = work
        self.jobs = jobs
        self.bb_dir = os.path.join(work, "busybox")
        busybox_tree(self.bb_dir, shutil.which("busybox") or "/bin/busybox")
        out = subprocess.run(["nix-store", "--add", self.bb_dir], capture_output=True,
                             text=True, check=True)
        self.nix_bb = out.stdout.strip()
        self.root = os.path.join(work, "sx-root")
        self.nonce = secrets.token_hex(4)
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env["SX_ROOT"] = self.root
        self.run_sx("chain", 2, f"warm-up-{self.nonce}")

    def run_sx(self, shape: str, n: int, salt: str) -> Sample:
        path = os.path.join(self.work, f"{shape}-{n}-{salt}.py")
        with open(path, "w") as f:
            f.write(sx_recipe(shape, n, salt, self.bb_dir))
        cmd = [*sx_command(), "realize", "-q", "-j", str(self.jobs), f"{path}:root"]
        return timed(cmd, self.env)[0]

    def run_nix(self, shape: str, n: int, salt: str) -> Sample:
        path = os.path.join(self.work, f"{shape}-{n}-{salt}.nix")
        with open(path, "w") as f:
            f.write(nix_expr(shape, n, salt, self.nix_bb))
        cmd = ["nix-build", path, "--no-out-link", "--quiet", "--max-jobs", str(self.jobs),
               "--cores", "1", *NIX_OPTIONS]
        return timed(cmd)[0]

    def measure(self, shape: str, n: int, runs: int) -> tuple[Sample, Sample]:
        """Median times per derivation for sx and for Nix.

        Each run starts with nothing dirty: Nix syncs none of its outputs,
        so whoever ran after it would pay for writing them back.
        """
        def salt(r: int) -> str:
            return f"{self.nonce}-{shape}-{n}-{r}"  # no row shares a derivation with another

        sx_times, nix_times = rotate(runs, [lambda r: self.run_sx(shape, n, salt(r)),
                                            lambda r: self.run_nix(shape, n, salt(r))], os.sync)
        return medians(sx_times).scaled(1 / n), medians(nix_times).scaled(1 / n)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print; ``--runs`` and ``--sizes`` shorten a run."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args([] if argv is None else list(argv))
    require_tools("bwrap", "busybox", "nix-build", "nix-store")
    work = scratch_dir("build")
    # Searchable by others, as a store root normally is: builds can then run
    # with the mapped build user (see derivations/build/linux.py).
    os.chmod(work, 0o755)
    try:
        bench = Bench(work, args.jobs)
        print_header(f"builder: trivial sandboxed derivations, -j{args.jobs}, "
                     f"median of {args.runs} runs (ms per derivation)")
        results: dict[tuple[str, int], tuple[float, float]] = {}
        for shape in args.shapes:
            for n in args.sizes:
                sx, nix = bench.measure(shape, n, args.runs)
                results[(shape, n)] = (sx.wall, nix.wall)
                print_ratio(f"{shape} {n}, per derivation", sx, nix, "nix", target=1.0)
        lo, hi = min(args.sizes), max(args.sizes)
        if lo != hi:
            for shape in args.shapes:
                (s1, n1), (s2, n2) = results[(shape, lo)], results[(shape, hi)]
                growth = s2 / s1
                print(f"{shape:<6} growth {lo} -> {hi}:   sx {growth:4.2f}x   nix {n2 / n1:4.2f}x"
                      f"   (sx target <= 1.20: {'met' if growth <= 1.2 else 'NOT met'})",
                      flush=True)
    finally:
        if args.keep:
            print(f"(scratch kept in {work})")
        else:
            remove_tree(work)


if __name__ == "__main__":
    main(sys.argv[1:])
