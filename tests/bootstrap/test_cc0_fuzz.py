"""cc0 on hostile input: mutated corpus programs.

Whatever the input, cc0 exits 0 or 1 (never a signal); on 1 it writes one
line, ``FILE:LINE: message`` (or ``cc0: ...``), and no output file; on 0
the output is complete: M0 and hex2 accept it.  Mutations are random but
seeded, so a failure can be replayed.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from cc0_support import CORPUS, RUNTIME, Tools, assemble, corpus, run

pytestmark = pytest.mark.sandbox

CASES = 400
ALPHABET = b"(){}[];,.+-*/%&|^~!=<>:?\"'\\#\n \tabcxyz019_@$"
TOKENS = [b"int", b"char", b"struct", b"union", b"void", b"if", b"else", b"while", b"for",
          b"do", b"return", b"goto", b"sizeof", b"break", b"continue", b"->", b"==", b"&&",
          b"||", b"<<", b"0x", b"//", b"/*", b"*/", b'"', b"'", b"\\x",
          b"// CONSTANT X 5\n", b"main", b"{", b"}", b"(", b")", b";", b"(" * 1500]


def mutate(rnd: random.Random, text: bytes) -> bytes:
    """One to four random edits (mostly one): replace, delete, insert a token, cut,
    copy a span."""
    t = bytearray(text)
    for _ in range(rnd.choice((1, 1, 1, 2, 4))):
        if not t:
            t = bytearray(b"x")
        i = rnd.randrange(len(t))
        op = rnd.randrange(6)
        if op == 0:
            t[i] = rnd.choice(ALPHABET)
        elif op == 1:
            del t[i:i + rnd.randint(1, 20)]
        elif op == 2:
            t[i:i] = rnd.choice(TOKENS)
        elif op == 3:
            del t[i:]
        elif op == 4:
            j = rnd.randrange(len(t))
            t[i:i] = t[j:j + rnd.randint(1, 40)]
        else:
            t[i] = rnd.randrange(256)
    return bytes(t)


def test_mutated_programs_never_crash_cc0(cc0_tools: Tools, tmp_path: Path) -> None:
    rnd = random.Random(20261203)
    texts = [p.read_bytes() for p in corpus("run") + corpus("err")]
    src = tmp_path / "in.c"
    out = tmp_path / "out.M0"
    compiled = 0
    for case in range(CASES):
        data = mutate(rnd, rnd.choice(texts))
        src.write_bytes(data)
        out.unlink(missing_ok=True)
        proc = run([cc0_tools.cc0, RUNTIME, CORPUS / "lib.c", src, out])
        where = f"case {case}: {data[:200]!r}"
        assert proc.returncode in (0, 1), where
        if proc.returncode == 1:
            assert re.fullmatch(rb"(\S+:\d+|cc0): [^\n]+\n", proc.stderr), where
            assert not out.exists(), where
        else:
            assert proc.stderr == b"", where
            if b"asm" not in data:  # asm lines are the program's own M0
                assemble(cc0_tools, out, tmp_path / "prog")
                compiled += 1
    assert compiled >= 10  # some mutants are still programs
