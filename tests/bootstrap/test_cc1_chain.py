"""cc1 as sx derivations: it builds itself to a fixpoint in the sandbox.

``stage0-cc1`` starts from cc1 built by cc0 (from the hex0 seed).  The
self-hosting steps are also checked from a cc1 built by the host's gcc
(written into the test store, never part of any registry entry): the cc1
that cc1 builds must not depend on which compiler built the first one.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cc1_support import run
from sx.derivations.bootstrap.stage1 import cc1 as recipes
from sx.derivations.build.errors import BuildError
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation, Source
from sx.store.local import LocalStore
from sx.store.path import StorePath


def build(store: LocalStore, drvs: list[Derivation]) -> list[StorePath]:
    outcome = realize(store, drvs, BuildOptions(jobs=2))
    return [o["out"] for o in outcome.outputs]


def test_self_hosting_reaches_a_fixpoint(host_cc1: Derivation, stage1_store: LocalStore) -> None:
    """cc1 built by a cc1 builds itself to identical bytes, whatever built the first."""
    first = recipes.cc1_built_by(host_cc1)
    second = recipes.cc1_built_by(first)
    a, b = build(stage1_store, [first, second])
    assert a == b
    data = Path(stage1_store.real_path(a)).read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 1


def same_as_host(chain_cc1: Path, cc1_gcc: Path, m2libc: Path, work: Path) -> None:
    """``chain_cc1`` (built by cc1) and the gcc-built cc1 give the same M1 text, or the same
    error, for every corpus program on both targets: cc1's own code means the same under
    cc1's semantics (signed char, byte-counting pointer arithmetic) as under C's."""
    corpus = Path(__file__).parent / "cc1"
    cases = [(p, a) for p in sorted((corpus / "run").glob("*.c")) for a in ("x86", "amd64")]
    cases += [(p, "x86") for p in sorted((corpus / "errors").glob("*.c"))]
    for prog, arch in cases:
        args: list[str] = []
        for line in prog.read_text(errors="replace").splitlines()[:3]:
            if line.startswith("// args: "):
                args = line[len("// args: "):].split()
        files = [str(m2libc / p.format(arch=arch)) for p in recipes.M2LIBC_PROGRAM_FILES]
        if prog.parent.name == "errors":
            files = []
        results = []
        for exe in (chain_cc1, cc1_gcc):
            out = work / "out.M1"
            p = run([str(exe), "--arch", arch, *args, "-o", str(out), *files,
                     str(corpus / "tlib.c"), str(prog)], check=False)
            results.append((p.returncode, p.stderr, out.read_bytes() if out.exists() else b""))
            if out.exists():
                out.unlink()
        assert results[0] == results[1], (prog.name, arch)


def test_cc1_from_the_chain_compiles_like_the_host_build(
        host_cc1: Derivation, stage1_store: LocalStore, cc1_gcc: Path, m2libc_dir: Path,
        tmp_path: Path) -> None:
    """The sandbox-built cc1 gives the same M1 text as the gcc-built one on the corpus."""
    [chain_cc1] = build(stage1_store, [recipes.cc1_built_by(host_cc1)])
    same_as_host(Path(stage1_store.real_path(chain_cc1)), cc1_gcc, m2libc_dir, tmp_path)


def test_compile_error_fails_the_build(host_cc1: Derivation, stage1_store: LocalStore,
                                       tmp_path: Path) -> None:
    """A C error fails the derivation; nothing is registered for it or what follows."""
    bad = tmp_path / "bad.c"
    bad.write_text("int main() { return missing; }\n")
    m1 = recipes.compile_c("bad.M1", host_cc1, [Source(str(bad), "bad.c")])
    linked = recipes.link_x86("bad", m1)
    with pytest.raises(BuildError, match="bad"):
        build(stage1_store, [linked])
    assert stage1_store.derivation_outputs(m1.drv_path) == {}
    assert stage1_store.derivation_outputs(linked.drv_path) == {}


def test_stage0_cc1_from_the_seed(stage1_store: LocalStore, cc1_gcc: Path, m2libc_dir: Path,
                                  tmp_path: Path) -> None:
    """stage0-cc1: cc0 builds cc1, cc1 builds itself twice; the last two are the same path,
    and cc0's cc1 and the final one compile the corpus as the gcc-built cc1 does."""
    zero, first, final = build(stage1_store, [recipes.cc1_from_cc0(), recipes.cc1_first(),
                                              recipes.cc1()])
    assert first == final
    p = subprocess.run([stage1_store.real_path(final)], capture_output=True, check=False)
    assert p.returncode == 1 and p.stderr.startswith(b"usage: cc1")
    same_as_host(Path(stage1_store.real_path(zero)), cc1_gcc, m2libc_dir, tmp_path)
    same_as_host(Path(stage1_store.real_path(final)), cc1_gcc, m2libc_dir, tmp_path)
