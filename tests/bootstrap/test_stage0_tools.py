"""Run the stage0 i386 programs for real and check them against oracles.

The chain is built here exactly as the sx derivations will build it, one
tool run per step, each step using only the previous step's binary:

    seed (converted from hex0.hex0 by Python, sed+xxd and awk)
      -> hex0  = seed(hex0.hex0)            must equal the seed (fixpoint)
      -> hex1  = hex0(hex1.hex0)
      -> hex2  = hex1(hex2.hex1)
      -> catm  = hex2(catm.hex2)
      -> M0    = hex2(catm(ELF-i386.hex2, M0.hex2))
      -> hello = hex2(catm(ELF-i386.hex2, M0(catm(i386_defs.M0, hello.M0))))

Every tool is then run on small known inputs and compared with the
independent Python readings in reference.py, and on bad inputs, which
must give a non-zero exit status.  The binaries are i386 Linux ELF: the
tests need a kernel that runs 32-bit programs (any x86-64 Linux with
IA32 emulation, the default).
"""

from __future__ import annotations

import hashlib
import os
import random
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGE0 = ROOT / "derivations" / "bootstrap" / "stage0"

# Import the oracles straight from the work tree (they need nothing else).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from derivations.bootstrap.stage0 import converters, reference  # noqa: E402

# The seed binary's identity.  Changing hex0.hex0 in any way that changes
# its bytes must be a deliberate act: update these together with the docs.
SEED_SIZE = 246
SEED_SHA256 = "e0da54b675fb4d63b6d1e21b82f5e9a9a1657feda3e7f7b8420fc1d53612a39a"

TIMEOUT = 60


@dataclass
class Chain:
    """Paths of the binaries built by the chain, plus a scratch folder."""

    dir: Path
    seed: Path
    hex0: Path
    hex1: Path
    hex2: Path
    catm: Path
    m0: Path
    counter: int = 0

    def scratch(self, name: str) -> Path:
        """A fresh path in the scratch folder."""
        self.counter += 1
        return self.dir / f"t{self.counter}-{name}"


def run(tool: Path, *args: str | Path) -> subprocess.CompletedProcess[bytes]:
    """Run *tool* with *args* (no shell), capturing output."""
    return subprocess.run(
        [str(tool), *map(str, args)], capture_output=True, timeout=TIMEOUT, check=False
    )


def build(tool: Path, src: Path, out: Path) -> Path:
    """Run ``tool src out``; require success and return *out*."""
    p = run(tool, src, out)
    assert p.returncode == 0, f"{tool.name} {src.name} failed: {p.returncode} {p.stderr!r}"
    return out


def assemble(chain: Chain, tool: Path, text: bytes | str) -> tuple[int, bytes | None]:
    """Write *text* to a file, run ``tool IN OUT``; return (status, output)."""
    data = text.encode() if isinstance(text, str) else text
    src = chain.scratch("in")
    out = chain.scratch("out")
    src.write_bytes(data)
    p = run(tool, src, out)
    return p.returncode, out.read_bytes() if out.exists() else None


def oracle(fn: object, text: bytes | str) -> bytes | None:
    """The reference result, or None when the reference rejects the input."""
    assert callable(fn)
    try:
        result = fn(text)
    except ValueError:
        return None
    assert isinstance(result, bytes)
    return result


def same_as_oracle(chain: Chain, tool: Path, fn: object, text: bytes | str) -> None:
    """The tool and the reference agree: same bytes, or both reject."""
    expected = oracle(fn, text)
    rc, out = assemble(chain, tool, text)
    if expected is None:
        assert rc != 0, f"{tool.name} accepted input the reference rejects: {text!r}"
    else:
        assert rc == 0, f"{tool.name} rejected valid input: {text!r}"
        assert out == expected, f"{tool.name} output differs for {text!r}"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """Build the whole chain once for this module."""
    old_umask = os.umask(0o022)
    try:
        d = tmp_path_factory.mktemp("stage0")
        seed = d / "hex0-seed"
        seed.write_bytes(converters.convert_python(STAGE0 / "hex0.hex0"))
        seed.chmod(0o755)
        hex0 = build(seed, STAGE0 / "hex0.hex0", d / "hex0")
        hex1 = build(hex0, STAGE0 / "hex1.hex0", d / "hex1")
        hex2 = build(hex1, STAGE0 / "hex2.hex1", d / "hex2")
        catm = build(hex2, STAGE0 / "catm.hex2", d / "catm")
        m0_src = d / "M0-in.hex2"
        p = run(catm, m0_src, STAGE0 / "ELF-i386.hex2", STAGE0 / "M0.hex2")
        assert p.returncode == 0
        m0 = build(hex2, m0_src, d / "M0")
        yield Chain(d, seed, hex0, hex1, hex2, catm, m0)
    finally:
        os.umask(old_umask)


