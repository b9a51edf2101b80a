"""cc0's M0 sources, checked without running them.

- Every DEFINE of cc0_defs.M0 (and of stage0's i386_defs.M0, which cc0 and
  its output rely on) encodes the instruction in its comment: the host's
  GNU assembler assembles all the comments and must give the same bytes.
- No macro is defined twice, no label is defined twice (hex2 would
  silently take the last one), and every instruction cc0 emits is a
  defined macro.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cc0_support import CC0_SRC, STAGE0
from sx.derivations.bootstrap.stage1 import cc0 as recipes

DEFS = [STAGE0 / "i386_defs.M0", CC0_SRC / "cc0_defs.M0"]
SOURCES = [CC0_SRC / name for name in recipes.CC0_FILES]
DEFINE = re.compile(r"DEFINE (\S+) ([0-9A-F]+)\s+# (.+)")
# Operand placeholders in the comments, the sample value the test puts
# there, and the bytes that value adds after the macro's own.
SAMPLES = {
    "imm32": ("0x12345678", bytes.fromhex("78563412")),
    "imm8": ("0x12", bytes.fromhex("12")),
    "rel32": ("1f", bytes(4)),
    "rel8": ("1f", bytes(1)),
}


def definitions(path: Path) -> list[tuple[str, str, str]]:
    """(name, hex, comment) of every DEFINE line; each must have all three."""
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("DEFINE"):
            m = DEFINE.fullmatch(line.rstrip())
            assert m, f"{path.name}: not NAME HEX # instruction: {line!r}"
            out.append((m.group(1), m.group(2), m.group(3)))
    return out


def assembly(comment: str) -> tuple[str, bytes]:
    """The comment as an assembler line with sample operands, and their bytes."""
    for placeholder, (value, data) in SAMPLES.items():
        if placeholder in comment:
            line = comment.replace(placeholder, value)
            if placeholder.startswith("rel"):
                line = "{disp%s} %s" % (placeholder[3:], line)  # noqa: UP031
            return line, data
    return comment, b""


@pytest.mark.parametrize("defs", DEFS, ids=[p.name for p in DEFS])
def test_definitions_match_the_assembler(tmp_path: Path, defs: Path) -> None:
    entries = definitions(defs)
    assert entries
    lines = [".intel_syntax noprefix", ".code32"]
    expected = b""
    for _, hexv, comment in entries:
        line, operand = assembly(comment)
        lines += [line, "1:"]
        expected += bytes.fromhex(hexv) + operand
    (tmp_path / "defs.s").write_text("\n".join(lines) + "\n")
    subprocess.run(["as", "--32", "-o", tmp_path / "defs.o", tmp_path / "defs.s"], check=True)
    subprocess.run(["objcopy", "-O", "binary", "-j", ".text", tmp_path / "defs.o",
                    tmp_path / "defs.bin"], check=True)
    got = (tmp_path / "defs.bin").read_bytes()
    if got != expected:  # name the first wrong definition
        pos = 0
        for name, hexv, comment in entries:
            want = bytes.fromhex(hexv) + assembly(comment)[1]
            assert got[pos:pos + len(want)] == want, f"{name}: {hexv} is not {comment!r}"
            pos += len(want)
    assert got == expected


def test_no_macro_is_defined_twice() -> None:
    names = [name for path in DEFS for name, _, _ in definitions(path)]
    assert len(names) == len(set(names))


def test_no_label_is_defined_twice() -> None:
    labels: list[str] = []
    for path in SOURCES:
        labels += re.findall(r"^:(\S+)", path.read_text(), re.MULTILINE)
    dupes = {label for label in labels if labels.count(label) > 1}
    assert not dupes


def test_the_program_ends_with_elf_end() -> None:
    # ELF-i386.hex2 takes the file size from :ELF_end, so it must be last.
    lines = [line for line in SOURCES[-1].read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[-1] == ":ELF_end"


def test_every_generated_instruction_is_defined() -> None:
    # The text cc0 writes lives in :c_... strings (and a few :s_... ones);
    # the first word of each is an M0 macro unless it is a label or data.
    macros = {name for path in DEFS for name, _, _ in definitions(path)}
    emitted = []
    for path in SOURCES:
        emitted += re.findall(r'^:c_\S+ "\s*([^"\s]+)', path.read_text(), re.MULTILINE)
    assert len(emitted) > 50
    for word in emitted:
        if word[0] in ":%!&'" or re.fullmatch("[0-9A-F]+", word):
            continue  # labels, data, the frame size's digits
        assert word in macros, word


def test_every_macro_in_the_sources_is_defined() -> None:
    macros = {name for path in DEFS for name, _, _ in definitions(path)}
    used = set()
    for path in SOURCES:
        text = re.sub(r'"[^"]*"|\'[^\']*\'', " ", path.read_text())
        for line in text.splitlines():
            code = re.split(r"[#;]", line, maxsplit=1)[0]
            used |= {tok for tok in code.split() if tok[0] not in ":!@$%&"}
    assert used - macros == set()
