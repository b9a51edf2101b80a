"""sx's M0 and hex2 against Debian's M1 and hex2 (mescc-tools 1.4.0), on MesCC's output.

GNU Mes's C compiler (MesCC, Debian's ``mes`` 0.24.2) writes M1 text. The
corpus is compiled here, by Debian's ``mescc -S``: a hello program of the
test's own and some of mes's own libc files (from Debian's pinned orig
tarball, fetched through ``mirror://debian``), for i386 and for x86_64;
plus the project's own M0 files and random M0 programs. Debian's M1 and
hex2 are the oracles; they are used here only, never by the chain.

* i386: Debian's M1 + hex2 and sx's M0 + hex2 link the same program to the
  same bytes (sx's hex2 loads at 0x08048000, so Debian's is given that base
  and sx's ELF header), and it runs.
* x86_64: sx's hex2 is i386 only, so what is compared is M0's hex2 text
  with M1's (as token streams), and both linked by Debian's hex2 at mes's
  base address 0x1000000 with mes's ELF64 header: the same bytes, and it runs.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tarfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage0 import recipes
from sx.derivations.bootstrap.toolchain.debian import DebFile, fetch_file
from sx.derivations.build.progress import Progress
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.store.local import LocalStore

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

MES_ORIG = DebFile(
    "mes", "0.24.2-1", "pool/main/m/mes/mes_0.24.2.orig.tar.gz",
    "7ddae0854e46ebfa18c13ab37e64839a7b86ea88aeed366a8d017efd11dae86e",
    "c051967dbfc8e7051ffa4d7ad63642ff2cd452862389f6223e7745b8e6ebb8cb", 635812)
STAGE0 = Path(recipes.HERE)
TIMEOUT = 300
I386_BASE = "0x8048000"
MES_BASE = "0x1000000"
HELLO_C = """#include <stdio.h>
int main (int argc, char **argv) { puts ("Hello from MesCC"); return argc - 1; }
"""
# libc-mini and libmescc (what hello needs), then more of mes's libc.
LIBC_MINI = ["lib/mes/eputs.c", "lib/mes/oputs.c", "lib/mes/globals.c", "lib/stdlib/exit.c",
             "lib/linux/{cpu}-mes-mescc/_exit.c", "lib/linux/{cpu}-mes-mescc/_write.c",
             "lib/stdlib/puts.c", "lib/string/strlen.c", "lib/mes/mini-write.c",
             "lib/linux/{cpu}-mes-mescc/syscall-internal.c"]
LIBC_MORE = ["lib/string/memcpy.c", "lib/string/memset.c", "lib/string/strcmp.c",
             "lib/mes/ntoab.c", "lib/mes/abtol.c", "lib/stdlib/atoi.c", "lib/mes/fdputs.c"]


@dataclass(frozen=True)
class Arch:
    """One MesCC target: its mescc flag, M1/hex2 name and macro file."""

    name: str
    mescc: str
    m1: str
    cpu: str
    defs: str


I386 = Arch("i386", "32", "x86", "x86", "lib/x86-mes/x86.M1")
X86_64 = Arch("x86_64", "64", "amd64", "x86_64", "lib/x86_64-mes/x86_64.M1")


@dataclass(frozen=True)
class Tools:
    """sx's stage0 binaries, as the chain builds them."""

    m0: Path
    hex2: Path
    catm: Path
    hello: Path