def read(name: str) -> bytes:
    """Bytes of a file in the stage0 folder."""
    return (STAGE0 / name).read_bytes()


# ---------------------------------------------------------------- the seed


def test_three_converters_agree_on_the_seed() -> None:
    report = converters.seed_report(STAGE0 / "hex0.hex0")
    assert [m for m, _, _ in report] == ["python", "sed+xxd", "awk"]
    assert len({(s, b) for _, s, b in report}) == 1, report
    assert report[0][1] == SEED_SHA256
    seed = converters.convert_python(STAGE0 / "hex0.hex0")
    assert len(seed) == SEED_SIZE
    assert converters.convert_sed_xxd(STAGE0 / "hex0.hex0") == seed
    assert converters.convert_awk(STAGE0 / "hex0.hex0") == seed


def test_converters_reject_bad_input(tmp_path: Path) -> None:
    for bad in ["00 0g\n", "00 0\n", "zz"]:
        f = tmp_path / "bad.hex0"
        f.write_text(bad)
        for fn in (converters.convert_python, converters.convert_sed_xxd, converters.convert_awk):
            with pytest.raises(ValueError):
                fn(f)
    with pytest.raises(ValueError, match="invalid character 'g'"):
        reference.hex0_to_bytes("00 # fine ; here\n 1g")


def test_seed_elf_header_is_consistent() -> None:
    seed = converters.convert_python(STAGE0 / "hex0.hex0")
    assert seed[:4] == b"\x7fELF" and seed[4] == 1 and seed[5] == 1
    entry = int.from_bytes(seed[24:28], "little")
    filesz = int.from_bytes(seed[68:72], "little")
    assert filesz == len(seed)
    assert 0x08048054 <= entry < 0x08048000 + len(seed)


def test_seed_is_a_fixpoint(chain: Chain) -> None:
    assert chain.hex0.read_bytes() == chain.seed.read_bytes()
    assert hashlib.sha256(chain.hex0.read_bytes()).hexdigest() == SEED_SHA256


def test_outputs_are_executable(chain: Chain) -> None:
    for tool in (chain.hex0, chain.hex1, chain.hex2, chain.catm, chain.m0):
        assert stat.S_IMODE(tool.stat().st_mode) == 0o755, tool.name


HEX0_CASES = [
    "",
    "00",
    "7f 45 4C 46",
    "0 1 2 3\n",  # digits of a byte may be split by blanks
    "de\tad\r\nbe ef # comment 0g !\n; another comment ::\nCafeBabe",
    "# comment at end without newline 00",
    "aA bB cC dD eE fF 09 90",
]


@pytest.mark.parametrize("text", HEX0_CASES)
def test_hex0_known_inputs(chain: Chain, text: str) -> None:
    expected = reference.hex0_to_bytes(text)
    for tool in (chain.seed, chain.hex1, chain.hex2):  # hex0 is a subset of hex1 and hex2
        rc, out = assemble(chain, tool, text)
        assert rc == 0 and out == expected, tool.name


def test_hex0_explicit_bytes(chain: Chain) -> None:
    rc, out = assemble(chain, chain.seed, "41 42 # c\n;x\n0a")
    assert rc == 0 and out == b"AB\n"


