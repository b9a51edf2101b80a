"""cc1, the C compiler written in C0: its test corpus, its errors, its sources.

Each program in ``cc1/run/`` is compiled by cc1 (built here by the host's
gcc) for x86 and for amd64, linked against M2libc, and run; its output and
exit status must equal those of the same program built by the host's gcc
(``-m32`` and ``-m64``, ``-fwrapv``).  A program with a ``.expected`` file
uses a cc1-only feature (``asm``, M2-Planet pointer arithmetic,
``--bootstrap-mode``) and is compared with that file instead.  Header
lines ``// arch: A`` and ``// args: ...`` restrict the architectures and
give extra compiler arguments.

Each program in ``cc1/errors/`` starts with ``// error: LINE: text``: cc1
must exit 1 with one line ``FILE:LINE: ...text...`` on stderr and write no
output file.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import c0_check
import pytest
from cc1_support import (
    ARCHES,
    CC1_DIR,
    CORPUS,
    cc1_sources,
    compile_program,
    m2libc_files,
    run,
)

RUN_PROGRAMS = sorted((CORPUS / "run").glob("*.c"))
ERROR_PROGRAMS = sorted((CORPUS / "errors").glob("*.c"))
TLIB = CORPUS / "tlib.c"


def header(path: Path) -> tuple[tuple[str, ...], list[str]]:
    """The architectures and extra arguments a corpus program asks for."""
    arches: tuple[str, ...] = ARCHES
    args: list[str] = []
    for line in path.read_text().splitlines()[:3]:
        if line.startswith("// arch: "):
            arches = (line[len("// arch: "):].strip(),)
        if line.startswith("// args: "):
            args = line[len("// args: "):].split()
    return arches, args


def run_exe(exe: Path) -> tuple[bytes, int]:
    """A program's stdout and exit status; it runs in its own folder (it may write files)."""
    work = exe.parent / f"{exe.name}.cwd"
    work.mkdir()
    p = subprocess.run([str(exe)], capture_output=True, timeout=30, check=False, cwd=work)
    return p.stdout, p.returncode


def gcc_reference(prog: Path, arch: str, args: list[str], m2libc: Path,
                  work: Path) -> tuple[bytes, int]:
    """The output of ``prog`` built by the host's gcc for ``arch`` (with M2libc's
    bootstrappable.c, which M2-Planet-style programs use)."""
    unit = work / "gcc.c"
    unit.write_text(TLIB.read_text() + prog.read_text())
    exe = work / "gcc.exe"
    bits = "-m32" if arch == "x86" else "-m64"
    run(["gcc", bits, "-w", "-fwrapv", "-std=gnu99", *args, "-o", str(exe), str(unit),
         str(m2libc / "bootstrappable.c")])
    return run_exe(exe)


CASES = [(p, a) for p in RUN_PROGRAMS for a in header(p)[0]]


@pytest.mark.parametrize("prog,arch", CASES, ids=[f"{p.stem}-{a}" for p, a in CASES])
def test_program_matches_gcc(prog: Path, arch: str, cc1_gcc: Path, m2libc_dir: Path,
                             tmp_path: Path) -> None:
    _, args = header(prog)
    exe = tmp_path / "cc1.exe"
    compile_program(cc1_gcc, arch, m2libc_dir, [TLIB, prog], exe, args)
    out, status = run_exe(exe)
    expected_file = prog.with_suffix(".expected")
    if expected_file.exists():
        assert out + b"exit %d\n" % status == expected_file.read_bytes()
    else:
        assert (out, status) == gcc_reference(prog, arch, args, m2libc_dir, tmp_path)


def test_corpus_is_large() -> None:
    """The corpus covers every construct: it is not allowed to shrink unnoticed."""
    assert len(RUN_PROGRAMS) >= 100
    assert len(ERROR_PROGRAMS) >= 75


def expected_error(prog: Path) -> tuple[int, str]:
    first = prog.read_bytes().split(b"\n", 1)[0].decode()
    m = re.fullmatch(r"// error: (\d+): (.*)", first)
    assert m, f"{prog.name}: first line must be '// error: LINE: text'"
    return int(m.group(1)), m.group(2)


