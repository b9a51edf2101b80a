"""MesCC on the seed-built mes-m2 next to MesCC on Debian's prebuilt mes.

The inputs are realized through sx from the hex0 seed in a scratch store:
mes-m2, mes's and nyacc's sources, tcc-boot's patched tcc tree and the
MesCC drivers of the recipes. Each case then runs one driver twice outside
the sandbox, on mes-m2 and on Debian's ``mes`` (the peer), with the same
MesCC, patches and arguments, and checks that both write the same M1 text.
Cases: mes's ``crt1.c`` (MesCC as shipped) and tcc's ``x86_64-link.c``
(with sx's MesCC and nyacc fixes). Printed: median wall time per case and
the ratio mes-m2 / Debian mes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
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
from sx.derivations.bootstrap.stage1 import mes, mes_libc, mescc, sources, tcc_boot
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore

RUNS = {"crt1.c": 3, "x86_64-link.c": 1}
"""Runs per case (the tcc unit takes about a minute)."""


def main(argv: list[str] | None = None) -> None:
    """Measure MesCC on mes-m2 against Debian's mes on each case."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", nargs="+", choices=sorted(RUNS), default=sorted(RUNS),
                    help="the files to compile (default: all)")
    ap.add_argument("--runs", type=int, default=None,
                    help="runs per case (default: 3 for crt1.c, 1 for the tcc unit)")
    args = ap.parse_args(argv)
    require_tools("mes")
    work = Path(scratch_dir("mescc"))
    try:
        run_cases(work, args.cases, args.runs)
    finally:
        remove_tree(str(work))


def realized(store: LocalStore, drv: Derivation) -> Path:
    """Realize ``drv`` in ``store``; its output where this host sees it."""
    outcome = realize(store, [drv], BuildOptions(jobs=2))
    return Path(store.real_path(outcome.outputs[0]["out"]))


def run_cases(work: Path, which: list[str], runs: int | None) -> None:
    """Realize the inputs in WORK, then time each case on both interpreters."""
    store = LocalStore(str(work / "root"))
    mes_m2 = realized(store, mes.mes_m2())
    mes_src = realized(store, sources.mes_source())
    nyacc = realized(store, sources.nyacc_source()) / mescc.NYACC_DIR
    cases = {"crt1.c": mes_libc.crt1_driver(), "x86_64-link.c": tcc_boot.unit_driver("x86_64-link")}
    print_header("MesCC: mes-m2 (from the hex0 seed) against Debian's mes")
    for name, drv in cases.items():
        if name not in which:
            continue
        path = realized(store, drv)
        outs: dict[str, bytes] = {}
        times: dict[str, Sample] = {}
        for label, exe in (("mes-m2", str(mes_m2)), ("mes", "mes")):
            out_dir = work / label
            out_dir.mkdir(exist_ok=True)
            host = out_dir / "driver.scm"
            host.write_text(path.read_text().replace("/sx/store", str(path.parent))
                            .replace(mescc.BUILD + "/", f"{out_dir}/"))
            env = {**mescc.MES_ENV, "MES_PREFIX": str(mes_src),
                   "GUILE_LOAD_PATH": f"{mes_src}/module:{nyacc}",
                   "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            argv = [exe, "--no-auto-compile", "-L", str(nyacc), str(host)]
            times[label] = median_sample(
                lambda argv=argv, env=env: subprocess.run(argv, cwd=mes_src, env=env,
                                                          check=True, capture_output=True),
                runs=runs or RUNS[name])
            out = out_dir / (name[:-2] + ".s")
            outs[label] = out.read_bytes().replace(str(out_dir).encode(), b"")
        if outs["mes-m2"] != outs["mes"]:
            raise SystemExit(f"bench: {name}: mes-m2 and mes wrote different M1 text")
        print_ratio(name, times["mes-m2"], times["mes"], "mes")


if __name__ == "__main__":
    main()
