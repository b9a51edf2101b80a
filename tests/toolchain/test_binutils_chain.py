"""GNU make and binutils 2.40 built by the static tcc, and used, in the real sandbox.

binutils is built once in the session store (the ``binutils_out`` fixture)
and once more in a second, empty root for the bit-identical check.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sx.derivations.bootstrap.toolchain import binutils, debian, musl, seeds
from sx.derivations.model import Derivation, derivation
from sx.derivations.provenance import seeds_of
from sx.store.local import LocalStore
from sx.store.path import StorePath
from toolchain_helpers import build, elf_has_interpreter, seed_paths

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

# write(1, msg, len) and exit(0) by system calls: no libc at all.
HELLO_S = """\
        .globl _start
        .text
_start: mov $1, %eax
        mov $1, %edi
        lea msg(%rip), %rsi
        mov $len, %edx
        syscall
        mov $60, %eax
        xor %edi, %edi
        syscall
        .data
msg:    .ascii "hello from binutils 2.40\\n"
        len = . - msg
"""

# Compiled by the static tcc, linked by binutils' ld against musl-2.
HELLO_C = '#include <stdio.h>\nint main(void) { printf("%s %d\\n", "ld + musl", 6 * 7); }\n'

ASSEMBLE_AND_LINK = """
set -e
printf '%s' "$asm" > hello.s
$binutils/bin/as -o hello.o hello.s
$binutils/bin/ld -o hello hello.o
./hello > hello.txt
printf '%s' "$csrc" > prog.c
$tcc/bin/tcc -c prog.c -o prog.o
$binutils/bin/ld -static -o prog $musl/lib/crt1.o $musl/lib/crti.o prog.o \
    -L$musl/lib -lc $tcc/lib/tcc/libtcc1.a -lc $musl/lib/crtn.o
./prog > prog.txt
$binutils/bin/readelf -h hello > readelf.txt
mkdir $out
cp hello hello.txt prog prog.txt readelf.txt $out/
"""


def use_binutils() -> Derivation:
    """A derivation that assembles and links two programs with binutils and runs them."""
    b, t, libc = binutils.binutils(), musl.tcc_musl(), musl.musl2()
    env = {"asm": HELLO_S, "csrc": HELLO_C, "binutils": b.out, "tcc": t.out, "musl": libc.out}
    return derivation("binutils-hello", seeds.busybox_bin(), args=["sh", "-c", ASSEMBLE_AND_LINK],
                      env=env, inputs=[seeds.busybox(), b, t, libc])


def test_make_is_a_static_program_with_no_references(tstore: LocalStore,
                                                     binutils_out: StorePath) -> None:
    [make] = build(tstore, [binutils.gnu_make()])
    data = Path(tstore.real_path(make), "bin", "make").read_bytes()
    assert not elf_has_interpreter(data)
    assert b"GNU Make" in data and b"4.3" in data
    assert tstore.require(make).references == ()
    # binutils needed make at build time only.
    assert make not in tstore.require(binutils_out).references


def test_binutils_installs_static_tools(tstore: LocalStore, binutils_out: StorePath) -> None:
    root = Path(tstore.real_path(binutils_out))
    for tool in ("as", "ld", "ar", "nm", "objdump", "objcopy", "readelf", "strip", "size"):
        assert not elf_has_interpreter((root / "bin" / tool).read_bytes()), tool
    # Static and built against no other store path: at most a self-reference.
    assert set(tstore.require(binutils_out).references) <= {binutils_out}


def test_binutils_assembles_and_links_programs_that_run(tstore: LocalStore,
                                                        binutils_out: StorePath) -> None:
    [out] = build(tstore, [use_binutils()])
    root = Path(tstore.real_path(out))
    assert (root / "hello.txt").read_text() == "hello from binutils 2.40\n"
    assert (root / "prog.txt").read_text() == "ld + musl 42\n"
    assert "Advanced Micro Devices X86-64" in (root / "readelf.txt").read_text()
    for prog in ("hello", "prog"):
        assert not elf_has_interpreter((root / prog).read_bytes()), prog
    assert tstore.require(out).references == ()


def test_provenance_of_make_and_binutils_is_exactly_the_binary_seeds(
        tstore: LocalStore, binutils_out: StorePath) -> None:
    for drv in (binutils.gnu_make(), binutils.binutils()):
        found = seeds_of(tstore, drv)
        want = seed_paths("glibc", musl.DEFAULT_SEED)
        assert {str(s.path) for s in found} == want, drv.meta_dict["stage"]
        assert all(s.reason == "binary seed" for s in found)
    for src in (debian.make_source(), debian.binutils_source()):
        assert "binary-seed" not in src.meta_dict


def test_chain_through_binutils_rebuilds_bit_identically_in_a_second_root(
        tstore: LocalStore, binutils_out: StorePath, tmp_path: Path) -> None:
    drvs = [musl.musl1(), musl.tcc_musl_generation(1), musl.tcc_musl(), musl.musl2(),
            binutils.gnu_make(), binutils.binutils()]
    first = build(tstore, drvs)
    assert first[-1] == binutils_out
    other = LocalStore(str(tmp_path / "second"))
    second = build(other, drvs)
    assert first == second
    for p in first:
        x, y = tstore.require(p), other.require(p)
        assert (x.nar_hash, x.nar_size) == (y.nar_hash, y.nar_size)
