"""tcc-boot from the hex0 seed, second part: the linked program runs and rebuilds tcc.

tcc-boot is tcc's ten units (MesCC on the seed-built mes-m2) linked with
mes's crt1 and libc+tcc by M1 and hex2. These tests compile every unit
(about 30 minutes on 2 cores), so they are marked ``bootstrap``: ``make
bootstrap`` runs them in the store its chain has just filled.

The hello is linked against mes libc compiled by tcc-boot itself: the
files of ``libc+tcc`` with the gcc flavour of the few that are written in
inline assembly (``x86_64-mes-gcc``: crt1, syscall, _exit, _write,
setjmp), as tcc takes gcc's asm syntax and MesCC's is its own. The
headers are mes's with sx's ``stdarg.h`` (tcc's builtins under tcc on
x86_64), so tcc's ``lib/va_list.c`` supplies ``__va_arg``.

tcc-boot then rebuilds tcc ``GENERATIONS`` times: the last two are one
store path, and the same store path as the same steps give from Debian's
tcc (which needs the toolchain's glibc and Debian tcc seeds).
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage1 import tcc_boot as units
from sx.derivations.bootstrap.stage1 import tcc_boot_link, tcc_boot_self
from sx.derivations.bootstrap.toolchain import chain, ddc, musl
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation
from sx.derivations.provenance import report_of
from sx.store.local import LocalStore
from tcc_boot_support import LITERALS, NEGATE

pytestmark = pytest.mark.bootstrap

HELLO = '#include <stdio.h>\nint main() { puts("hello from tcc-boot"); return 3; }\n'


def realized(store: LocalStore, drv: Derivation) -> Path:
    outcome = realize(store, [drv], BuildOptions(jobs=2))
    return Path(store.real_path(outcome.outputs[0]["out"]))


@pytest.fixture(scope="module")
def tcc_boot(stage1_store: LocalStore) -> Path:
    return realized(stage1_store, tcc_boot_link.tcc_boot())


@pytest.mark.timeout(3600)
def test_no_unit_defines_a_code_label_twice(stage1_store: LocalStore) -> None:
    """hex2 takes one of two equal labels: a jump meant for the other goes astray."""
    for unit in units.UNITS:
        text = realized(stage1_store, units.mescc_unit(unit)).read_text()
        labels = [ln for ln in text.splitlines()
                  if ln.startswith(":") and not ln.startswith(":_string_")]
        assert len(labels) == len(set(labels)), unit


@pytest.mark.timeout(3600)
def test_tcc_boot_prints_its_version(tcc_boot: Path) -> None:
    p = subprocess.run([str(tcc_boot), "-v"], capture_output=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"tcc version 0.9.27 (x86_64 Linux)\n"


@pytest.mark.timeout(3600)
def test_tcc_boot_compiles_a_function_to_an_object(tcc_boot: Path, tmp_path: Path) -> None:
    """``return 42`` compiles to an ELF relocatable object whose main is the expected code."""
    (tmp_path / "r.c").write_text("int main() { return 42; }\n")
    p = subprocess.run([str(tcc_boot), "-c", str(tmp_path / "r.c"), "-o", str(tmp_path / "r.o")],
                       capture_output=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    dump = subprocess.run(["objdump", "-d", str(tmp_path / "r.o")], capture_output=True,
                          check=True, timeout=60).stdout.decode()
    assert "<main>:" in dump
    assert "mov    $0x2a,%eax" in dump


@pytest.mark.timeout(3600)
def test_tcc_boot_compiles_a_hello_against_mes_libc(stage1_store: LocalStore) -> None:
    """tcc-boot compiles hello.c and mes libc's files (and tcc's ``__va_arg``) and links
    them; the program runs."""
    hello_c = derivation("hello.c", BUILTIN_WRITE, env={"text": HELLO}, system="builtin")
    hello = realized(stage1_store, tcc_boot_self.program(
        "tcc-boot-hello", tcc_boot_link.tcc_boot(), [hello_c]))
    p = subprocess.run([str(hello)], capture_output=True, timeout=60, check=False)
    assert (p.returncode, p.stdout) == (3, b"hello from tcc-boot\n")


@pytest.mark.timeout(3600)
def test_tcc_boot_rebuilds_itself_to_a_fixpoint(stage1_store: LocalStore) -> None:
    """The last two of ``GENERATIONS`` generations from tcc-boot are one store path,
    and it runs."""
    outcome = realize(stage1_store, tcc_boot_self.tcc_boot_fixpoint(), BuildOptions(jobs=2))
    last, again = (o["out"] for o in outcome.outputs)
    assert last == again
    p = subprocess.run([stage1_store.real_path(last), "-v"], capture_output=True, timeout=60,
                       check=False)
    assert (p.returncode, p.stdout) == (0, b"tcc version 0.9.27 (x86_64 Linux)\n")


@pytest.mark.timeout(3600)
def test_tcc_from_the_seed_has_only_the_seed_and_nyacc_as_binaries(
        stage1_store: LocalStore) -> None:
    """Debian's tcc checks the fixpoint (the diverse double compile) but is no input of it."""
    last = tcc_boot_self.generation(tcc_boot_self.GENERATIONS)
    realize(stage1_store, [last], BuildOptions(jobs=2))
    rep = report_of(stage1_store, last)
    assert sorted(b.path.name for b in rep.binaries) == [
        "hex0-seed", "nyacc-deb", "nyacc_1.00.2-5_amd64.deb"]
    assert sorted(f.path.name for f in rep.sources) == [
        "mes_0.24.2.orig.tar.gz", "mescc-tools_1.4.0.orig-M2libc.tar.gz",
        "mescc-tools_1.4.0.orig.tar.gz", "tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2"]