def test_hex0_rejects_every_bad_character(chain: Chain) -> None:
    allowed = set(b"0123456789abcdefABCDEF \t\r\n#;")
    for c in range(256):
        text = bytes([0x30, 0x30, c, 0x0A])  # "00" X "\n"
        rc, _ = assemble(chain, chain.seed, text)
        # a further hex digit makes the count odd; blanks and comments are fine
        expect_ok = c in allowed and chr(c) not in "0123456789abcdefABCDEF"
        assert (rc == 0) == expect_ok, f"byte 0x{c:02X}: status {rc}"
        assert (oracle(reference.hex0_to_bytes, text) is not None) == expect_ok


def test_hex0_errors(chain: Chain) -> None:
    assert assemble(chain, chain.seed, "00 0")[0] != 0  # odd number of digits
    assert assemble(chain, chain.seed, "00 G0")[0] != 0
    out = chain.scratch("out")
    assert run(chain.seed, chain.dir / "no-such-file", out).returncode != 0
    assert run(chain.seed).returncode != 0
    assert run(chain.seed, STAGE0 / "hex0.hex0").returncode != 0  # no output path
    assert run(chain.seed, STAGE0 / "hex0.hex0", chain.dir / "nodir" / "x").returncode != 0


# ---------------------------------------------------------------- hex1


def test_hex1_built_from_hex0(chain: Chain) -> None:
    assert chain.hex1.read_bytes() == reference.hex0_to_bytes(read("hex1.hex0"))
    # hex0 source is valid hex1 (no ':' '%' '@' outside comments): same bytes
    rc, out = assemble(chain, chain.hex1, read("hex0.hex0"))
    assert rc == 0 and out == chain.seed.read_bytes()


def test_hex1_labels_explicit(chain: Chain) -> None:
    text = ":a 01 02 %b @a\n:b 0A0B %a\n%c :c 00\n"
    # a=0, %b at 2..5 -> 8-6=2; @a at 6..7 -> 0-8; b=8; %a at 10..13 -> 0-14;
    # %c at 14..17 -> 18-18 = 0; c=18
    expected = bytes.fromhex("0102 02000000 F8FF 0A0B F2FFFFFF 00000000 00")
    assert reference.hex1_to_bytes(text) == expected
    rc, out = assemble(chain, chain.hex1, text)
    assert rc == 0 and out == expected


HEX1_CASES = [
    ":x %x @x",
    "%y 90 :y",
    ":1 :2 %1 %2 @1 @2 # labels may be any character\n:# %#",
    "e8 %f 00 00 :f c3",
    "%u",  # undefined
    "0 %a :a",  # reference splits a byte
    "00 :a 0",  # odd digits at the end
    "00 q",  # bad character
    ":a 00 :a 11 %a",  # last definition counts
]


@pytest.mark.parametrize("text", HEX1_CASES)
def test_hex1_matches_reference(chain: Chain, text: str) -> None:
    same_as_oracle(chain, chain.hex1, reference.hex1_to_bytes, text)


def test_hex1_errors(chain: Chain) -> None:
    assert assemble(chain, chain.hex1, "%z")[0] != 0
    assert assemble(chain, chain.hex1, "00 g0")[0] != 0
    assert run(chain.hex1, chain.dir / "missing", chain.scratch("o")).returncode != 0


# ---------------------------------------------------------------- hex2


def test_hex2_built_from_hex1(chain: Chain) -> None:
    assert chain.hex2.read_bytes() == reference.hex1_to_bytes(read("hex2.hex1"))
    rc, out = assemble(chain, chain.hex2, read("hex0.hex0"))
    assert rc == 0 and out == chain.seed.read_bytes()


def test_hex2_references_explicit(chain: Chain) -> None:
    text = (
        "# every kind of reference\n"
        ":start 01 02 %fwd @start !start $start &start\n"
        ":fwd 0A0B %start ; comment\n"
        ":long_label_name_x &fwd !fwd %end>start\n"
        ":end\n"
    )
    expected = bytes.fromhex(
        "0102 09000000 F8FF F7 0080 00800408"  # start = 0x08048000, fwd at +15
        "0A0B EBFFFFFF"  # %start at 17..20: 0 - 21
        "0F800408 F5 1E000000"  # &fwd, !fwd at 25: 15 - 26, end - start = 30
    )
    assert reference.hex2_to_bytes(text) == expected
    rc, out = assemble(chain, chain.hex2, text)
    assert rc == 0 and out == expected


