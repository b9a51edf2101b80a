"""Run every benchmark under bench/ in one process, one after another.

Each ``bench/*_bench.py`` has a ``main()`` that measures sx and its peer in
the same run and prints medians and ratios. ``make bench`` runs this file;
``python bench/run_all.py store gc`` runs a subset.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import time

ORDER = ["store", "build", "oci", "gc", "cache", "subst", "remote", "cc0", "mescc"]


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default); returns non-zero if one crashed."""
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    wanted = argv or ORDER
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
