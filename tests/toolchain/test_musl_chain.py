"""musl built by tcc, the static tcc against it and its fixpoint, in the real sandbox.

Shares the session store (``tstore``) with the tcc chain tests: the seeds and
tcc-2 are built once. The second-root rebuild of these stages is in
test_binutils_chain.py, extended through make and binutils.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sx.derivations.bootstrap.toolchain import debian, musl, seeds
from sx.derivations.model import derivation
from sx.derivations.provenance import seeds_of
from sx.store.local import LocalStore
from toolchain_helpers import build, elf_has_interpreter, seed_paths

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

# Exercises what tcc and musl needed patches for: 4-6 argument system calls
# (mmap behind a large malloc, openat, pread), weak aliases (fopen, printf's
# locale hooks), static links that need libc after libtcc1.a (long double
# conversions), sqrtl, and strtold.
PROGRAM = r"""
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    char *big = malloc(1 << 22), buf[8];
    memset(big, 7, 1 << 22);
    int fd = openat(AT_FDCWD, "prog.c", O_RDONLY);
    ssize_t n = pread(fd, buf, 7, 11);
    buf[n > 0 ? n : 0] = 0;
    FILE *f = fopen("note", "w");
    fprintf(f, "%d|%s|%.4f|%.2Lf|%d\n", 6 * 7, buf, sqrt(2.0), sqrtl(strtold("6.25", 0)),
            big[12345]);
    return fclose(f);
}
"""


def test_static_tcc_reaches_its_fixpoint(tstore: LocalStore) -> None:
    one, two, three = build(tstore, [musl.tcc_musl_generation(n) for n in (1, 2, 3)])
    assert (one.name, two.name) == ("tcc-musl-1", "tcc-musl")
    assert two == three, "tcc-musl-3 (built by tcc-musl-2) differs from tcc-musl-2"
    # Both self-built derivations know the one path.
    for n in (2, 3):
        drv = musl.tcc_musl_generation(n)
        assert tstore.derivation_outputs(drv.drv_path) == {"out": two}


def test_musl_installs_a_static_libc(tstore: LocalStore) -> None:
    [path] = build(tstore, [musl.musl()])
    root = Path(tstore.real_path(path))
    for name in ("libc.a", "crt1.o", "crti.o", "crtn.o", "libm.a", "libpthread.a"):
        assert (root / "lib" / name).is_file(), name
    assert (root / "lib" / "libm.a").read_bytes() == b"!<arch>\n"
    assert (root / "include" / "bits" / "alltypes.h").is_file()
    assert (root / "include" / "bits" / "syscall.h").read_text().count("#define SYS_") > 300
    assert not (root / "lib" / "libc.so").exists()


def test_static_tcc_is_static_and_builds_static_programs(tstore: LocalStore) -> None:
    t = musl.tcc_musl()
    script = ('printf "%s" "$program" > prog.c && $tcc/bin/tcc -o prog prog.c -lm && ./prog'
              ' && mkdir $out && cp note prog $out/')
    prog = derivation("tcc-musl-hello", seeds.busybox_bin(), args=["sh", "-c", script],
                      env={"tcc": t.out, "program": PROGRAM}, inputs=[seeds.busybox(), t])
    tcc_path, out = build(tstore, [t, prog])
    assert not elf_has_interpreter(Path(tstore.real_path(tcc_path), "bin", "tcc").read_bytes())
    root = Path(tstore.real_path(out))
    assert (root / "note").read_text() == "42|fcntl.h|1.4142|2.50|7\n"
    assert not elf_has_interpreter((root / "prog").read_bytes())
    # A static program refers to no store path at all: not to musl, not to tcc.
    assert tstore.require(out).references == ()


def test_musl_rebuilt_by_the_static_tcc(tstore: LocalStore) -> None:
    first, second = build(tstore, [musl.musl1(), musl.musl2()])
    assert first.name == second.name == "musl"
    a, b = Path(tstore.real_path(first)), Path(tstore.real_path(second))
    # Measured: the two compilers round two long double constants differently
    # (floatscan.o, fmal.o), so only libc.a may differ; headers and crt agree.
    differing = [p.relative_to(a) for p in sorted(a.rglob("*"))
                 if p.is_file() and p.read_bytes() != (b / p.relative_to(a)).read_bytes()]
    assert [str(p) for p in differing] in ([], ["lib/libc.a"])


def test_provenance_of_the_musl_stages_is_exactly_the_binary_seeds(tstore: LocalStore) -> None:
    stages = [musl.musl1(), musl.tcc_musl_generation(1), musl.tcc_musl_generation(2),
              musl.tcc_musl_generation(3), musl.musl2()]
    build(tstore, stages)
    for drv in stages:
        stage = drv.meta_dict["stage"]
        found = seeds_of(tstore, drv)
        assert {str(s.path) for s in found} == seed_paths("glibc", musl.DEFAULT_SEED), stage
        assert all(s.reason.startswith("binary seed") for s in found)
    # The sources are pinned but are not binary seeds.
    assert "binary-seed" not in debian.musl_source().meta_dict