def run(*argv: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a program (no shell), capturing its output."""
    return subprocess.run([str(a) for a in argv], capture_output=True, timeout=TIMEOUT,
                          check=False, env=env)


def ok(*argv: str | Path, env: dict[str, str] | None = None) -> None:
    p = run(*argv, env=env)
    assert p.returncode == 0, f"{argv[0]} failed ({p.returncode}): {p.stderr[-2000:]!r}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    return LocalStore(str(tmp_path_factory.mktemp("mescc") / "root"))


@pytest.fixture(scope="module")
def tools(store: LocalStore) -> Tools:
    """Realize sx's M0, hex2, catm and hello (the derivations of the chain)."""
    drvs = [recipes.m0(), recipes.hex2(), recipes.catm(), recipes.hello()]
    outs = realize(store, drvs, BuildOptions(progress=Progress(quiet=True, live=False)))
    return Tools(*(Path(store.real_path(o["out"])) for o in outs.outputs))


@pytest.fixture(scope="module")
def mes(store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mes 0.24.2's include/ and lib/ from Debian's pinned orig tarball."""
    drv = fetch_file(MES_ORIG, binary_seed=False)
    outs = realize(store, [drv], BuildOptions(progress=Progress(quiet=True, live=False)))
    dest = tmp_path_factory.mktemp("mes-src")
    with tarfile.open(store.real_path(outs.outputs[0]["out"])) as t:
        members = [m for m in t.getmembers()
                   if m.name.startswith(("mes-0.24.2/include/", "mes-0.24.2/lib/"))]
        t.extractall(dest, members=members, filter="data")
    return dest / "mes-0.24.2"


def mescc(mes: Path, arch: Arch, src: Path, out: Path,
          scheme: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """``mescc -S``: MesCC names string labels after ``-o``, so each gets its own name."""
    env = dict(os.environ)
    if scheme:
        env["SCHEME"] = scheme
    return run("mescc", "-m", arch.mescc, "-S", "-I", mes / "include", "-I", mes / "lib",
               "-D", "HAVE_CONFIG_H=1", "-o", out, src, env=env)


@pytest.fixture(scope="module")
def corpus(mes: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """MesCC's M1 output per target: crt1, libc-mini, libmescc, hello, more libc."""
    d = tmp_path_factory.mktemp("corpus")
    (d / "hello.c").write_text(HELLO_C)
    jobs: list[tuple[Arch, Path, Path]] = []
    out: dict[str, list[Path]] = {}
    for arch in (I386, X86_64):
        names = [f"lib/linux/{arch.cpu}-mes-mescc/crt1.c",
                 *(f.format(cpu=arch.cpu) for f in LIBC_MINI), *LIBC_MORE]
        srcs = [mes / n for n in names] + [d / "hello.c"]
        (d / arch.name).mkdir()
        out[arch.name] = [d / arch.name / (s.stem + ".s") for s in srcs]
        jobs += [(arch, s, o) for s, o in zip(srcs, out[arch.name], strict=True)]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda j: mescc(mes, *j), jobs))
    for (_, src, _), proc in zip(jobs, done, strict=True):
        assert proc.returncode == 0, f"mescc {src}: {proc.stderr[-2000:]!r}"
    return out


# ---------------------------------------------------------------- assembling


def m1(arch: str, files: Sequence[Path], out: Path) -> Path:
    """Debian's M1 (the oracle)."""
    ok("M1", "--little-endian", "--architecture", arch,
       *(a for f in files for a in ("-f", f)), "-o", out)
    return out


def debian_hex2(arch: str, base: str, files: Sequence[Path], out: Path) -> Path:
    """Debian's hex2 (the oracle), loading at ``base``."""
    ok("hex2", "--little-endian", "--architecture", arch, "--base-address", base,
       *(a for f in files for a in ("-f", f)), "-o", out)
    return out


def sx_m0(tools: Tools, files: Sequence[Path], out: Path) -> Path:
    """sx's catm then M0, as a recipe would run them."""
    joined = out.with_suffix(".in.M0")
    ok(tools.catm, joined, *files)
    ok(tools.m0, joined, out)
    return out


def sx_hex2(tools: Tools, files: Sequence[Path], out: Path) -> Path:
    joined = out.with_suffix(".in.hex2")
    ok(tools.catm, joined, *files)
    ok(tools.hex2, joined, out)
    return out


def hex2_tokens(text: bytes) -> list[str]:
    """hex2 text as a token stream: bytes (hex, however spaced) between labels/references.

    A lone ``<`` (an alignment mark hex2 ignores on x86) is dropped.
    """
    items: list[str] = []
    digits: list[str] = []
    for line in text.decode("latin-1").splitlines():
        for tok in re.split(r"[ \t]+", re.split(r"[#;]", line, maxsplit=1)[0]):
            if not tok or tok == "<":
                continue
            if tok[0] in ":!@$%&~^<":
                if digits:
                    items.append("".join(digits).upper())
                    digits = []
                items.append(tok)
            else:
                assert re.fullmatch(r"[0-9A-Fa-f]+", tok), tok
                digits.append(tok)
    if digits:
        items.append("".join(digits).upper())
    return items


def footer(d: Path) -> Path:
    """The end label sx's ELF header refers to."""
    f = d / "footer.hex2"
    f.write_text(":ELF_end\n")
    return f


# ---------------------------------------------------------------- MesCC's output