HEX2_CASES = [
    ":a\n%a",  # no line feed after the last name
    ":a !a !a !a",
    "%b>a :a 00 00 :b",
    "&b>a $b>a @b>a !b>a :a 00 :b",
    ":x 00 :x 11 &x",
    "%nope",  # undefined
    ":a 00 !b\n" + "00" * 200 + "\n:b",  # 8-bit out of range
    ":a 00 @b\n" + "00" * 40000 + "\n:b",  # 16-bit out of range
    ":a 0G",  # bad character
    ":a>b 00",  # '>' in a definition
    "%a>b>c :a :b :c",  # two '>'
    ": 00",  # empty name
    "0 %a :a",  # split byte
    ":" + "n" * 4094 + " &" + "n" * 4094,  # longest name
    ":" + "n" * 4095 + " 00",  # too long
]


@pytest.mark.parametrize("text", HEX2_CASES)
def test_hex2_matches_reference(chain: Chain, text: str) -> None:
    same_as_oracle(chain, chain.hex2, reference.hex2_to_bytes, text)


def random_hex2(rng: random.Random) -> str:
    """A random hex2 program: bytes, labels and all kinds of references."""
    stems = ["a", "b", "loop", "x_1", "end", "L" * rng.randint(1, 40)]
    names = [rng.choice(stems) + str(i) for i in range(6)]
    parts: list[str] = []
    for _ in range(rng.randint(1, 60)):
        r = rng.random()
        if r < 0.4:
            n = 2 * rng.randint(1, 8)
            parts.append("".join(rng.choice("0123456789abcdefABCDEF") for _ in range(n)))
        elif r < 0.6:
            parts.append(":" + rng.choice(names))
        elif r < 0.9:
            ref = rng.choice("!@$%&") + rng.choice(names)
            if rng.random() < 0.15:
                ref += ">" + rng.choice(names)
            parts.append(ref)
        else:
            parts.append(rng.choice(["# c :x %y\n", "; z\n", "\t", "\r\n"]))
    return rng.choice([" ", "\n", "\t "]).join(parts) + rng.choice(["", "\n"])


def test_hex2_random_programs(chain: Chain) -> None:
    rng = random.Random(20240601)
    accepted = 0
    for _ in range(60):
        text = random_hex2(rng)
        same_as_oracle(chain, chain.hex2, reference.hex2_to_bytes, text)
        accepted += oracle(reference.hex2_to_bytes, text) is not None
    assert accepted >= 5  # the generator must not produce only errors


def test_hex2_large_program(chain: Chain) -> None:
    """Many labels and references, input and output well past 4 KiB buffers."""
    rng = random.Random(99)
    n = 3000
    lines = []
    for i in range(n):
        lines.append(f":L{i}")
        lines.append(f"E8 %L{rng.randrange(n)} 90 0F84 &L{rng.randrange(n)} @L{i}")
    text = "\n".join(lines) + "\n"
    expected = reference.hex2_to_bytes(text)
    assert len(expected) == n * 14
    rc, out = assemble(chain, chain.hex2, text)
    assert rc == 0 and out == expected


def test_hex2_errors(chain: Chain) -> None:
    assert assemble(chain, chain.hex2, "&undefined_label")[0] != 0
    assert run(chain.hex2, chain.dir / "missing", chain.scratch("o")).returncode != 0


# ---------------------------------------------------------------- catm


def test_catm(chain: Chain) -> None:
    assert chain.catm.read_bytes() == reference.hex2_to_bytes(read("catm.hex2"))
    files = []
    for i, data in enumerate([b"abc\n", b"", bytes(range(256)) * 40, b"end"]):
        f = chain.scratch(f"in{i}")
        f.write_bytes(data)
        files.append(f)
    out = chain.scratch("cat")
    assert run(chain.catm, out, *files).returncode == 0
    assert out.read_bytes() == b"".join(f.read_bytes() for f in files)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    empty = chain.scratch("empty")
    assert run(chain.catm, empty).returncode == 0 and empty.read_bytes() == b""


