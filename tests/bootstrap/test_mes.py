"""mes-m2 for x86_64, built by cc1 and the mescc-tools it built, runs Debian's MesCC.

The build runs as sx derivations from the pinned mes source (sx's glue and
patch applied by sx's apply-diff); the cc1 at its root is the host-built
one written into the store (``host_cc1``), which ``stage0-cc1`` replaces.

Oracle: Debian's prebuilt ``mes`` (MesCC running on it). The x86_64 mes
libc compiled by MesCC on mes-m2 is checked against Debian's prebuilt
``libc+tcc.s`` by test_tcc_boot.py, in the sandbox.  MesCC runs from the pinned mes source
(``module/``, ``scripts/mescc.scm.in``) with nyacc from the pinned
``nyacc`` package.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cc1_support import ROOT, run
from sx.derivations.bootstrap.stage1 import mes, sources
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore

GLUE = ROOT / "derivations" / "bootstrap" / "stage1" / "mes" / "x86_64-mes-m2"
MESCC_TIMEOUT = 3600


@dataclass(frozen=True)
class Mes:
    """The built mes-m2 and the trees MesCC runs from."""

    exe: Path
    src: Path
    nyacc: Path
    apply_diff: Path


@pytest.fixture(scope="module")
def built(host_cc1: Derivation, stage1_store: LocalStore) -> Mes:
    drvs = [mes.mes_m2(host_cc1), sources.mes_source(), sources.nyacc_source(),
            mes.apply_diff(host_cc1)]
    outcome = realize(stage1_store, drvs, BuildOptions(jobs=2))
    exe, src, nyacc, tool = (Path(stage1_store.real_path(o["out"])) for o in outcome.outputs)
    return Mes(exe, src, nyacc / "usr/share/guile/site/3.0", tool)


def mes_env(m: Mes, work: Path) -> dict[str, str]:
    """The environment MesCC expects (as Debian's mescc script sets it)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MES_PREFIX": str(m.src),
        "GUILE_LOAD_PATH": f"{m.src / 'module'}:{m.nyacc}",
        "MES_ARENA": "20000000",
        "MES_MAX_ARENA": "20000000",
        "MES_STACK": "6000000",
        "includedir": str(work / "include"),
        "libdir": str(work / "lib"),
    }


def mescc(m: Mes, exe: Path, work: Path, args: list[str]) -> subprocess.CompletedProcess[bytes]:
    """MesCC from the pinned source, running on ``exe``, in ``work``."""
    argv = [str(exe), "--no-auto-compile", "-e", "main", "-L", str(m.nyacc),
            str(work / "mescc.scm"), "--", *args]
    return subprocess.run(argv, capture_output=True, cwd=work, env=mes_env(m, work),
                          timeout=MESCC_TIMEOUT, check=False)


def configure(m: Mes, work: Path) -> None:
    """What mes's configure leaves: config.h, include/arch and mescc.scm (as Debian's)."""
    shutil.copytree(m.src / "include", work / "include")
    (work / "include/mes").mkdir(exist_ok=True)
    (work / "include/mes/config.h").write_text('#undef SYSTEM_LIBC\n#define MES_VERSION "0.24.2"\n')
    (work / "include/arch").mkdir(exist_ok=True)
    for h in ("kernel-stat.h", "syscall.h"):
        shutil.copy(m.src / "include/linux/x86_64" / h, work / "include/arch" / h)
    (work / "lib").mkdir(exist_ok=True)
    # boot-0.scm finds the modules as mes/module/ relative to the working directory.
    (work / "mes").symlink_to(m.src / "mes")
    script = (m.src / "scripts/mescc.scm.in").read_text()
    for key, value in (("prefix", str(m.src)), ("VERSION", "0.24.2"), ("mes_cpu", "x86_64"),
                       ("mes_kernel", "linux"), ("numbered_arch", "false")):
        script = script.replace(f"@{key}@", value)
    (work / "mescc.scm").write_text(script)


