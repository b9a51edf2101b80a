"""mescc-tools 1.4.0 compiled by cc1: the same output as Debian's binaries, byte for byte.

The four tools are built as sx derivations (cc1 compiles Debian's pinned
source against M2libc; the stage0 tools assemble and link).  Here the cc1
that compiles them is the host-gcc-built one written into the store
(``host_cc1``); ``stage0-cc1`` gives the same cc1 from the seed (see
test_cc1_chain).  Debian's ``M1``, ``hex2``, ``blood-elf`` and ``kaem``
are the oracles, run on the same inputs: sx's stage0 M0 files, cc1's own
output (x86 and amd64), and MesCC output made by Debian's ``mescc`` in the
test (with the ``<`` lines and ``!0x-28`` immediates MesCC writes).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cc1_support import CC1_DIR, CORPUS, I386_DEFS, ROOT, m2libc_files, run
from sx.derivations.bootstrap.stage1 import mescc_tools, sources
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation
from sx.store.local import LocalStore

STAGE0 = ROOT / "derivations" / "bootstrap" / "stage0"


@dataclass(frozen=True)
class Tools:
    """Paths of the cc1-built tools and of the source trees the tests feed them."""

    ours: dict[str, Path]
    mes: Path
    work: Path


@pytest.fixture(scope="module")
def tools(host_cc1: Derivation, stage1_store: LocalStore,
          tmp_path_factory: pytest.TempPathFactory) -> Tools:
    built = mescc_tools.tools(host_cc1)
    drvs = [*built.values(), sources.mes_source()]
    outcome = realize(stage1_store, drvs, BuildOptions(jobs=2))
    paths = [Path(stage1_store.real_path(o["out"])) for o in outcome.outputs]
    return Tools(dict(zip(built, paths[:4], strict=True)), paths[4],
                 tmp_path_factory.mktemp("mescc-tools"))


@pytest.fixture(scope="module")
def corpus(tools: Tools, cc1_gcc: Path, m2libc_dir: Path) -> dict[str, Path]:
    """M1 inputs: cc1's output for itself (x86) and for a program (amd64), MesCC's output."""
    w = tools.work
    cc1_src = [str(p) for p in (CC1_DIR / n for n in (CC1_DIR / "SOURCES").read_text().split())]
    run([str(cc1_gcc), "--arch", "x86", "-o", str(w / "cc1-x86.M1"),
         *map(str, m2libc_files(m2libc_dir, "x86")), *cc1_src])
    prog = [str(CORPUS / "tlib.c"), str(CORPUS / "run" / "stack_machine.c")]
    run([str(cc1_gcc), "--arch", "amd64", "-o", str(w / "prog-amd64.M1"),
         *map(str, m2libc_files(m2libc_dir, "amd64")), *prog])
    unit = w / "sm.c"
    unit.write_text("".join(Path(p).read_text() for p in prog))
    for bits in ("32", "64"):
        run(["mescc", "-m", bits, "-S", str(unit), "-o", str(w / f"mescc{bits}.M1")], cwd=w)
    return {"cc1-x86": w / "cc1-x86.M1", "prog-amd64": w / "prog-amd64.M1",
            "mescc32": w / "mescc32.M1", "mescc64": w / "mescc64.M1"}


def both(ours: Path, theirs: str, args: list[str], out: Path) -> bytes:
    """Run our tool and Debian's with ``args`` (``OUT`` is the output file); outputs must agree."""
    results = []
    for n, exe in enumerate((str(ours), theirs)):
        target = out.with_name(f"{out.name}.{n}")
        argv = [a if a != "OUT" else str(target) for a in args]
        p = subprocess.run([exe, *argv], capture_output=True, timeout=120, check=False)
        data = target.read_bytes() if target.exists() else b""
        results.append((p.returncode, p.stdout, data))
    assert results[0] == results[1]
    assert results[0][0] == 0
    return results[0][2]