def test_catm_errors(chain: Chain) -> None:
    f = chain.scratch("in")
    f.write_bytes(b"x")
    assert run(chain.catm, chain.scratch("o"), f, chain.dir / "missing").returncode != 0
    assert run(chain.catm).returncode != 0
    assert run(chain.catm, chain.dir / "nodir" / "o", f).returncode != 0


# ---------------------------------------------------------------- M0


def test_m0_built_by_hex2(chain: Chain) -> None:
    expected = reference.hex2_to_bytes(read("ELF-i386.hex2") + read("M0.hex2"))
    assert chain.m0.read_bytes() == expected


def test_m0_explicit(chain: Chain) -> None:
    text = (
        "DEFINE mov_eax, B8\n"
        "DEFINE int_0x80 CD80\n"
        ":start mov_eax, %4 !-1 @0x1234 $-2 %0xdeadBEEF %-0X10\n"
        "\"Hi\nthere\" 'AB CD' &start %start !start @start $start\n"
        "int_0x80 # comment\n"
        "later ; used before its definition\n"
        "DEFINE later 90\n"
    )
    expected = (
        b":start\nB8\n04000000\nFF\n3412\nFEFF\nEFBEADDE\nF0FFFFFF\n"
        b"48690A746865726500\nAB CD\n&start\n%start\n!start\n@start\n$start\n"
        b"CD80\n90\n"
    )
    assert reference.m0_to_hex2(text) == expected
    rc, out = assemble(chain, chain.m0, text)
    assert rc == 0 and out == expected


def test_m0_reads_what_mescc_writes(chain: Chain) -> None:
    # A lone '<' writes nothing (not even a line); a sign may follow "0x".
    text = "DEFINE nop 90\n<\n:f\nnop <\t< # aligned\n<\n!0x-8 %0x-1 @0x-7fff !0X-a %-0x10\n"
    expected = b":f\n90\nF8\nFFFFFFFF\n0180\nF6\nF0FFFFFF\n"
    assert reference.m0_to_hex2(text) == expected
    assert assemble(chain, chain.m0, text) == (0, expected)


@pytest.mark.parametrize("text", ["<4", "%-0x-8", "%010", "!-07", "%0x5f5e100.0"])
def test_m0_refuses_what_m1_would_read_otherwise(chain: Chain, text: str) -> None:
    with pytest.raises(ValueError):
        reference.m0_to_hex2(text)
    rc, _ = assemble(chain, chain.m0, text)
    assert rc == 1


M0_CASES = [
    "",
    "# only a comment",
    "DEFINE a 00 DEFINE a 11 a",  # last definition wins
    "DEFINE x 90\nx;x#x\nx",
    "!0 !255 !-128 @65535 %4294967295 %-2147483648 $0x10 !0Xff",
    '"" "a b#c;d" \'\'',
    "undefined_macro",
    "%1x",  # bad digit
    "!0x",  # no digits
    "%-",  # no digits
    '"unterminated',
    "DEFINE only_name",
    "DEFINE",
    "ab\x00 undefined after NUL",  # NUL ends the text
    ":a !a @a $a %a &a !",
    # What MesCC writes for M1: a lone '<' (alignment), a sign after "0x".
    "DEFINE nop 90\n<\n:f\nnop <\t< # aligned\n<",
    "!0x-8 %0x-1 @0x-7fff %0x-80000000 !0X-a $0x-2",
    "%-0x10 %-16 %0 !-0 !0x0 %0x-0",
    # Refused: M1's padding '<N', two signs, no digits after the sign,
    # leading zeros (octal to M1), float immediates (M1 writes 0 for them).
    "<4", "<<", "<0", "< <x",
    "%-0x-8", "!0x-", "!0x--1",
    "%010", "%00", "%08", "!-07",
    "%0x1.0e8", "%0x5f5e100.0", "%0x2.8", "%1.5",
]


@pytest.mark.parametrize("text", M0_CASES)
def test_m0_matches_reference(chain: Chain, text: str) -> None:
    same_as_oracle(chain, chain.m0, reference.m0_to_hex2, text)


