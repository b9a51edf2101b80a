"""Run every benchmark under bench/ in one process, one after another.

Each ``bench/*_bench.py`` has a ``main(argv)`` that measures sx and its
peer in the same run and prints medians and ratios. ``make bench`` runs
this file; ``python bench/run_all.py store gc`` runs a subset; ``--quick``
(``make bench-quick``, part of ``make test``) runs every benchmark end to
end at small sizes, so a benchmark cannot break unseen. Quick numbers are
not meaningful measurements. With ``--load [N]`` (``make bench
BENCH_ARGS=--load``), N CPU-bound neighbour processes (one by default) spin
for the whole run; every row prints the CPU-time ratio beside the wall one.
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

ORDER = ["cli", "store", "build", "oci", "gc", "cache", "subst", "remote", "cc0", "mescc"]
QUICK: dict[str, list[str]] = {
    "cli": ["--runs", "3"],
    "store": ["--hash-runs", "1", "--add-runs", "1", "--min-mb", "6", "--min-files", "300"],
    "build": ["--runs", "1", "--sizes", "10", "20"],
    "oci": ["--reps", "1", "--mb", "4"],
    "gc": ["--paths", "400", "--rounds", "1"],
    "cache": ["--mb", "6", "--files", "300", "--runs", "1", "--xz-runs", "0"],
    "subst": ["--runs", "1", "--noise-lines", "20000"],
    "remote": ["--wide", "2", "--chain", "2", "--workers", "1", "--intervals", "0.02"],
    "cc0": ["--sizes", "500", "--runs", "1"],
    "mescc": ["--cases", "crt1.c", "--runs", "1"],
}
"""Arguments that make each benchmark small (every one must have an entry)."""


def load(name: str, path: pathlib.Path) -> object:
    """Import a benchmark file as module ``NAME_bench``.

    The module is registered in ``sys.modules`` before it runs: ``@dataclass``
    (and pickling) look their module up there while the class is created.
    """
    module_name = f"{name}_bench"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


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
    """Run the named benchmarks (all by default); returns non-zero if one failed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("names", nargs="*", metavar="NAME", help=f"of: {', '.join(ORDER)}")
    ap.add_argument("--quick", action="store_true", help="small sizes, one run each")
    ap.add_argument("--load", nargs="?", const="1", default="0", metavar="N",
                    help="run N CPU-bound neighbours (1 if N is left out) during the run")
    args = ap.parse_args(argv)
    if not args.load.isdigit():
        # ``--load store``: the word after --load is a benchmark's name, not N.
        args.names.insert(0, args.load)
        args.load = "1"
    args.load = int(args.load)
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    if args.load:
        print(f"== with {args.load} CPU-bound neighbour(s) running ==", flush=True)
    with neighbours(args.load):
        return _run(here, args.names or ORDER, args.quick)


def _run(here: pathlib.Path, names: list[str], quick: bool) -> int:
    failed = []
    for name in names:
        path = here / f"{name}_bench.py"
        if not path.exists():
            print(f"!! {name}: no benchmark {path.name}")
            failed.append(name)
            continue
        print(f"== {name} ==", flush=True)
        start = time.monotonic()
        try:
            module = load(name, path)
            module.main(QUICK[name] if quick else [])  # type: ignore[attr-defined]
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # report (SystemExit too) and go on with the next one
            print(f"!! {name} benchmark failed: {e!r}", flush=True)
            failed.append(name)
        print(f"== {name} done in {time.monotonic() - start:.1f} s ==\n", flush=True)
    if failed:
        print(f"!! failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
