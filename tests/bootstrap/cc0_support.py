"""Helpers for the cc0 tests: the tools realized through sx, and building and
running a C0 program with cc0 and with the host's gcc.

The session fixture (conftest.py) realizes cc0 and the stage0 tools once,
through sx, from the hex0 seed in the sandbox.  Building the corpus then
runs those binaries directly as host processes, one tool run per step,
exactly as ``compile_c0`` chains them in derivations.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGE0 = ROOT / "derivations" / "bootstrap" / "stage0"
CC0_SRC = ROOT / "derivations" / "bootstrap" / "stage1" / "cc0"
CORPUS = Path(__file__).resolve().parent / "c0"
RUNTIME = CC0_SRC / "runtime.c"
TIMEOUT = 60
#: gcc's view of C0: 32-bit, char unsigned, C99; -fwrapv because cc0's
#: + - * wrap at 32 bits and some tests rely on it.
GCC_FLAGS = ["-m32", "-funsigned-char", "-std=c99", "-fwrapv", "-w", "-O0"]
#: Every program runs as "prog alpha beta" (argv[0] fixed for both builds).
ARGV = ["prog", "alpha", "beta"]


@dataclass(frozen=True)
class Tools:
    """Real paths of the binaries realized from the seed."""

    cc0: Path
    m0: Path
    hex2: Path
    catm: Path


@dataclass(frozen=True)
class Result:
    """How a program ran: its standard output and exit status."""

    stdout: bytes
    status: int


def run(argv: list[str | Path], *, cwd: Path | None = None, stdin: bytes = b"",
        executable: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a command without a shell, bounded in time."""
    return subprocess.run([str(a) for a in argv], cwd=cwd, input=stdin, capture_output=True,
                          timeout=TIMEOUT, check=False,
                          executable=str(executable) if executable else None)


def check(proc: subprocess.CompletedProcess[bytes], what: str) -> None:
    """Fail with the tool's stderr unless it succeeded."""
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}): {proc.stderr.decode()!r}"


def assemble(tools: Tools, m0_text: Path, out: Path) -> Path:
    """catm the definitions and M0 text, M0, catm the ELF header, hex2: an executable."""
    m0_in, body, hex2_in = (out.with_name(out.name + s) for s in ("-all.M0", ".hex2", "-all.hex2"))
    check(run([tools.catm, m0_in, STAGE0 / "i386_defs.M0", CC0_SRC / "cc0_defs.M0", m0_text]),
          "catm")
    check(run([tools.m0, m0_in, body]), "M0")
    check(run([tools.catm, hex2_in, STAGE0 / "ELF-i386.hex2", body]), "catm")
    check(run([tools.hex2, hex2_in, out]), "hex2")
    return out


def cc0_build(tools: Tools, sources: list[Path], out: Path) -> Path:
    """Compile C0 sources (after the runtime) with cc0, then assemble them."""
    m0_text = out.with_name(out.name + ".M0")
    check(run([tools.cc0, RUNTIME, *sources, m0_text]), "cc0")
    return assemble(tools, m0_text, out)


def gcc_build(sources: list[Path], out: Path) -> Path:
    """The same program built by the host's gcc for i386."""
    check(run(["gcc", *GCC_FLAGS, "-I", CORPUS, "-o", out, *sources]), "gcc")
    return out


def execute(program: Path, stdin: bytes = b"") -> Result:
    """Run a built program as ``prog alpha beta``."""
    proc = run(list(ARGV), stdin=stdin, executable=program)
    return Result(proc.stdout, proc.returncode)


def program_sources(program: Path) -> list[Path]:
    """A corpus program is compiled after lib.c, which it declares through lib.h."""
    return [CORPUS / "lib.c", program]


def program_input(program: Path) -> bytes:
    """Standard input of a corpus program: PROG.in next to it, or nothing."""
    path = program.with_suffix(".in")
    return path.read_bytes() if path.exists() else b""


def expected_error(path: Path) -> tuple[int, str]:
    """An error case's first line: "// ERROR LINE: message"."""
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    m = re.fullmatch(r"// ERROR (\d+): (.+)", first)
    assert m, f"{path.name}: first line must be '// ERROR LINE: message'"
    return int(m.group(1)), m.group(2)


def corpus(folder: str) -> list[Path]:
    """The C files of a corpus folder, sorted."""
    return sorted((CORPUS / folder).glob("*.c"))


def generated_program(lines: int) -> str:
    """A C0 program of about LINES lines: many functions, globals, structs."""
    parts = ["#include \"lib.h\"", "struct rec { int a; char b[8]; struct rec* next; };",
             "int total;"]
    n = 0
    count = 0
    while count < lines:
        parts.append(f"""int f{n}(int x, struct rec* r) {{
    int i;
    int acc = x;
    char name[16];
    name[0] = 'a' + {n % 26};
    for (i = 0; i < 3; i = i + 1) {{
        if (acc % 2 == 0 && i != {n % 3}) {{
            acc = acc / 2 + i * {n % 7 + 1};
        }} else {{
            acc = acc * 3 + 1 - name[0];
        }}
    }}
    r->a = r->a + acc % 1000;
    r->b[{n % 8}] = name[0];
    total = total + (acc & 255);
    return acc % 100000;
}}""")
        count += 17
        n += 1
    body = "\n".join(f"    v = v + f{i}(v % 1000 + {i}, &r);" for i in range(n))
    parts.append(f"""int main() {{
    struct rec r;
    int v = 1;
    r.a = 0;
{body}
    print_kv("v", v);
    print_kv("r.a", r.a);
    print_kv("total", total);
    return 0;
}}""")
    return "\n".join(parts) + "\n"


def realized_tools(sx_root: Path) -> Tools:
    """Realize cc0 and the stage0 tools through sx in SX_ROOT; their real paths."""
    from sx.store.local import LocalStore
    from sx.store.path import StorePath

    names = ["stage0-cc0", "stage0-M0", "stage0-hex2", "stage0-catm"]
    proc = subprocess.run(
        [sys.executable, "-m", "sx.cli.main", "--root", str(sx_root),
         "realize", *names], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, f"sx realize failed: {proc.stderr}"
    store = LocalStore(str(sx_root))
    try:
        paths = [Path(store.real_path(StorePath.parse(p))) for p in proc.stdout.split()]
    finally:
        store.temp_roots.close()
    return Tools(*paths)