def m1_cases(tools: Tools, corpus: dict[str, Path],
             m2libc: Path) -> dict[str, tuple[str, list[Path]]]:
    mes = tools.mes
    return {
        "stage0-hello": ("x86", [I386_DEFS, STAGE0 / "hello.M0"]),
        "cc1-x86": ("x86", [I386_DEFS, m2libc / "x86/x86_defs.M1", m2libc / "x86/libc-full.M1",
                            corpus["cc1-x86"]]),
        "prog-amd64": ("amd64", [CC1_DIR / "amd64_defs.M1", m2libc / "amd64/amd64_defs.M1",
                                 m2libc / "amd64/libc-full.M1", corpus["prog-amd64"]]),
        "mescc32": ("x86", [mes / "lib/x86-mes/x86.M1", corpus["mescc32"]]),
        "mescc64": ("amd64", [mes / "lib/x86_64-mes/x86_64.M1", corpus["mescc64"]]),
    }


def test_m1_matches_debian(tools: Tools, corpus: dict[str, Path], m2libc_dir: Path) -> None:
    for name, (arch, files) in m1_cases(tools, corpus, m2libc_dir).items():
        args = ["--architecture", arch, "--little-endian",
                *[a for f in files for a in ("-f", str(f))], "-o", "OUT"]
        text = both(tools.ours["M1"], "M1", args, tools.work / f"{name}.hex2")
        assert len(text) > 100, name


def test_hex2_matches_debian_and_links_working_programs(
        tools: Tools, corpus: dict[str, Path], m2libc_dir: Path) -> None:
    w = tools.work
    links = {
        "cc1-x86": ("x86", "0x8048000", m2libc_dir / "x86/ELF-x86.hex2"),
        "prog-amd64": ("amd64", "0x600000", m2libc_dir / "amd64/ELF-amd64.hex2"),
    }
    for name, (arch, base, elf) in links.items():
        arch_files = m1_cases(tools, corpus, m2libc_dir)[name][1]
        m1_args = ["--architecture", arch, "--little-endian",
                   *[a for f in arch_files for a in ("-f", str(f))], "-o", str(w / f"{name}.hex2")]
        run(["M1", *m1_args])
        exe = both(tools.ours["hex2"], "hex2",
                   ["--architecture", arch, "--little-endian", "--base-address", base,
                    "-f", str(elf), "-f", str(w / f"{name}.hex2"), "-o", "OUT"], w / f"{name}.exe")
        (w / name).write_bytes(exe)
        (w / name).chmod(0o755)
    p = run([str(w / "cc1-x86")], check=False)
    assert p.returncode == 1 and p.stderr.startswith(b"usage: cc1")
    p = run([str(w / "prog-amd64")])
    assert p.stdout.startswith(b"r1=35\n")


def test_blood_elf_matches_debian(tools: Tools, corpus: dict[str, Path]) -> None:
    for name, extra in (("cc1-x86", []), ("prog-amd64", ["--64"]), ("mescc64", ["--64"])):
        table = both(tools.ours["blood-elf"], "blood-elf",
                     [*extra, "--little-endian", "-f", str(corpus[name]), "-o", "OUT"],
                     tools.work / f"{name}.blood-elf")
        assert b":ELF_str_FUNCTION_main" in table or b":ELF_str_main" in table


def test_kaem_matches_debian(tools: Tools) -> None:
    script = tools.work / "script.kaem"
    script.write_text(
        "# a comment\n"
        "echo hello from kaem\n"
        "NAME=value\n"
        "echo ${NAME} and more\n"
        "cd /\n"
        "/bin/echo from a child\n"
    )
    out = []
    for exe in (str(tools.ours["kaem"]), "kaem"):
        p = subprocess.run([exe, "--verbose", "--strict", "-f", str(script)],
                           capture_output=True, timeout=60, check=False)
        out.append((p.returncode, p.stdout, p.stderr))
    assert out[0] == out[1]
    assert out[0][0] == 0 and b"from a child" in out[0][1]
    failing = tools.work / "fail.kaem"
    failing.write_text("/bin/false\necho not reached\n")
    codes = [subprocess.run([exe, "--strict", "-f", str(failing)], capture_output=True,
                            timeout=60, check=False) for exe in (str(tools.ours["kaem"]), "kaem")]
    assert [(c.returncode != 0, c.stdout) for c in codes] == [(True, b""), (True, b"")]
