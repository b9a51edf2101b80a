"""cc0 on a generated C0 program of 5,000 lines (and one of 50,000), next to gcc.

cc0 and the stage0 tools are realized through sx from the hex0 seed in a
scratch store; then each step of the chain runs on the program: cc0 (C0 to
M0 text), M0 (to hex2 text) and hex2 (to the executable). The peer is the
host's ``gcc -m32 -O0 -c`` on the same file (a compiler only, no assembly
into an executable). Printed: median milliseconds per step, cc0's whole
chain against gcc, and the sizes of each intermediate text.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from common import (
    Sample,
    median_sample,
    print_header,
    print_ratio,
    remove_tree,
    require_tools,
    scratch_dir,
)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "bootstrap"))
from cc0_support import (  # noqa: E402
    CC0_SRC,
    CORPUS,
    RUNTIME,
    STAGE0,
    generated_program,
    realized_tools,
)

SIZES = (5000, 50000)


def step(argv: list[str | Path]) -> None:
    """Run one tool; fail loudly."""
    subprocess.run([str(a) for a in argv], check=True, capture_output=True)


def main(argv: list[str] | None = None) -> None:
    """Measure each step of cc0's chain against gcc on generated programs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), metavar="LINES")
    ap.add_argument("--runs", type=int, default=5, help="runs per step (gcc: at most 3)")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    require_tools("gcc")
    work = Path(scratch_dir("cc0"))
    try:
        run_sizes(work, args.sizes, args.runs)
    finally:
        remove_tree(str(work))


def run_sizes(work: Path, sizes: list[int], runs: int) -> None:
    """Realize the tools in WORK and measure every size, each step ``runs`` times."""
    tools = realized_tools(work / "root")
    for lines in sizes:
        src = work / f"prog{lines}.c"
        src.write_text(generated_program(lines))
        m0_text, m0_in, body, hex2_in, exe = (work / f"p{lines}{s}" for s in
                                              (".M0", "-all.M0", ".hex2", "-all.hex2", ""))
        steps = {
            "cc0": [tools.cc0, RUNTIME, CORPUS / "lib.c", src, m0_text],
            "M0": [tools.m0, m0_in, body],
            "hex2": [tools.hex2, hex2_in, exe],
        }
        step(steps["cc0"])
        step([tools.catm, m0_in, STAGE0 / "i386_defs.M0", CC0_SRC / "cc0_defs.M0", m0_text])
        step(steps["M0"])
        step([tools.catm, hex2_in, STAGE0 / "ELF-i386.hex2", body])
        print_header(f"{lines:,} lines ({src.stat().st_size:,} bytes of C0): "
                     f"M0 text {m0_text.stat().st_size:,} bytes, hex2 text "
                     f"{body.stat().st_size:,} bytes")
        times = {name: median_sample(lambda a=argv: step(a), runs=runs)
                 for name, argv in steps.items()}
        gcc_argv: list[str | Path] = ["gcc", "-m32", "-O0", "-w", "-std=c99", "-funsigned-char",
                                      "-I", CORPUS, "-c", "-o", work / "gcc.o", src]
        gcc = median_sample(lambda a=gcc_argv: step(a), runs=min(runs, 3))
        for name, t in times.items():
            print(f"{name:<6} {t.wall * 1000:8.1f} ms   cpu {t.cpu * 1000:8.1f} ms")
        total = Sample(sum(t.wall for t in times.values()), sum(t.cpu for t in times.values()))
        print_ratio("cc0+M0+hex2 vs gcc -O0 -c", total, gcc, "gcc")
        print(f"executable {exe.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