def test_mes_m2_is_x86_64_and_runs_scheme(built: Mes) -> None:
    data = built.exe.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[18] == 0x3E
    p = subprocess.run([str(built.exe), "-c",
                        "(display (list (number->string (* 65536 65536))"
                        " (number->string -12345678901 16)"
                        " (vector-ref (vector 1 2 3) 1) %arch))"],
                       capture_output=True, timeout=120, check=False, cwd=built.src,
                       env={"MES_PREFIX": str(built.src)})
    assert p.returncode == 0, p.stderr
    assert p.stdout == b'(4294967296 -2dfdc1c35 2 x86_64)'


def test_apply_diff_refuses_a_patch_that_does_not_fit(built: Mes, tmp_path: Path) -> None:
    patch = ROOT / "derivations/bootstrap/stage1/mes/mes-x86_64-m2.patch"
    good = tmp_path / "gc.c"
    p = run([str(built.apply_diff), str(patch), "src/gc.c", str(built.src / "src/gc.c"),
             str(good)])
    assert b"// CONSTANT M2_CELL_SIZE 24\n" in good.read_bytes()
    out = tmp_path / "wrong.c"
    p = run([str(built.apply_diff), str(patch), "src/gc.c", str(built.src / "src/symbol.c"),
             str(out)], check=False)
    assert p.returncode == 1 and p.stderr.startswith(b"apply-diff: src/gc.c: line ")
    assert not out.exists()
    p = run([str(built.apply_diff), str(patch), "src/none.c", str(built.src / "src/gc.c"),
             str(out)], check=False)
    assert (p.returncode, p.stderr) == (1, b"apply-diff: src/none.c: not in the patch\n")


def test_glue_definitions_match_gnu_as(tmp_path: Path) -> None:
    """The x86_64 glue's own instruction definitions encode as GNU as encodes their comments."""
    lines = [ln for ln in (GLUE / "x86_64_defs.M1").read_text().splitlines()
             if ln.startswith("DEFINE")]
    for line in lines:
        m = re.fullmatch(r"DEFINE (\S+) ([0-9A-F]+)\s+# (.*)", line)
        assert m, line
        name, hexcode, insn = m.groups()
        insn = insn.replace("imm8", "0x7f").replace("imm32", "0x12345678")
        (tmp_path / "t.s").write_text(f".intel_syntax noprefix\n.code64\n{insn}\n")
        run(["as", "--64", "-o", str(tmp_path / "t.o"), str(tmp_path / "t.s")])
        run(["objcopy", "-O", "binary", "-j", ".text", str(tmp_path / "t.o"),
             str(tmp_path / "t.bin")])
        assert (tmp_path / "t.bin").read_bytes().hex().upper().startswith(hexcode), name


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_mescc_on_mes_m2_matches_debian_mes(built: Mes, tmp_path: Path) -> None:
    """MesCC running on our mes-m2 writes what it writes on Debian's mes."""
    configure(built, tmp_path)
    (tmp_path / "hello.c").write_text(
        "#include <stdio.h>\nlong big = 0x123456789;\n"
        "int main() { puts(\"hello\"); return big > 4294967296L; }\n")
    outs = []
    for exe in (built.exe, Path(shutil.which("mes") or "mes")):
        p = mescc(built, exe, tmp_path, ["-m", "64", "-S", "-o", "hello.s", "hello.c"])
        assert p.returncode == 0, p.stderr[-2000:]
        outs.append((tmp_path / "hello.s").read_bytes())
        (tmp_path / "hello.s").unlink()
    assert outs[0] == outs[1]
    assert b"_string_hello.s_0" in outs[0]


def test_provenance_of_mes_is_the_seed(stage1_store: LocalStore) -> None:
    """From the seed, mes-m2 rests on one binary, the 246-byte seed; the rest are sources."""
    from sx.derivations.bootstrap.stage0 import recipes as stage0
    from sx.derivations.hashing import fixed_output_path
    from sx.derivations.provenance import report_of

    realize(stage1_store, [mes.mes_m2()], BuildOptions(jobs=2))
    rep = report_of(stage1_store, mes.mes_m2())
    assert [(b.path, b.size) for b in rep.binaries] == [(fixed_output_path(stage0.seed()), 246)]
    names = sorted(f.path.name for f in rep.sources)
    assert names == ["mes_0.24.2.orig.tar.gz", "mescc-tools_1.4.0.orig-M2libc.tar.gz",
                     "mescc-tools_1.4.0.orig.tar.gz"]
