"""The C0 corpus: every program built by cc0 behaves as the same program
built by gcc -m32; every error case gets its diagnostic and nothing else.

cc0 and the stage0 tools are realized through sx (from the hex0 seed, in
the sandbox) once per session; the corpus then runs them directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cc0_support import (
    CORPUS,
    RUNTIME,
    Tools,
    cc0_build,
    corpus,
    execute,
    expected_error,
    gcc_build,
    program_input,
    program_sources,
    run,
)

pytestmark = pytest.mark.sandbox

PROGRAMS = corpus("run")
ERRORS = corpus("err")


def test_corpus_is_large() -> None:
    # The brief: a few hundred programs covering every construct and error.
    assert len(PROGRAMS) + len(ERRORS) >= 200
    assert len(ERRORS) >= 100


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_matches_gcc(cc0_tools: Tools, tmp_path: Path, program: Path) -> None:
    sources = program_sources(program)
    stdin = program_input(program)
    want = execute(gcc_build(sources, tmp_path / "gcc-prog"), stdin)
    got = execute(cc0_build(cc0_tools, sources, tmp_path / "cc0-prog"), stdin)
    assert got.status == want.status
    assert got.stdout == want.stdout
    # A program that printed nothing would make the comparison empty.
    assert want.stdout or want.status != 0, "the program must show a result"


@pytest.mark.parametrize("case", ERRORS, ids=[p.stem for p in ERRORS])
def test_error_is_reported_with_file_and_line(cc0_tools: Tools, tmp_path: Path,
                                              case: Path) -> None:
    line, message = expected_error(case)
    out = tmp_path / "out.M0"
    name = f"err/{case.name}"
    proc = run([cc0_tools.cc0, RUNTIME, name, out], cwd=CORPUS)
    assert proc.returncode == 1
    assert proc.stderr.decode() == f"{name}:{line}: {message}\n"
    assert proc.stdout == b""
    assert not out.exists(), "no output may be written on an error"