@pytest.mark.parametrize("prog", ERROR_PROGRAMS, ids=[p.stem for p in ERROR_PROGRAMS])
def test_error_is_reported(prog: Path, cc1_gcc: Path, tmp_path: Path) -> None:
    line, text = expected_error(prog)
    out = tmp_path / "out.M1"
    for arch in header(prog)[0]:
        p = run([str(cc1_gcc), "--arch", arch, "-o", str(out), str(prog)], check=False)
        err = p.stderr.decode()
        assert p.returncode == 1, err
        assert err.startswith(f"{prog}:{line}: "), err
        assert text in err
        assert err.count("\n") == 1 and err.endswith("\n")
        assert p.stdout == b""
        assert not out.exists()


def test_failed_compile_keeps_old_output(cc1_gcc: Path, tmp_path: Path) -> None:
    """An error leaves an existing output file as it was: no half-written M1."""
    out = tmp_path / "out.M1"
    out.write_text("previous\n")
    bad = tmp_path / "bad.c"
    bad.write_text("int main() { return x; }\n")
    p = run([str(cc1_gcc), "-o", str(out), str(bad)], check=False)
    assert p.returncode == 1
    assert out.read_text() == "previous\n"


@pytest.mark.parametrize("argv,message", [
    ([], "usage: cc1"),
    (["-o"], "usage: cc1"),
    (["x.c"], "usage: cc1"),
    (["-o", "out.M1"], "usage: cc1"),
    (["--arch", "arm", "-o", "out.M1", "x.c"], "cc1: unknown architecture: arm"),
    (["--frobnicate", "-o", "out.M1", "x.c"], "cc1: unknown option: --frobnicate"),
    (["-o", "out.M1", "missing.c"], "cc1: cannot read missing.c"),
    (["-o", "out.M1", "."], "cc1: cannot read ."),
    (["-D", "=1", "-o", "out.M1", "x.c"], "cc1: bad -D: =1"),
    (["-D", "N=abc", "-o", "out.M1", "x.c"], "cc1: bad -D value: N=abc"),
    (["-o", "no/such/dir/out.M1", "x.c"], "cc1: cannot write no/such/dir/out.M1"),
])
def test_command_line_errors(argv: list[str], message: str, cc1_gcc: Path, tmp_path: Path) -> None:
    (tmp_path / "x.c").write_text("int main() { return 0; }\n")
    p = run([str(cc1_gcc), *argv], check=False, cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.decode().startswith(message)
    assert not (tmp_path / "out.M1").exists()


def mutate(rng: random.Random, text: bytes, pieces: list[bytes]) -> bytes:
    """``text`` with a few random insertions, deletions and duplications."""
    s = bytearray(text)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(s))
        op = rng.randint(0, 2)
        if op == 0:
            s[pos:pos] = rng.choice(pieces)
        elif op == 1:
            del s[pos:pos + rng.randint(1, 20)]
        else:
            j = rng.randint(0, len(s))
            s[pos:pos] = s[j:j + rng.randint(1, 30)]
    return bytes(s)


def test_mangled_programs_never_crash(cc1_gcc: Path, tmp_path: Path) -> None:
    """Hostile input: mutated corpus programs compile or fail with one line, never crash."""
    rng = random.Random(20240601)
    texts = [p.read_bytes() for p in RUN_PROGRAMS]
    pieces = [b"(", b")", b"{", b"}", b";", b"*", b"&", b"[", b"]", b"int", b"struct", b"x",
              b"0", b'"s"', b"'c'", b"->", b".", b",", b"=", b"++", b"?", b":", b"\\", b'"',
              b"'", b"#define X 1\n", b"// CONSTANT Y 2\n", b"switch", b"case", b"goto",
              b"sizeof", b"typedef", b"union", b"/*", b"\x00", b"\xff"]
    src = tmp_path / "m.c"
    out = tmp_path / "m.M1"
    for _ in range(300):
        src.write_bytes(mutate(rng, rng.choice(texts), pieces))
        for arch in ARCHES:
            p = run([str(cc1_gcc), "--arch", arch, "-o", str(out), str(src)], check=False)
            assert p.returncode in (0, 1), src.read_bytes()
            if p.returncode == 1:
                assert p.stderr.count(b"\n") == 1, p.stderr


