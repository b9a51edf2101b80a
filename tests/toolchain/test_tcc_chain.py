"""tcc from three binary seeds, in the real sandbox, with Debian's real packages.

The session store (``tstore``) is shared: the seeds are fetched and unpacked
once, and every later realization of the same derivation is a lookup.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sx.cli.main import main
from sx.derivations.bootstrap.toolchain import debian, seeds, tcc
from sx.derivations.model import derivation
from sx.derivations.provenance import seeds_of
from sx.store.local import LocalStore
from toolchain_helpers import assert_wrong_pin_fails_first, build, seed_paths

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SEEDS = seeds.COMPILER_SEEDS


def test_ddc_three_seeds_converge_on_one_path(tstore: LocalStore) -> None:
    stages = {s: tcc.tcc_stages(s, 2) for s in SEEDS}
    out = build(tstore, [d for st in stages.values() for _, d in st])
    tcc1 = out[0::2]
    tcc2 = out[1::2]
    assert len(set(tcc1)) == 3, "each seed builds its own tcc-1"
    assert len(set(tcc2)) == 1, f"tcc-2 differs between seeds: {tcc2}"
    # The shared path is one object, and it knows a realisation per seed.
    path = tcc2[0]
    for s in SEEDS:
        drv = tcc.tcc_generation(s, 2)
        assert tstore.derivation_outputs(drv.drv_path) == {"out": path}


def test_first_self_build_is_a_fixpoint(tstore: LocalStore) -> None:
    out = build(tstore, [d for _, d in tcc.tcc_stages("debian-tcc", 3)])
    assert out[1] == out[2], "tcc built by the self-built tcc differs from it"


def test_self_built_tcc_compiles_and_runs_a_program(tstore: LocalStore) -> None:
    t = tcc.tcc()
    hello = '#include <stdio.h>\nint main(void) { printf("%d\\n", 6 * 7); return 0; }\n'
    script = 'printf "%s" "$hello" > hello.c && $tcc/bin/tcc -o hello hello.c && ./hello > $out'
    prog = derivation("tcc-hello", seeds.busybox_bin(), args=["sh", "-c", script],
                      env={"tcc": t.out, "hello": hello}, inputs=[seeds.busybox(), t])
    [path] = build(tstore, [prog])
    assert Path(tstore.real_path(path)).read_text() == "42\n"


def test_a_program_of_the_glibc_tcc_refers_to_glibc_lib_alone(tstore: LocalStore) -> None:
    t = tcc.tcc()
    hello = '#include <stdio.h>\nint main(void) { printf("%d\\n", 6 * 7); return 0; }\n'
    script = ('mkdir -p $out/bin && printf "%s" "$hello" > hello.c'
              ' && $tcc/bin/tcc -o $out/bin/hello hello.c && $out/bin/hello > /build/said'
              ' && test "$(cat /build/said)" = 42')
    prog = derivation("tcc-hello-closure", seeds.busybox_bin(), args=["sh", "-c", script],
                      env={"tcc": t.out, "hello": hello}, inputs=[seeds.busybox(), t])
    [path] = build(tstore, [prog])
    glibc = tstore.derivation_outputs(seeds.seed("glibc").drv_path)
    assert set(glibc) == {"out", "lib", "dev"}
    info = tstore.require(path)
    assert set(info.references) == {glibc["lib"]}
    closure = tstore.closure([path])
    assert closure == {path, glibc["lib"]}
    size = sum(tstore.require(p).nar_size for p in closure)
    assert size < 6_000_000, f"closure of a 4 KB program is {size} bytes"
    # The split is a sysroot again through dev: dev refers to lib, nothing else does.
    assert set(tstore.require(glibc["dev"]).references) == {glibc["lib"]}
    assert tstore.require(glibc["lib"]).references == ()
    assert tstore.require(glibc["out"]).references == ()
    dev = Path(tstore.real_path(glibc["dev"]))
    assert (dev / "usr/include/stdio.h").is_file() and (dev / "lib").is_symlink()
    lib = Path(tstore.real_path(glibc["lib"]))
    assert (lib / "lib/x86_64-linux-gnu/libc.so.6").is_file() and not (lib / "usr").exists()


@pytest.mark.timeout(3600)
def test_ddc_command_reports_convergence(tstore: LocalStore,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The default seeds: the hex0 seed (MesCC's tcc at its fixpoint builds tcc-1: about
    12 minutes from an empty store) and three binary seeds."""
    code = main(["--root", tstore.root, "ddc", "tcc", "-q", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["seeds"] == ["hex0", "debian-tcc", "gcc-12", "clang-14"]
    assert report["ok"] is True
    assert report["firstDivergence"] == "tcc-1"
    assert report["convergedFrom"] == "tcc-2"
    assert len(set(report["stages"][0]["paths"].values())) == 4
    assert len(set(report["stages"][1]["paths"].values())) == 1
    code = main(["--root", tstore.root, "ddc", "tcc", "-q", "--seed", "gcc-12",
                 "--seed", "clang-14"])
    out = capsys.readouterr().out
    assert code == 0
    assert "tcc-2: same path from all 2 seeds" in out


def test_ddc_command_errors(tstore: LocalStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", tstore.root, "ddc", "tcc", "--seed", "gcc-12"]) == 1
    assert "two or more distinct seeds" in capsys.readouterr().err
    assert main(["--root", tstore.root, "ddc", "nope", "--seed", "gcc-12",
                 "--seed", "clang-14"]) == 1
    assert "unknown" in capsys.readouterr().err
    assert main(["--root", tstore.root, "ddc", "tcc", "--seed", "gcc-12",
                 "--seed", "glibc"]) == 1
    assert "not a compiler seed" in capsys.readouterr().err


@pytest.mark.parametrize("seed_name", SEEDS)
def test_provenance_lists_exactly_the_binary_seeds(tstore: LocalStore, seed_name: str) -> None:
    build(tstore, [tcc.tcc_generation(seed_name, 2)])
    for drv in (tcc.tcc1(seed_name), tcc.tcc_generation(seed_name, 2)):
        found = seeds_of(tstore, drv)
        assert {str(s.path) for s in found} == seed_paths("glibc", seed_name, hex0=False)
        assert all(s.reason == "binary seed" and s.size > 0 for s in found)


def test_wrong_pinned_hash_fails_before_anything_is_built(tmp_path: Path) -> None:
    assert_wrong_pin_fails_first(LocalStore(str(tmp_path / "root")), debian.TCC_ORIG)


def test_chain_rebuilds_bit_identically_in_a_second_root(tstore: LocalStore,
                                                         tmp_path: Path) -> None:
    drvs = [d for _, d in tcc.tcc_stages("debian-tcc", 2)]
    first = build(tstore, drvs)
    other = LocalStore(str(tmp_path / "second"))
    second = build(other, drvs)
    assert first == second
    for p in first:
        a, b = tstore.require(p), other.require(p)
        assert (a.nar_hash, a.nar_size) == (b.nar_hash, b.nar_size)
