"""tcc-boot against Debian's tcc: each of tcc's units, preprocessed once, compiled by both.

Each unit is preprocessed by Debian's tcc (the version sx pins, installed
as a test oracle) with the flags the self-rebuild compiles it with, then
compiled to an object by tcc-boot and by Debian's tcc. The objects must be
equal byte for byte, but where MesCC's lack of floating point shows in
the constants tcc-boot writes (the code is the same):

- tcc-boot reads a floating literal with mes libc's ``strtod`` compiled
  by MesCC, which has ``double`` as an 8-byte integer: an integral literal
  comes out as that integer (``1000.0`` as ``e8 03 00 ...``), summed in
  an ``int`` by mes's ``abtol`` (``4294967296.0`` as 0).
- MesCC's ``long double`` is 8 bytes too: of a ``long double`` constant
  (16 bytes in the data), tcc-boot writes the sign and exponent word as
  0 (tccgen's ``-0.0L``, which negations subtract from, as ``+0.0L``).

Marked ``bootstrap``: tcc-boot comes from the MesCC build of the units.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage1 import tcc_boot as boot
from sx.derivations.bootstrap.stage1 import tcc_boot_link, tcc_boot_self
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.store.local import LocalStore
from tcc_boot_support import host_args

pytestmark = pytest.mark.bootstrap

FLOAT_CONSTANT_UNITS = ("libtcc", "tccpp", "tccgen")
"""Units with floating constants in their data (tcc-boot writes them wrong)."""

SHF_ALLOC, SHF_EXECINSTR, SHT_PROGBITS = 0x2, 0x4, 1


def tcc(cc: Path | str, argv: list[str]) -> None:
    p = subprocess.run([str(cc), *argv], capture_output=True, timeout=600, check=False)
    assert p.returncode == 0, p.stderr[-3000:]


@pytest.fixture(scope="module")
def tcc_boot(stage1_store: LocalStore) -> Path:
    outcome = realize(stage1_store, [tcc_boot_link.tcc_boot()], BuildOptions(jobs=2))
    return Path(stage1_store.real_path(outcome.outputs[0]["out"]))


@pytest.fixture(scope="module")
def preprocessed(stage1_store: LocalStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every unit as Debian's tcc preprocesses it for the self-rebuild (``UNIT.c``)."""
    d = tmp_path_factory.mktemp("pre")
    tree = tcc_boot_self.self_tree().out
    flags = [*tcc_boot_self.compile_flags(), *(a for x in boot.DEFINES for a in ("-D", x))]
    for unit in boot.UNITS:
        tcc("tcc", host_args(stage1_store, [*flags, "-E", f"{tree}/{unit}.c", "-o",
                                            str(d / f"{unit}.c")], d))
    return d


def objects(cc_boot: Path, pre: Path, unit: str, out: Path) -> tuple[bytes, bytes]:
    """``unit``'s object by tcc-boot and by Debian's tcc."""
    got = []
    for name, cc in (("boot", cc_boot), ("debian", Path("tcc"))):
        tcc(cc, ["-nostdinc", "-c", str(pre / f"{unit}.c"), "-o", str(out / f"{name}.o")])
        got.append((out / f"{name}.o").read_bytes())
    return got[0], got[1]


def data_sections(obj: bytes) -> list[tuple[int, int]]:
    """(file offset, size) of each initialized data section of an ELF64 object."""
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    entsize, count = struct.unpack_from("<HH", obj, 0x3A)
    found = []
    for k in range(count):
        kind, flags, _, offset, size = struct.unpack_from("<IQQQQ", obj, shoff + k * entsize + 4)
        if kind == SHT_PROGBITS and flags & SHF_ALLOC and not flags & SHF_EXECINSTR:
            found.append((offset, size))
    return found


def as_mescc_reads(value: float) -> int | None:
    """What tcc-boot stores for an integral literal of ``value``: mes's ``abtol``
    sums the digits in an ``int``; MesCC's ``double`` is that integer."""
    if value != int(value):
        return None
    return (int(value) + 2 ** 31) % 2 ** 32 - 2 ** 31


def mescc_tail(got: bytes, want: bytes, slot: int, section: int) -> bool:
    """Whether ``slot`` is the second half of a ``long double`` constant that tcc-boot
    wrote as 0 (MesCC's ``long double`` has 8 bytes: the sign and exponent word is lost)."""
    tail, = struct.unpack_from("<Q", want, slot)
    return ((slot - section) % 16 == 8 and got[slot:slot + 8] == bytes(8)
            and 0 < tail < 2 ** 16)


def not_mescc_constants(got: bytes, want: bytes) -> list[str]:
    """Where tcc-boot's object differs from Debian's other than in a floating constant
    written as MesCC computes it (:func:`as_mescc_reads`, :func:`mescc_tail`); empty:
    nowhere."""
    if len(got) != len(want):
        return [f"sizes {len(got)} and {len(want)}"]
    sections = data_sections(want)
    slots: dict[int, int] = {}
    bad = []
    for i in (i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b):
        sec = next((o for o, n in sections if o <= i < o + n), None)
        if sec is None:
            bad.append(f"byte {i:#x}: outside the data")
        else:
            slots[sec + (i - sec) // 8 * 8] = sec
    for s, sec in sorted(slots.items()):
        value, = struct.unpack_from("<d", want, s)
        stored, = struct.unpack_from("<q", got, s)
        if stored != as_mescc_reads(value) and not mescc_tail(got, want, s, sec):
            bad.append(f"{s:#x}: {stored} for {value!r}")
    if not slots and not bad:
        bad.append("no difference: the unit belongs with the identical ones")
    return bad


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("unit", [u for u in boot.UNITS
                                  if u not in FLOAT_CONSTANT_UNITS])
def test_tcc_boot_compiles_a_unit_as_debian_tcc(tcc_boot: Path, preprocessed: Path,
                                                tmp_path: Path, unit: str) -> None:
    got, want = objects(tcc_boot, preprocessed, unit, tmp_path)
    assert got == want


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("unit", FLOAT_CONSTANT_UNITS)
def test_tcc_boot_differs_only_in_floating_constants(
        tcc_boot: Path, preprocessed: Path, tmp_path: Path, unit: str) -> None:
    got, want = objects(tcc_boot, preprocessed, unit, tmp_path)
    assert not_mescc_constants(got, want) == []