def link_order(arch: Arch, files: list[Path]) -> list[Path]:
    """crt1, libc-mini, libmescc, then hello (what a MesCC link of hello uses)."""
    by = {f.stem: f for f in files}
    mini = [Path(n.format(cpu=arch.cpu)).stem for n in LIBC_MINI]
    return [by["crt1"], *(by[s] for s in mini), by["hello"]]


def test_mescc_i386_hello_links_bit_identically(
        tools: Tools, mes: Path, corpus: dict[str, list[Path]], tmp_path: Path) -> None:
    files = [mes / I386.defs, *link_order(I386, corpus["i386"])]
    elf_header = STAGE0 / "ELF-i386.hex2"
    end = footer(tmp_path)
    theirs = debian_hex2("x86", I386_BASE,
                         [elf_header, m1("x86", files, tmp_path / "m1.hex2"), end],
                         tmp_path / "debian")
    body = sx_m0(tools, files, tmp_path / "m0.hex2")
    ours = sx_hex2(tools, [elf_header, body, end], tmp_path / "sx")
    assert ours.read_bytes() == theirs.read_bytes()
    # sx's M0 output is also what Debian's hex2 links to the same bytes.
    mixed = debian_hex2("x86", I386_BASE, [elf_header, body, end], tmp_path / "mixed")
    assert mixed.read_bytes() == theirs.read_bytes()
    p = run(ours)
    assert (p.returncode, p.stdout) == (0, b"Hello from MesCC\n")


@pytest.mark.parametrize("arch", [I386, X86_64], ids=["i386", "x86_64"])
def test_mescc_files_give_the_same_hex2_as_m1(
        tools: Tools, mes: Path, corpus: dict[str, list[Path]], tmp_path: Path,
        arch: Arch) -> None:
    assert len(corpus[arch.name]) == 19
    for f in corpus[arch.name]:
        files = [mes / arch.defs, f]
        theirs = m1(arch.m1, files, tmp_path / f"{f.stem}.m1.hex2").read_bytes()
        ours = sx_m0(tools, files, tmp_path / f"{f.stem}.m0.hex2").read_bytes()
        assert hex2_tokens(ours) == hex2_tokens(theirs), f.name
        assert b"<" in theirs or f.stem in ("globals",), f.name  # MesCC's alignment marks


def test_mescc_x86_64_hello_links_bit_identically_with_debian_hex2(
        tools: Tools, mes: Path, corpus: dict[str, list[Path]], tmp_path: Path) -> None:
    files = [mes / X86_64.defs, *link_order(X86_64, corpus["x86_64"])]
    header = mes / "lib/linux/x86_64-mes/elf64-header.hex2"
    end = mes / "lib/linux/x86_64-mes/elf64-footer-single-main.hex2"
    theirs = debian_hex2("amd64", MES_BASE,
                         [header, m1("amd64", files, tmp_path / "m1.hex2"), end],
                         tmp_path / "debian")
    body = sx_m0(tools, files, tmp_path / "m0.hex2")
    ours = debian_hex2("amd64", MES_BASE, [header, body, end], tmp_path / "sx")
    assert ours.read_bytes() == theirs.read_bytes()
    p = run(ours)
    assert (p.returncode, p.stdout) == (0, b"Hello from MesCC\n")


FLOAT_C = "int f (int x) { if (x > 100000000.0) return 1; return 0; }\n"


def test_float_immediates_are_refused_where_m1_writes_zero(
        tools: Tools, mes: Path, tmp_path: Path) -> None:
    # Debian's mes refuses most float literals ("cstring->float: not
    # supported"); MesCC hosted by Guile writes them as hex floats.
    src = tmp_path / "float.c"
    src.write_text(FLOAT_C)
    out = tmp_path / "float.s"
    p = mescc(mes, I386, src, out, scheme="guile")
    assert p.returncode == 0, p.stderr[-2000:]
    text = out.read_bytes()
    assert b"%0x5f5e100.0" in text
    files = [mes / I386.defs, out]
    theirs = hex2_tokens(m1("x86", files, tmp_path / "m1.hex2").read_bytes())
    # M1 reads "0x5f5e100.0" as 0: the comparison is against 0, not 1e8.
    assert "00000000" in "".join(t for t in theirs if t[0] not in ":!@$%&")
    assert "00E1F505" not in "".join(theirs)
    joined = tmp_path / "float.in.M0"
    ok(tools.catm, joined, *files)
    assert run(tools.m0, joined, tmp_path / "sx.hex2").returncode == 1