@pytest.mark.timeout(3600)
def test_tcc_from_the_seed_negates_floating_values(stage1_store: LocalStore) -> None:
    """The fixpoint's unary minus: tcc-boot once pushed a NaN for its -0.0, and every
    generation after it inherited the NaN (``-x`` was NaN)."""
    neg_c = derivation("neg.c", BUILTIN_WRITE, env={"text": NEGATE}, system="builtin")
    prog = realized(stage1_store, tcc_boot_self.program(
        "tcc-boot-negate", tcc_boot_self.generation(tcc_boot_self.GENERATIONS), [neg_c]))
    p = subprocess.run([str(prog)], capture_output=True, timeout=60, check=False)
    assert p.returncode == 42


@pytest.mark.timeout(3600)
def test_seed_and_debian_tcc_routes_reach_one_tcc(stage1_store: LocalStore) -> None:
    """Diverse double-compiling: the last generation from tcc-boot (MesCC, from the hex0
    seed) and from Debian's tcc (gcc-compiled) is one store path."""
    outcome = realize(stage1_store, tcc_boot_self.tcc_boot_ddc(), BuildOptions(jobs=2))
    seed, debian = (o["out"] for o in outcome.outputs)
    assert seed == debian


@pytest.mark.timeout(3600)
def test_tcc_from_the_seed_reads_floating_literals(stage1_store: LocalStore) -> None:
    """The fixpoint writes the double each literal means (mes libc's strtod and ldexp,
    sx's fix): it is a working compiler for code with floating constants."""
    text = ("double v[] = {" + ", ".join(LITERALS) + "};\n"
            "int main() { return 0; }\n")
    lit_c = derivation("lit.c", BUILTIN_WRITE, env={"text": text}, system="builtin")
    fixpoint = tcc_boot_self.generation(tcc_boot_self.GENERATIONS)
    obj = realized(stage1_store, tcc_boot_self.program("tcc-boot-literals", fixpoint,
                                                       [lit_c])).read_bytes()
    want = [float.fromhex(v) if "0x" in v else float(v) for v in LITERALS]
    assert struct.pack(f"<{len(want)}d", *want) in obj


@pytest.mark.timeout(3600)
def test_four_seeds_converge_on_one_tcc(stage1_store: LocalStore) -> None:
    """``sx ddc tcc``'s default seeds: tcc-1 from the hex0 seed (built by tcc-boot's
    fixpoint) and from the three binary seeds differ, and each builds the same tcc-2."""
    stages = ddc.target_stages("tcc", ddc.DEFAULT_SEEDS)
    roots = [d for st in stages.values() for _, d in st]
    outcome = realize(stage1_store, roots, BuildOptions(jobs=2))
    paths = [o["out"] for o in outcome.outputs]
    report = ddc.compare("tcc", stages, {s: paths[2 * i:2 * i + 2]
                                         for i, s in enumerate(stages)})
    assert report.seeds[0] == "hex0"
    assert [s.converged for s in report.stages] == [False, True]
    assert len(set(report.stages[0].paths.values())) == 4


@pytest.mark.timeout(3600)
def test_hex0_route_builds_musl_and_the_static_tcc_of_the_debian_route(
        stage1_store: LocalStore) -> None:
    """On the hex0 route, tcc-boot's fixpoint builds musl-1 and tcc-musl-1, with no glibc:
    they are the bytes tcc-2 (from Debian's tcc, on glibc) builds, so every later stage is
    the same store path. What the route rests on is the seed and nyacc (its scripts run
    under busybox-0, built from source, whose source tree provenance lists for the
    compressed test data of busybox's testsuite)."""
    stages = ("musl", "tcc_musl", "tcc_musl_fixpoint", "musl_2")
    hex0 = [d for s in stages for d in getattr(chain.HEX0, s)()]
    debian = [d for s in stages for d in getattr(chain.DEBIAN, s)()]
    outcome = realize(stage1_store, [*hex0, *debian], BuildOptions(jobs=2))
    paths = [o["out"] for o in outcome.outputs]
    assert paths[:len(hex0)] == paths[len(hex0):]
    assert [d.drv_path for d in hex0] != [d.drv_path for d in debian]
    rep = report_of(stage1_store, musl.musl2("hex0"))
    assert sorted(b.path.name for b in rep.binaries) == [
        "busybox-src", "hex0-seed", "nyacc-deb", "nyacc_1.00.2-5_amd64.deb"]