@pytest.mark.parametrize("text", [
    "int main() { return " + "(" * 5000 + "1" + ")" * 5000 + "; }",
    "int main() { " + "{" * 5000 + "}" * 5000 + " return 0; }",
    "int x; int main() { " + "x=" * 50000 + "1; return 0; }",
    "int main() { return " + "1?2:" * 50000 + "1; }",
    "int x; int main() { " + "if(x) x=1; else " * 50000 + "x=2; return 0; }",
    "struct a { " + "struct { " * 30000 + "int x;" + "} y;" * 30000 + "};",
    "int a[" + "(" * 50000 + "1" + ")" * 50000 + "];",
], ids=["parens", "blocks", "assignments", "conditionals", "else-if", "structs", "constant"])
def test_deep_nesting_is_an_error(text: str, cc1_gcc: Path, tmp_path: Path) -> None:
    src = tmp_path / "deep.c"
    src.write_text(text)
    p = run([str(cc1_gcc), "-o", str(tmp_path / "out.M1"), str(src)], check=False)
    assert p.returncode == 1
    assert p.stderr.decode() == f"{src}:1: nested too deeply\n"


def test_output_is_deterministic(cc1_gcc: Path, m2libc_dir: Path, tmp_path: Path) -> None:
    """The same input gives the same M1 text, byte for byte, from any directory."""
    prog = CORPUS / "run" / "lists.c"
    outs = []
    for n in range(2):
        d = tmp_path / f"d{n}"
        d.mkdir()
        files = [*m2libc_files(m2libc_dir, "amd64"), TLIB, prog]
        run([str(cc1_gcc), "--arch", "amd64", "-o", "out.M1", *map(str, files)], cwd=d)
        outs.append((d / "out.M1").read_bytes())
    assert outs[0] == outs[1]


def test_cc1_sources_are_c0() -> None:
    """cc1 is written in C0: nothing outside the subset cc0 compiles."""
    for path in cc1_sources():
        assert c0_check.violations(path.read_text()) == [], path.name


def test_c0_checker_catches_each_rule() -> None:
    bad = {
        "x++;": "++", "x += 1;": "+=", "y = a ? b : c;": "?", "z = (char*)p;": "cast",
        "unsigned u;": "unsigned", "int (*fp)(int);": "function pointer", "switch (x) {}": "switch",
        "typedef int t;": "typedef", "int a[2] = {1, 2};": "initializer list", "long l;": "long",
        "x = - + 1;": "unary +", "c = '\\f';": "escape", "s = \"a\\vb\";": "escape",
    }
    for code, what in bad.items():
        found = c0_check.violations(code)
        assert any(what in v for v in found), (code, found)
    assert c0_check.violations("int f(char* s) { return sizeof(struct t) + s[0]; }") == []
    assert c0_check.violations("char* s = \"\\n\\t\\r\\0\\\\\\'\\\"\\x41\";") == []


def test_amd64_definitions_match_gnu_as(tmp_path: Path) -> None:
    """Every instruction in cc1's amd64_defs.M1 encodes as GNU as encodes its comment."""
    lines = [ln for ln in (CC1_DIR / "amd64_defs.M1").read_text().splitlines()
             if ln.startswith("DEFINE")]
    assert len(lines) > 70
    for line in lines:
        m = re.fullmatch(r"DEFINE (\S+) ([0-9A-F]+)\s+# (.*)", line)
        assert m, line
        name, hexcode, insn = m.groups()
        insn = insn.split("(")[0].strip()
        for word, value in (("imm32", "0x12345678"), ("imm8", "0x7f"), ("rel32", ".+0x1000")):
            insn = insn.replace(word, value)
        (tmp_path / "t.s").write_text(f".intel_syntax noprefix\n.code64\n{insn}\n")
        run(["as", "--64", "-o", str(tmp_path / "t.o"), str(tmp_path / "t.s")])
        run(["objcopy", "-O", "binary", "-j", ".text", str(tmp_path / "t.o"),
             str(tmp_path / "t.bin")])
        code = (tmp_path / "t.bin").read_bytes().hex().upper()
        assert code.startswith(hexcode), (name, hexcode, code)


def test_runs_as_unprivileged_user(cc1_gcc: Path) -> None:
    """cc1 needs nothing but its input and output files."""
    if os.getuid() != 0:
        pytest.skip("switching to uid 65534 needs root")
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        work.chmod(0o777)
        exe = work / "cc1"
        shutil.copy(cc1_gcc, exe)
        exe.chmod(0o755)
        src = work / "p.c"
        src.write_text("int main() { return 0; }\n")
        src.chmod(0o644)
        run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
             "--inh-caps=-all", str(exe), "-o", str(work / "p.M1"), str(src)])
        assert (work / "p.M1").stat().st_uid == 65534
        assert (work / "p.M1").read_text().startswith(":FUNCTION_main\n")