def test_padding_is_refused_where_m1_writes_zero_bytes(tools: Tools, tmp_path: Path) -> None:
    src = tmp_path / "pad.M1"
    src.write_text("DEFINE nop 90\nnop <4 nop\n")
    assert hex2_tokens(m1("x86", [src], tmp_path / "m1.hex2").read_bytes()) == ["900000000090"]
    assert run(tools.m0, src, tmp_path / "sx.hex2").returncode == 1


# ---------------------------------------------------------------- the project's M0 files


def test_hello_m0_assembled_by_m1_is_sx_hello(tools: Tools, tmp_path: Path) -> None:
    body = m1("x86", [STAGE0 / "i386_defs.M0", STAGE0 / "hello.M0"], tmp_path / "m1.hex2")
    theirs = debian_hex2("x86", I386_BASE, [STAGE0 / "ELF-i386.hex2", body], tmp_path / "hello")
    assert theirs.read_bytes() == tools.hello.read_bytes()


def test_every_definition_assembles_as_m1_does(tools: Tools, tmp_path: Path) -> None:
    defs = (STAGE0 / "i386_defs.M0").read_text()
    names = [line.split()[1] for line in defs.splitlines() if line.startswith("DEFINE ")]
    prog = tmp_path / "all.M0"
    prog.write_text(":_start\n" + "\n".join(names) + "\n:ELF_end\n")
    files = [STAGE0 / "i386_defs.M0", prog]
    theirs = m1("x86", files, tmp_path / "m1.hex2")
    ours = sx_m0(tools, files, tmp_path / "m0.hex2")
    assert hex2_tokens(ours.read_bytes()) == hex2_tokens(theirs.read_bytes())
    elf = STAGE0 / "ELF-i386.hex2"
    assert (debian_hex2("x86", I386_BASE, [elf, theirs], tmp_path / "a").read_bytes()
            == sx_hex2(tools, [elf, ours], tmp_path / "b").read_bytes())


def random_common_m0(rng: random.Random) -> str:
    """A random program in the M0 that sx and M1 both read, and read alike.

    Left out on purpose: ``$N`` (a number to sx, a label to M1), ``0X``,
    ``-0x`` and ``-0`` (numbers to sx, not to M1), leading zeros (refused
    by sx, octal to M1), ``<N``, and comments glued to a token (M1 ends
    tokens at blanks only).
    """
    names = ["mov_eax,", "ret", "push_ebx", "x", "LOAD_IMMEDIATE"]
    lines = [f"DEFINE {n} {rng.randrange(1 << 16):04X}" for n in names]
    for _ in range(rng.randint(1, 40)):
        r = rng.random()
        if r < 0.3:
            lines.append(rng.choice(names))
        elif r < 0.6:
            v = rng.choice([rng.randint(-300, 300), rng.randrange(1 << 32)]) or 1
            sign = "-" if v < 0 else ""
            text = rng.choice([str(v), f"0x{sign}{abs(v):x}", f"0x{sign}{abs(v):X}"])
            lines.append(rng.choice("!@%") + text)
        elif r < 0.75:
            lines.append(rng.choice(":!@$%&") + rng.choice(["label", "main", "L_1"]))
        elif r < 0.85:
            body = "".join(rng.choice("ab c\n#;'.") for _ in range(rng.randint(0, 9)))
            lines.append('"' + body + '"')
        elif r < 0.92:
            lines.append("'" + rng.choice(["90", "0F 84", ""]) + "'")
        else:
            lines.append(rng.choice(["# note\n", "; note\n", "<"]))
    return rng.choice([" ", "\n", "\t"]).join(lines) + "\n"


def test_random_m0_programs_agree_with_m1(tools: Tools, tmp_path: Path) -> None:
    rng = random.Random(16)
    for i in range(80):
        src = tmp_path / f"r{i}.M0"
        src.write_text(random_common_m0(rng))
        theirs = m1("x86", [src], tmp_path / f"r{i}.m1.hex2")
        ours = tmp_path / f"r{i}.m0.hex2"
        ok(tools.m0, src, ours)
        assert hex2_tokens(ours.read_bytes()) == hex2_tokens(theirs.read_bytes()), src.read_text()


def test_oracles_are_installed() -> None:
    # install-system-deps.sh installs them; a missing oracle must fail, not skip.
    for tool in ("M1", "hex2", "mescc", "guile"):
        assert shutil.which(tool), f"{tool} missing: run scripts/install-system-deps.sh"
