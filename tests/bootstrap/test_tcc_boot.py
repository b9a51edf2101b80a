"""tcc-boot from the hex0 seed, first part: tcc's files compiled by MesCC on mes-m2.

sx's ``mktree`` (built by cc1 from the seed) lays out the patched tcc
source; each of tcc's units is compiled by MesCC, with sx's patches to
MesCC and nyacc, running on the seed-built ``mes-m2`` in the sandbox.

Oracle: Debian's prebuilt ``mes`` running the same driver and patched
modules outside the sandbox must write the same M1 text (MesCC names
string labels after its ``-o`` path, which is replaced before comparing).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cc1_support import run
from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mes_libc, mescc, sources, tcc_boot, tcc_boot_self
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import Derivation
from sx.derivations.provenance import report_of
from sx.store.local import LocalStore

ORACLE_UNIT = "x86_64-link"


def realized(store: LocalStore, drv: Derivation) -> Path:
    outcome = realize(store, [drv], BuildOptions(jobs=2))
    return Path(store.real_path(outcome.outputs[0]["out"]))


@pytest.fixture(scope="module")
def mktree(stage1_store: LocalStore) -> Path:
    return realized(stage1_store, tcc_boot.mktree())


def test_mktree_lays_out_files(mktree: Path, tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"first\n")
    (tmp_path / "b").write_bytes(bytes(range(256)))
    out = tmp_path / "out"
    run([str(mktree), str(out), "x.h", str(tmp_path / "a"), "sub/dir/y.bin", str(tmp_path / "b")])
    assert (out / "x.h").read_bytes() == b"first\n"
    assert (out / "sub/dir/y.bin").read_bytes() == bytes(range(256))
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == [
        "sub", "sub/dir", "sub/dir/y.bin", "x.h"]


@pytest.mark.parametrize("name", ["../x", "/x", "a/../../x", "a//b", "./x", "a/.", "", "a/"])
def test_mktree_refuses_a_name_that_leaves_its_directory(mktree: Path, tmp_path: Path,
                                                         name: str) -> None:
    (tmp_path / "a").write_bytes(b"data\n")
    out = tmp_path / "w" / "out"
    (tmp_path / "w").mkdir()
    p = run([str(mktree), str(out), name, str(tmp_path / "a")], check=False)
    assert p.returncode == 1
    assert p.stderr.startswith(f"mktree: {name}: ".encode()) and p.stderr.count(b"\n") == 1
    assert not (tmp_path / "x").exists() and not (tmp_path / "w" / "x").exists()
    assert list(out.rglob("*")) == []


def test_mktree_refuses_a_name_given_twice(mktree: Path, tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"one\n")
    (tmp_path / "b").write_bytes(b"two\n")
    out = tmp_path / "out"
    p = run([str(mktree), str(out), "f", str(tmp_path / "a"), "f", str(tmp_path / "b")],
            check=False)
    assert (p.returncode, p.stderr) == (1, b"mktree: f: given twice\n")
    assert (out / "f").read_bytes() == b"one\n"


def test_mktree_refuses_a_missing_file_and_an_existing_directory(mktree: Path,
                                                                  tmp_path: Path) -> None:
    p = run([str(mktree), str(tmp_path / "out"), "f", str(tmp_path / "none")], check=False)
    assert (p.returncode, p.stderr) == (1, b"mktree: f: cannot read the file\n")
    p = run([str(mktree), str(tmp_path), "f", str(tmp_path / "none")], check=False)
    assert (p.returncode, p.stderr) == (1, f"mktree: {tmp_path}: cannot make the directory\n"
                                        .encode())
    p = run([str(mktree), str(tmp_path / "o2"), "f"], check=False)
    assert p.returncode == 1 and p.stderr.startswith(b"usage: mktree ")


def test_each_patch_names_the_files_its_recipe_applies_it_to() -> None:
    assert tcc_boot.patched_paths("mescc.patch") == tcc_boot.MESCC_PATCHED
    assert tcc_boot.patched_paths("nyacc.patch") == tcc_boot.NYACC_PATCHED
    files = {*tcc_boot.HEADERS, *(f"{u}.c" for u in tcc_boot.UNITS)}
    assert set(tcc_boot.patched_paths("tcc-mescc.patch")) <= files
    assert tcc_boot.patched_paths("x86_64-M1.patch") == (tcc_boot.M1_DEFINITIONS,)
    # mes-libc.patch serves two recipes: MesCC's libc takes the header, tcc's the sources.
    assert tcc_boot.patched_paths("mes-libc.patch") == (*mes_libc.PATCHED,
                                                        *tcc_boot_self.LIBC_FIXED)


def test_patch_set_fits_the_pinned_sources(stage1_store: LocalStore) -> None:
    """apply-diff accepts every hunk (it has no fuzz) and the tree holds every file."""
    tree = realized(stage1_store, tcc_boot.tcc_tree())
    for path in (*tcc_boot.HEADERS, *(f"{u}.c" for u in tcc_boot.UNITS), "config.h"):
        assert (tree / path).is_file(), path
    assert b"#if defined __MESC__\n" in (tree / "tcc.h").read_bytes()
    assert b"#define CONFIG_TCC_BOOT 1\n" in (tree / "config.h").read_bytes()
    modules = [realized(stage1_store, m) for m in tcc_boot.mescc_modules()]
    assert b"(define (field-find info struct field)" in modules[0].read_bytes()
    assert b"(define cpp-painted '())" in modules[2].read_bytes()
    defs = realized(stage1_store, tcc_boot.m1_definitions()).read_bytes()
    assert b"DEFINE sar____$i8,%rax 48c1f8\n" in defs
    assert b"DEFINE mov____%ax,0x32(%rbp) 668985\n" in defs


CASE_LABEL = re.compile(rb"\b([A-Za-z_]\w*)\s*:\s*case\b")


def jumped_case_labels(text: bytes) -> set[bytes]:
    """Labels placed on a case that some goto jumps to (a label on ``default:``, which
    has no test, compiles right: tccpp.c's ``goto _default``)."""
    return {m.group(1) for m in CASE_LABEL.finditer(text)
            if m.group(1) != b"default"
            and re.search(rb"\bgoto\s+" + m.group(1) + rb"\s*;", text)}


def test_no_unit_jumps_to_a_case_label(stage1_store: LocalStore) -> None:
    """MesCC compiles ``goto L`` to ``L: case X:`` as a jump to the case's test, which
    fails again (tcc-boot hung in tccgen.c's precedence()): the patched units have none."""
    assert jumped_case_labels(b"int f(int t) { switch (t) { r: case 1: return 1;\n"
                              b"default: goto r; } }") == {b"r"}
    tree = realized(stage1_store, tcc_boot.tcc_tree())
    for unit in tcc_boot.UNITS:
        assert jumped_case_labels((tree / f"{unit}.c").read_bytes()) == set(), unit


def mes_on_host(store: LocalStore, driver: Derivation, work: Path) -> None:
    """Run ``driver`` (a recipe's MesCC driver) on Debian's mes outside the sandbox: store
    paths where this host sees them, ``/build`` replaced by ``work``."""
    path = realized(store, driver)
    phys = str(path.parent)
    text = path.read_text().replace("/sx/store", phys).replace(mescc.BUILD + "/", f"{work}/")
    host = work / "driver.scm"
    host.write_text(text)
    mes_src = realized(store, sources.mes_source())
    nyacc = realized(store, sources.nyacc_source()) / mescc.NYACC_DIR
    env = {**mescc.MES_ENV, "MES_PREFIX": str(mes_src),
           "GUILE_LOAD_PATH": f"{mes_src}/module:{nyacc}"}
    p = subprocess.run([shutil.which("mes") or "mes", "--no-auto-compile", "-L", str(nyacc),
                        str(host)], cwd=mes_src, env=env, capture_output=True, timeout=1500,
                       check=False)
    assert p.returncode == 0, p.stderr[-2000:]


FUNCTION_ARGUMENTS = """int g;
void set(void) { g = 42; }
char *name(int i) { return "abc" + i; }
void call(void (*fn)(void)) { fn(); }
int first(int k, char *(*fn)(int)) { char *p = fn(k); return *p; }
int main() { call(set); if (first(1, name) != 'b') return 1; return g; }
"""


def compile_on_debian_mes(stage1_store: LocalStore, tmp_path: Path, stem: str,
                          source: str) -> str:
    """``source`` compiled by sx's patched MesCC on Debian's mes: the M1 text of STEM.s."""
    (tmp_path / f"{stem}.c").write_text(source)
    drv = mescc.driver(f"{stem}.scm", [(str(tmp_path / f"{stem}.c"), ["-nostdinc"])], [],
                       modules=tcc_boot.mescc_modules())
    mes_on_host(stage1_store, drv, tmp_path)
    return (tmp_path / f"{stem}.s").read_text()


def link_and_run(tmp_path: Path, stem: str) -> int:
    """Link STEM.s with Debian's mescc and run it: its exit status."""
    run(["mescc", "-m", "64", "-o", str(tmp_path / stem), str(tmp_path / f"{stem}.s")])
    p = subprocess.run([str(tmp_path / stem)], capture_output=True, timeout=60, check=False)
    return p.returncode


@pytest.mark.slow
def test_patched_mescc_passes_a_function_as_an_argument(stage1_store: LocalStore,
                                                         tmp_path: Path) -> None:
    """Stock MesCC gives a ``void (*fn)(void)`` parameter its return type's size and loads
    one byte of the address (tcc-boot's ``expr_type(&type, unary)``: every sizeof crashed).
    sx's MesCC, on Debian's mes, loads the whole pointer; Debian's mescc links and runs it."""
    text = compile_on_debian_mes(stage1_store, tmp_path, "fn", FUNCTION_ARGUMENTS)
    start = text.index("\n:call\n")
    call = text[start:text.index("\tret\n", start)]
    assert "call___*%rax" in call and "movzbq" not in call
    assert link_and_run(tmp_path, "fn") == 42


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_mescc_on_mes_m2_compiles_a_tcc_unit_as_debian_mes(stage1_store: LocalStore,
                                                           tmp_path: Path) -> None:
    """x86_64-link.c (about 70 s on mes-m2 here): the sandbox's output equals Debian mes's,
    and its provenance: the 246-byte seed, nyacc's binary package, pinned sources."""
    unit = tcc_boot.mescc_unit(ORACLE_UNIT)
    out = realized(stage1_store, unit).read_bytes()
    assert b":code_reloc" in out
    mes_on_host(stage1_store, tcc_boot.unit_driver(ORACLE_UNIT), tmp_path)
    oracle = (tmp_path / f"{ORACLE_UNIT}.s").read_bytes()
    assert out == oracle.replace(f"{tmp_path}/".encode(), f"{mescc.BUILD}/".encode())
    rep = report_of(stage1_store, unit)
    # nyacc's source package is not on the mirror: its Scheme files come from
    # Debian's binary package, which also holds compiled Guile objects (unused).
    assert [(b.path, b.size) for b in rep.binaries if b.path.name == "hex0-seed"] == [
        (fixed_output_path(stage0.seed()), 246)]
    assert sorted(b.path.name for b in rep.binaries) == [
        "hex0-seed", "nyacc-deb", "nyacc_1.00.2-5_amd64.deb"]
    names = sorted(f.path.name for f in rep.sources)
    assert names == ["mes_0.24.2.orig.tar.gz", "mescc-tools_1.4.0.orig-M2libc.tar.gz",
                     "mescc-tools_1.4.0.orig.tar.gz",
                     "tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2"]


def test_added_m1_definitions_encode_as_gnu_as_does(tmp_path: Path) -> None:
    """Each DEFINE that x86_64-M1.patch adds is GNU as's encoding of the instruction it names."""
    patch = Path(tcc_boot.HERE) / "x86_64-M1.patch"
    added = [ln[1:].split() for ln in patch.read_text().splitlines()
             if ln.startswith("+DEFINE")]
    assert len(added) == 6
    for _, name, hexcode in added:
        op, operands = name.split("____")
        # MesCC's 0x32 and 0x8 name the displacement's width (32 or 8 bits).
        operands = operands.replace("$i8", "$0x7f").replace("0x32(", "0x12345678(")
        insn = f"{op} {operands}"
        (tmp_path / "t.s").write_text(f".code64\n{insn}\n")
        run(["as", "--64", "-o", str(tmp_path / "t.o"), str(tmp_path / "t.s")])
        run(["objcopy", "-O", "binary", "-j", ".text", str(tmp_path / "t.o"),
             str(tmp_path / "t.bin")])
        assert (tmp_path / "t.bin").read_bytes().hex().startswith(hexcode.lower()), name


DEBIAN_MES_LIB = Path("/usr/lib/x86_64-linux-gnu/mes/x86_64-mes")


def debian_labels(text: bytes) -> bytes:
    """MesCC's string labels as Debian's build names them (after ``BASE.s``, not its path)."""
    return text.replace(f"_string_{mescc.BUILD}/".encode(), b"_string_")


NESTED_LABELS = """static unsigned char prec[4] = {0, 9, 10, 0};
int pick(int t, int p2) { if ((t < 4 ? prec[t] : 0) > p2) return 1; return 0; }
int nested(int a, int b) {
    switch (a) { case 1: switch (b) { case 2: return 20; default: return 21; }
                 default: return 3; } }
int main() { return pick(2, 9) * 100 + nested(1, 2) + nested(1, 5) - 100; }
"""


def code_labels(text: str) -> list[str]:
    """The labels MesCC defines in M1 ``text``, but for string literals (MesCC writes an
    identical string's data again under its label)."""
    return [ln for ln in text.splitlines() if ln.startswith(":") and
            not ln.startswith(":_string_")]


@pytest.mark.slow
def test_patched_mescc_labels_nested_constructs_apart(stage1_store: LocalStore,
                                                       tmp_path: Path) -> None:
    """Stock MesCC numbers a construct's labels by the code before it, so an if testing a
    ?: (tcc's expr_infix) and a switch right at a case both define ``_F_N_break`` or
    ``_F_N_body0`` twice: the seed's hex2 resolved jumps to the other one (tcc-boot
    compiled ``a + 2 * 3`` as ``(a + 2) * 3``). sx's MesCC writes each label once."""
    text = compile_on_debian_mes(stage1_store, tmp_path, "n", NESTED_LABELS)
    labels = code_labels(text)
    assert ":pick" in labels and len(labels) == len(set(labels))
    assert link_and_run(tmp_path, "n") == 41


DEFAULT_THEN_CASE = """int f(int op) { switch (op) { default: case 1: return 7;
                              case 2: return 9; } }
int g(int op) { int a = 1; switch (op) { case 0: a = 5; break; default: case 3: case 4: a = a + 6;
                                      break; case 2: a = 9; } return a; }
int main() { return f(5) + f(1) + f(2) + g(8) + g(4) + g(2) + g(0) - 9; }
"""


@pytest.mark.slow
def test_patched_mescc_labels_a_default_and_its_case_once(stage1_store: LocalStore,
                                                          tmp_path: Path) -> None:
    """``default: case 1: ...`` (tcc's gen_opf): stock MesCC defined the clause's body label
    for the default and again for the case, so hex2 could send the default's jump to the
    case's test. sx's MesCC defines it once, at the body (gcc: exit 42)."""
    text = compile_on_debian_mes(stage1_store, tmp_path, "d", DEFAULT_THEN_CASE)
    labels = code_labels(text)
    assert ":f" in labels and len(labels) == len(set(labels))
    assert link_and_run(tmp_path, "d") == 42


CAST_OF_A_SUM = """struct R { long v; long w; };
struct S { long x; unsigned char *data; };
long buf[4];
int main() { struct S s; struct S *p = &s; long a = 8; void *q = buf;
    buf[1] = 42; s.x = 0; s.data = (unsigned char *) buf;
    return ((struct R *)(p->data + a))->v - ((struct R *) q)->w + 42; }
"""


@pytest.mark.slow
def test_patched_mescc_selects_a_field_through_a_cast_sum(stage1_store: LocalStore,
                                                           tmp_path: Path) -> None:
    """Stock MesCC loads the pointer of ``((T *) E)->f`` from E's address: for ``p->data +
    a`` that is ``&p->data + a`` (tcc-boot crashed in squeeze_multi_relocs on every unit
    of tcc). sx's MesCC takes E's value; a cast of a variable still works."""
    compile_on_debian_mes(stage1_store, tmp_path, "c", CAST_OF_A_SUM)
    assert link_and_run(tmp_path, "c") == 42


ZERO_FILLED = """struct scope { struct scope *prev; struct { int loc, num; } vla;
               struct { long *s; int n; } cl; int *bsym; };
int dirty(void) { long d[8]; int i; for (i = 0; i < 8; i++) d[i] = -1; return d[3]; }
int fresh(void) { struct scope f = { 0 }; int a[5] = { 3 }; int set = 0;
    if (f.prev) set = set + 1; if (f.vla.loc) set = set + 2; if (f.vla.num) set = set + 4;
    if (f.cl.s) set = set + 8; if (f.cl.n) set = set + 16; if (f.bsym) set = set + 32;
    if (a[0] != 3 || a[1] || a[4]) set = set + 64;
    return set; }
int main() { dirty(); return 42 + fresh(); }
"""


@pytest.mark.slow
def test_patched_mescc_zeroes_members_an_initializer_leaves_out(stage1_store: LocalStore,
                                                                 tmp_path: Path) -> None:
    """C zeroes what a local's initializer list leaves out; stock MesCC stores 22 in left-out
    struct members, at most a word of a member that is a struct, and nothing in left-out
    array elements. tcc's ``struct scope f = { 0 }`` in gen_function then had ``cl.s ==
    22``: tcc-boot crashed on any backward goto (try_call_cleanup_goto), so on eight of
    tcc's units. sx's MesCC clears the local first (gcc: exit 42)."""
    compile_on_debian_mes(stage1_store, tmp_path, "z", ZERO_FILLED)
    assert link_and_run(tmp_path, "z") == 42


COND_UNDER_PRESSURE = """struct value { int r; unsigned long i; };
int got;
void g(int c) { got = c; }
int emit(struct value *v, int ll) { g(v->i & (ll ? 63 : 31)); return got; }
int main() { struct value v; v.i = 3; return emit(&v, 0) * 10 + emit(&v, 1) + 9; }
"""


@pytest.mark.slow
def test_patched_mescc_keeps_a_conditional_value_when_registers_run_out(
        stage1_store: LocalStore, tmp_path: Path) -> None:
    """With both of MesCC's x86_64 registers taken, a ``?:`` spills one; stock MesCC then
    freed each branch's register with a pop that overwrote the branch's value, so ``x &
    (ll ? 63 : 31)`` came out 0 or x. That is tcc's shift count in gen_opi: tcc-boot
    compiled ``a * 2`` as ``shl $0``. sx's MesCC keeps the value (gcc: exit 42)."""
    compile_on_debian_mes(stage1_store, tmp_path, "q", COND_UNDER_PRESSURE)
    assert link_and_run(tmp_path, "q") == 42


VA_AFTER_INT = """#include <stdarg.h>
int third(int a, ...) { va_list ap; va_start(ap, a); int m = va_arg(ap, int); va_end(ap);
                        return m; }
int fourth(char c, int b, ...) { va_list ap; va_start(ap, b); long m = va_arg(ap, long);
                                 va_end(ap); return m; }
int main() { return third(1, 33) + fourth('x', 2, 9L); }
"""


@pytest.mark.slow
def test_mes_libc_va_arg_after_an_int_argument(stage1_store: LocalStore, tmp_path: Path) -> None:
    """MesCC gives each argument an 8-byte slot; mes's va_start stepped sizeof (int) past an
    int, so va_arg read half a slot (open's mode came out 0: tcc-boot wrote mode 000 files).
    With mes libc's flags and fixed stdarg.h, stock MesCC on Debian's mes gets 33 + 9."""
    (tmp_path / "va.c").write_text(VA_AFTER_INT)
    src = sources.mes_source()
    drv = mescc.driver("va.scm", [(str(tmp_path / "va.c"), mes_libc.flags())],
                       [src, mes_libc.include_tree()], includedir=mes_libc.include_tree().out)
    mes_on_host(stage1_store, drv, tmp_path)
    assert link_and_run(tmp_path, "va") == 42


def m1_functions(text: bytes) -> list[tuple[bytes, bytes]]:
    """MesCC's M1 text cut at each label that starts a line: (label, what follows it)."""
    parts = re.split(rb"^:([^\s]+)\n", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def test_mes_libc_file_list_is_configure_libs(stage1_store: LocalStore, tmp_path: Path) -> None:
    """The recipe's libc+tcc list is what mes's configure-lib.sh gives for x86_64 MesCC."""
    src = realized(stage1_store, sources.mes_source())
    (tmp_path / "config.sh").write_text("mes_cpu=x86_64\nmes_kernel=linux\ncompiler=mescc\n"
                                        "mes_libc=mes\n")
    p = run(["sh", "-c", f". {src}/build-aux/configure-lib.sh; echo $libc_tcc_SOURCES"],
            cwd=tmp_path)
    assert tuple(p.stdout.decode().split()) == mes_libc.LIBC_TCC


def test_crt1_from_the_seed_is_debians(stage1_store: LocalStore) -> None:
    """crt1.c compiled by MesCC on mes-m2 in the sandbox (about 8 s) is Debian's crt1.s."""
    out = realized(stage1_store, mes_libc.crt1()).read_bytes()
    assert debian_labels(out) == (DEBIAN_MES_LIB / "crt1.s").read_bytes()


@pytest.mark.bootstrap
@pytest.mark.timeout(3600)
def test_mes_libc_tcc_from_the_seed_is_debians(stage1_store: LocalStore) -> None:
    """All 137 files of libc+tcc, in batches (several minutes on 2 cores): Debian's
    libc+tcc.s byte for byte, but for the string labels' directory and the functions
    that call va_start, which mes-libc.patch fixes."""
    out = m1_functions(debian_labels(realized(stage1_store, mes_libc.libc_tcc()).read_bytes()))
    debian = m1_functions((DEBIAN_MES_LIB / "libc+tcc.s").read_bytes())
    assert [n for n, _ in out] == [n for n, _ in debian]
    differ = {n for (n, a), (_, b) in zip(out, debian, strict=True) if a != b}
    # open: its mode now arrives; the others (a pointer before "...") compute the same
    # address as before with other instructions
    assert differ == {b"open", b"printf", b"fprintf", b"sprintf", b"snprintf", b"sscanf"}


def test_each_patch_says_what_it_changes_and_why() -> None:
    for name in sorted(os.listdir(tcc_boot.HERE)):
        if name.endswith(".patch"):
            head = Path(tcc_boot.HERE, name).read_text(encoding="utf-8").split("\n--- ", 1)[0]
            assert head.startswith("sx: ") and len(head.splitlines()) >= 4, name