def random_m0(rng: random.Random) -> str:
    """A random M0 program: definitions, macros, strings, numbers, labels."""
    names = ["mov_eax,", "ret", "push_ebx", "x", "LOAD_IMMEDIATE"]
    lines = [f"DEFINE {n} {rng.randrange(1 << 16):04X}" for n in names if rng.random() < 0.9]
    for _ in range(rng.randint(1, 30)):
        r = rng.random()
        if r < 0.35:
            lines.append(rng.choice(names))
        elif r < 0.6:
            v = rng.choice([rng.randint(-300, 300), rng.randrange(1 << 32)])
            sign = "-" if v < 0 else ""
            s = rng.choice([str(v), f"{sign}0x{abs(v):X}", f"0x{sign}{abs(v):x}"])
            lines.append(rng.choice("!@$%") + s)
        elif r < 0.75:
            lines.append(rng.choice(":!@$%&") + rng.choice(["label", "main", "L_1"]))
        elif r < 0.85:
            body = "".join(rng.choice("ab c\n#;'") for _ in range(rng.randint(0, 9)))
            lines.append('"' + body + '"')
        elif r < 0.92:
            lines.append("'" + rng.choice(["90", "0F 84", ""]) + "'")
        else:
            lines.append(rng.choice(["# note", "; note", "\t", "<"]))
    return rng.choice([" ", "\n"]).join(lines) + "\n"


def test_m0_random_programs(chain: Chain) -> None:
    rng = random.Random(7)
    for _ in range(60):
        same_as_oracle(chain, chain.m0, reference.m0_to_hex2, random_m0(rng))


def test_m0_errors(chain: Chain) -> None:
    assert assemble(chain, chain.m0, "DEFINE a 90\nb")[0] != 0
    assert run(chain.m0, chain.dir / "missing", chain.scratch("o")).returncode != 0
    assert run(chain.m0).returncode != 0


def test_every_definition_assembles(chain: Chain) -> None:
    """Each macro of i386_defs.M0 goes through M0 and hex2."""
    defs = read("i386_defs.M0")
    names = [line.split()[1] for line in defs.decode().splitlines() if line.startswith("DEFINE ")]
    assert len(names) > 300 and len(set(names)) == len(names)
    program = defs + b"\n:_start\n" + b"\n".join(n.encode() for n in names) + b"\n:ELF_end\n"
    src = chain.scratch("all.M0")
    src.write_bytes(program)
    hex2_text = chain.scratch("all.hex2")
    assert run(chain.m0, src, hex2_text).returncode == 0
    assert hex2_text.read_bytes() == reference.m0_to_hex2(program)
    full = chain.scratch("all-full.hex2")
    assert run(chain.catm, full, STAGE0 / "ELF-i386.hex2", hex2_text).returncode == 0
    binary = chain.scratch("all")
    assert run(chain.hex2, full, binary).returncode == 0
    assert binary.read_bytes() == reference.hex2_to_bytes(full.read_bytes())


# ---------------------------------------------------------------- end to end


def test_hello_from_m0(chain: Chain) -> None:
    src = chain.scratch("hello-in.M0")
    assert run(chain.catm, src, STAGE0 / "i386_defs.M0", STAGE0 / "hello.M0").returncode == 0
    hx = chain.scratch("hello.hex2")
    assert run(chain.m0, src, hx).returncode == 0
    full = chain.scratch("hello-in.hex2")
    assert run(chain.catm, full, STAGE0 / "ELF-i386.hex2", hx).returncode == 0
    hello = chain.scratch("hello")
    assert run(chain.hex2, full, hello).returncode == 0
    p = run(hello)
    assert p.returncode == 0
    assert p.stdout == b"Hello from M0\n"
    # the same binary from the reference implementations alone
    ref_hex2 = reference.m0_to_hex2(read("i386_defs.M0") + read("hello.M0"))
    assert hx.read_bytes() == ref_hex2
    assert hello.read_bytes() == reference.hex2_to_bytes(read("ELF-i386.hex2") + ref_hex2)
