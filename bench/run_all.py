"""Run every benchmark under bench/ in one process, one after another.

Each ``bench/*_bench.py`` has a ``main()`` that measures sx and its peer in
the same run and prints medians and ratios. ``make bench`` runs this file;
``python bench/run_all.py store gc`` runs a subset. With ``--load [N]``
(``make bench BENCH_ARGS=--load``), N CPU-bound neighbour processes (one by
default) spin for the whole run, to see how sx and its peer hold up on a
busy machine; every row prints the CPU-time ratio beside the wall one.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

ORDER = ["store", "build", "oci", "gc", "cache", "subst", "remote", "cc0"]


# A neighbour that only computes: no I/O, no memory traffic to speak of.
_SPIN = "while True:\n    pass\n"


@contextmanager
def neighbours(count: int) -> Iterator[None]:
    """``count`` CPU-bound processes running until the block ends."""
    procs = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(count)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default); returns non-zero if one crashed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--load", type=int, nargs="?", const=1, default=0, metavar="N",
                    help="run N CPU-bound neighbours (1 if N is left out) during the run")
    ap.add_argument("benchmarks", nargs="*", help=f"a subset of {' '.join(ORDER)}")
    args = ap.parse_args(argv)
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    if args.load:
        print(f"== with {args.load} CPU-bound neighbour(s) running ==", flush=True)
    with neighbours(args.load):
        return _run(here, args.benchmarks or ORDER)


def _run(here: pathlib.Path, wanted: list[str]) -> int:
    failed = []
    for name in wanted:
        path = here / f"{name}_bench.py"
        if not path.exists():
            print(f"== {name}: no benchmark yet ({path.name} missing)")
            continue
        print(f"== {name} ==", flush=True)
        spec = importlib.util.spec_from_file_location(f"{name}_bench", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        start = time.monotonic()
        try:
            module.main()
        except Exception as e:  # report and go on with the next benchmark
            print(f"!! {name} benchmark failed: {e!r}")
            failed.append(name)
        print(f"== {name} done in {time.monotonic() - start:.1f} s ==\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
