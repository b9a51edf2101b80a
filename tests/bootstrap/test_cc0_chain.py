"""cc0 and compile_c0 through sx: sandboxed derivations from the hex0 seed.

Also what the corpus cannot show: reproducibility (two store roots, two
runs), provenance, a compile error failing the build with nothing
registered, large inputs, and cc0 run as an unprivileged user.
"""

from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from cc0_support import CORPUS, RUNTIME, Tools, assemble, execute, generated_program, run
from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.hashing import fixed_output_path
from sx.derivations.provenance import provenance
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx_runner import NOBODY, as_nobody

pytestmark = pytest.mark.sandbox


def sx(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the sx CLI against the store at ``root``."""
    proc = subprocess.run([sys.executable, "-m", "sx.cli.main", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"sx {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def realize(root: Path, *names: str) -> list[Path]:
    """Realize installables; the real paths of their outputs."""
    out = sx(root, "realize", *names).stdout.split()
    store = LocalStore(str(root))
    try:
        return [Path(store.real_path(StorePath.parse(p))) for p in out]
    finally:
        store.temp_roots.close()


def recipe_file(tmp_path: Path, programs: dict[str, list[Path]]) -> Path:
    """A recipe module with one compile_c0 attribute per program."""
    lines = ["from sx.derivations.bootstrap.stage1.cc0 import compile_c0",
             "from sx.derivations.model import Source"]
    for attr, sources in programs.items():
        srcs = ", ".join(f"Source({str(p)!r}, {p.name!r})" for p in sources)
        lines.append(f"def {attr}():\n    return compile_c0({attr!r}, [{srcs}])")
    path = tmp_path / "programs.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_compile_c0_builds_programs_end_to_end(tmp_path: Path) -> None:
    progs = {
        "hello": [CORPUS / "run" / "basic_hello.c"],
        "calculator": [CORPUS / "lib.c", CORPUS / "run" / "big_calculator.c"],
        "structs": [CORPUS / "lib.c", CORPUS / "run" / "struct_list.c"],
    }
    recipe = recipe_file(tmp_path, progs)
    hello, calc, structs = realize(tmp_path / "r", *(f"{recipe}:{a}" for a in progs))
    assert execute(hello).stdout == b"Hello, C0!\n"
    got = execute(calc, (CORPUS / "run" / "big_calculator.in").read_bytes())
    assert got.status == 0
    assert got.stdout.startswith(b"1: 7\n2: 9\n3: 10\n4: 99\n")
    assert b"error: undefined variable at column 1" in got.stdout
    assert execute(structs).stdout.splitlines()[2] == b"sum=385"
    # The executables are the seed's descendants only.
    store = LocalStore(str(tmp_path / "r"))
    try:
        seeds = provenance(store, StorePath.parse(sx(tmp_path / "r", "realize",
                                                     f"{recipe}:hello").stdout.strip()))
    finally:
        store.temp_roots.close()
    assert [s.path for s in seeds] == [fixed_output_path(stage0.seed())]


def test_provenance_of_cc0_is_exactly_the_seed(tmp_path: Path) -> None:
    realize(tmp_path / "r", "stage0-cc0")
    out = sx(tmp_path / "r", "provenance", "stage0-cc0").stdout
    assert out.count("\n") == 1 and "hex0-seed" in out and "246 bytes" in out


def test_cc0_is_bit_identical_in_two_store_roots(tmp_path: Path) -> None:
    (first,) = realize(tmp_path / "one", "stage0-cc0")
    (second,) = realize(tmp_path / "elsewhere" / "two", "stage0-cc0")
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes()
    proc = sx(tmp_path / "one", "realize", "--check", "stage0-cc0")
    assert proc.returncode == 0


def test_compile_error_fails_the_build_and_registers_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.c"
    bad.write_text("int main() {\n    return missing;\n}\n")
    recipe = recipe_file(tmp_path, {"bad": [bad]})
    root = tmp_path / "r"
    realize(root, "stage0-cc0")
    proc = sx(root, "realize", f"{recipe}:bad", check=False)
    assert proc.returncode != 0
    assert "bad.cc0.M0" in proc.stderr
    # cc0's one-line diagnostic reaches the user, naming the source in the store.
    assert "-bad.c:2: undefined name 'missing'" in proc.stderr
    store = LocalStore(str(root))
    try:
        names = {p.name for p in store.all_paths()}
    finally:
        store.temp_roots.close()
    assert not names & {"bad.cc0.M0", "bad"}


def test_cc0_output_is_the_same_on_every_run(cc0_tools: Tools, tmp_path: Path) -> None:
    sources = [RUNTIME, CORPUS / "lib.c", CORPUS / "run" / "big_tokenizer.c"]
    outs = []
    for i in range(3):
        work = tmp_path / f"run{i}"
        work.mkdir()
        out = work / "out.M0"
        proc = run([cc0_tools.cc0, *sources, out], cwd=work)
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    assert outs[0].endswith(b":ELF_end\n")


def test_a_5000_line_program_compiles_and_runs(cc0_tools: Tools, tmp_path: Path) -> None:
    src = tmp_path / "big.c"
    src.write_text(generated_program(5000))
    assert src.read_text().count("\n") >= 5000
    m0_text = tmp_path / "big.M0"
    proc = run([cc0_tools.cc0, RUNTIME, CORPUS / "lib.c", src, m0_text])
    assert proc.returncode == 0, proc.stderr
    prog = assemble(cc0_tools, m0_text, tmp_path / "big")
    gcc = tmp_path / "big-gcc"
    subprocess.run(["gcc", "-m32", "-funsigned-char", "-std=c99", "-fwrapv", "-w",
                    "-I", str(CORPUS), "-o", str(gcc), str(CORPUS / "lib.c"), str(src)],
                   check=True, timeout=300)
    assert execute(prog) == execute(gcc)


def test_cc0_runs_as_an_unprivileged_user(cc0_tools: Tools) -> None:
    # As root: uid 65534 without capabilities; otherwise the user running the tests.
    user = NOBODY if os.geteuid() == 0 else os.geteuid()
    top = Path(tempfile.mkdtemp(prefix="cc0-nobody-"))  # pytest's tmp dirs are 0700
    try:
        os.chmod(top, 0o755)
        work = top / "work"
        work.mkdir()
        shutil.copy(cc0_tools.cc0, work / "cc0")
        shutil.copy(RUNTIME, work / "runtime.c")
        shutil.copy(CORPUS / "run" / "basic_hello.c", work / "hello.c")
        if os.geteuid() == 0:
            os.chown(work, NOBODY, NOBODY)
        proc = run([*as_nobody(), work / "cc0", "runtime.c", "hello.c", "out.M0"], cwd=work)
        assert proc.returncode == 0, proc.stderr
        st = (work / "out.M0").stat()
        assert st.st_uid == user
        assert stat.S_IMODE(st.st_mode) & 0o133 == 0  # 0644 at most
        assert b"FUNCTION_main" in (work / "out.M0").read_bytes()
        # A folder the user may not write to: one line, exit 1, nothing created.
        locked = top / "locked"
        locked.mkdir(mode=0o555)
        proc = run([*as_nobody(), work / "cc0", "runtime.c", "hello.c", locked / "out.M0"],
                   cwd=work)
        assert proc.returncode == 1
        assert proc.stderr == f"cc0: cannot write '{locked / 'out.M0'}'\n".encode()
        assert not (locked / "out.M0").exists()
    finally:
        shutil.rmtree(top)


def test_command_line_and_input_errors(cc0_tools: Tools, tmp_path: Path) -> None:
    out = tmp_path / "out.M0"
    usage = b"cc0: usage: cc0 INPUT... OUTPUT\n"
    for args in ([], [RUNTIME]):
        proc = run([cc0_tools.cc0, *args])
        assert (proc.returncode, proc.stderr) == (1, usage)
    missing = tmp_path / "missing.c"
    proc = run([cc0_tools.cc0, RUNTIME, missing, out])
    assert (proc.returncode, proc.stderr) == (1, f"cc0: cannot read '{missing}'\n".encode())
    proc = run([cc0_tools.cc0, RUNTIME, tmp_path, out])  # a directory
    assert (proc.returncode, proc.stderr) == (1, f"cc0: cannot read '{tmp_path}'\n".encode())
    assert not out.exists()


def test_out_of_memory_is_an_error_not_a_crash(cc0_tools: Tools, tmp_path: Path) -> None:
    # brk obeys RLIMIT_DATA: with 4 MiB, reading an 8 MiB input cannot fit.
    big = tmp_path / "big.c"
    big.write_bytes(b"// filler\n" * (8 << 17))
    out = tmp_path / "out.M0"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (4 << 20, 4 << 20))

    proc = subprocess.run([str(cc0_tools.cc0), str(RUNTIME), str(big), str(out)],
                          capture_output=True, timeout=60, preexec_fn=limit, check=False)
    assert (proc.returncode, proc.stderr) == (1, b"cc0: out of memory\n")
    assert not out.exists()
