"""The gcc stages as recipes: pins, seeds, inputs, and the checks in their scripts.

The gcc build itself takes about 20 minutes, too long for the test suite;
these tests look at the derivations without building gcc, and run the
checks of ``build-gcc-hello.sh`` and ``build-gcc-check.sh`` against
stand-in files and tools (made by busybox in a second).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sx.derivations.bootstrap.toolchain import binutils, debian, gcc, musl, seeds
from sx.derivations.build.errors import BuildError
from sx.derivations.build.logs import read_log
from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import Derivation, derivation
from sx.derivations.provenance import seeds_of
from sx.store.local import LocalStore
from toolchain_helpers import assert_wrong_pin_fails_first, build, seed_paths

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SOURCES = (debian.GCC_ORIG, debian.GMP_ORIG, debian.MPFR_ORIG, debian.MPC_ORIG)
CXX_PACKAGES = ("g++-12", "libstdc++-12-dev", "libstdc++6", "libgcc-s1")


def test_gxx_seed_is_the_gcc_seed_plus_gxx_all_pinned_binary_seeds() -> None:
    packages = seeds.SEED_PACKAGES["g++-12"]
    assert set(packages) == {*seeds.SEED_PACKAGES["gcc-12"], *CXX_PACKAGES}
    assert len(set(packages)) == len(packages)
    for p in packages:
        d = debian.deb(p)
        assert d.is_fixed_output and d.meta_dict["binary-seed"] == "1", p
    for p in CXX_PACKAGES:
        f = debian.BINARY_PACKAGES[p]
        assert f.pool_path.startswith("pool/main/g/gcc-12/"), p
        assert f.version == "12.2.0-14+deb12u1", p
    # The g++ seed is not one of the seeds that start the tcc chain.
    assert "g++-12" not in seeds.COMPILER_SEEDS
    assert seeds.seed("g++-12").meta_dict["seed"] == "g++-12"


def test_sources_are_pinned_and_are_not_binary_seeds() -> None:
    fetches = (debian.gcc_source(), debian.gmp_source(), debian.mpfr_source(),
               debian.mpc_source())
    for f, d in zip(SOURCES, fetches, strict=True):
        assert f.pool_path.startswith("pool/main/") and ".orig.tar." in f.pool_path
        assert len(f.sha256) == 64 and len(f.b3) == 64 and f.size > 0
        assert d.is_fixed_output
        assert sorted(h.algo for h in d.outputs[0].hashes) == ["b3", "sha256"]
        assert d.env_dict["urls"] == f.url
        assert "binary-seed" not in d.meta_dict
    assert debian.GCC_INNER.endswith("/gcc-12.2.0-dfsg.tar.xz")


def test_wrong_pinned_hash_fails_before_anything_is_built(tmp_path: Path) -> None:
    assert_wrong_pin_fails_first(LocalStore(str(tmp_path / "root")), debian.MPC_ORIG)


def test_gcc_is_built_by_the_gxx_seed_for_musl2_with_binutils() -> None:
    drv = gcc.gcc()
    env = drv.env_dict
    inputs = {d.drv_path for d, _ in drv.input_drvs}
    assert (drv.name, drv.meta_dict["stage"]) == ("gcc", "gcc")
    assert env["binutils"] == binutils.binutils().out
    assert env["musl"] == musl.musl2().out
    assert env["make"] == binutils.gnu_make().out
    assert env["seed"] == seeds.seed("g++-12").out
    assert env["glibc"] == seeds.seed("glibc").placeholder("dev")
    assert env["glibc_lib"] == seeds.seed("glibc").placeholder("lib")
    assert env["src"] == debian.gcc_source().out
    assert (env["gmp"], env["mpfr"], env["mpc"]) == (
        debian.gmp_source().out, debian.mpfr_source().out, debian.mpc_source().out)
    assert binutils.binutils().drv_path in inputs
    assert musl.musl2().drv_path in inputs


def test_later_stages_use_the_new_gcc() -> None:
    hello, libc = gcc.gcc_hello(), gcc.musl_gcc()
    assert (hello.name, hello.meta_dict["stage"]) == ("gcc-hello", "gcc-hello")
    assert (libc.name, libc.meta_dict["stage"]) == ("musl", "musl-gcc")
    for drv in (hello, libc):
        assert drv.env_dict["gcc"] == gcc.gcc().out
        assert drv.env_dict["target"] == gcc.TARGET
    # gcc-hello links against musl-2 (gcc's sysroot, with tcc's runtime) and musl-gcc.
    assert hello.env_dict["musl"] == libc.out
    assert hello.env_dict["tcc"] == musl.tcc_musl().out
    assert libc.env_dict["src"] == debian.musl_source().out
    # The stock musl: not the tcc chain's build script or its patches.
    assert "patches" not in libc.env_dict
    assert libc.drv_path != musl.musl2().drv_path


def test_binary_seeds_of_the_gcc_stages(tmp_path: Path) -> None:
    # Nothing is realized: seeds_of lists the marked fetches of the graph.
    store = LocalStore(str(tmp_path / "root"))
    for drv in (gcc.gcc(), gcc.gcc_hello(), gcc.musl_gcc()):
        found = seeds_of(store, drv)
        marked = [s for s in found if s.reason.startswith("binary seed")]
        want = seed_paths("glibc", "g++-12", musl.DEFAULT_SEED)
        assert {str(s.path) for s in marked} == want, drv.meta_dict["stage"]
        assert all(s.reason == "binary seed (not realized)" for s in marked)
        # The source trees the seed's tools and musl are unpacked from: unknown until
        # realized (a realized tree is scanned; see test_musl_chain.py).
        assert {(s.path.name, s.reason) for s in found if s not in marked} == {
            (f"{name}-src.drv", "output of builtin:unpack not realized: contents unknown")
            for name in ("M2libc", "mescc-tools", "musl")}
    # Without the g++ seed, the chain below gcc rests on Debian's tcc alone.
    below = {str(s.path) for s in seeds_of(store, binutils.binutils())}
    gxx_only = {str(fixed_output_path(debian.deb(p))) for p in CXX_PACKAGES}
    assert below.isdisjoint(gxx_only)


# Stand-ins for the gcc and binutils stages: a "compiler" that writes a
# script as its output program, and a readelf that may report an interpreter.
FAKE_TOOLS = r"""
set -e
mkdir -p $out/bin
cat > $out/bin/x86_64-linux-musl-gcc <<EOF
#!$bb sh
while [ \$# -gt 0 ]; do [ "\$1" = -o ] && o=\$2; shift; done
printf '#!%s sh\\necho %s\\n' '$bb' '$said' > "\$o"
chmod 755 "\$o"
EOF
cat > $out/bin/readelf <<EOF
#!$bb sh
[ -n "$interp" ] && echo "  INTERP 0x0"
exit 0
EOF
chmod 755 $out/bin/*
"""


def fake_tools(said: str, interp: bool) -> Derivation:
    env = {"bb": seeds.busybox_bin(), "said": said, "interp": "1" if interp else ""}
    tools = derivation("fake-gcc", seeds.busybox_bin(), args=["sh", "-c", FAKE_TOOLS],
                       env=env, inputs=[seeds.busybox()])
    hello = gcc.gcc_hello()
    return derivation("gcc-hello", seeds.busybox_bin(), args=hello.args,
                      env={**hello.env_dict, "gcc": tools.out, "binutils": tools.out,
                           "tcc": tools.out, "musl": tools.out},
                      inputs=[seeds.busybox(), tools], srcs=list(hello.input_srcs))


def log_of(store: LocalStore, drv: Derivation) -> str:
    return (read_log(store.logs, drv.drv_path) or b"").decode(errors="replace")


def test_gcc_hello_checks_what_the_program_prints(tstore: LocalStore) -> None:
    store = tstore
    good = fake_tools("hello from gcc 42 6.250 262013", interp=False)
    [out] = build(store, [good])
    assert Path(store.real_path(out), "output.txt").read_text() == (
        "hello from gcc 42 6.250 262013\n")
    assert {p.name for p in Path(store.real_path(out), "bin").iterdir()} == {
        "hello", "hello-musl"}
    wrong = fake_tools("hello from tcc", interp=False)
    with pytest.raises(BuildError):
        build(store, [wrong])
    assert store.derivation_outputs(wrong.drv_path) == {}
    assert "hello printed: hello from tcc" in log_of(store, wrong)


def test_gcc_hello_refuses_a_program_with_an_interpreter(tstore: LocalStore) -> None:
    store = tstore
    dynamic = fake_tools("hello from gcc 42 6.250 262013", interp=True)
    with pytest.raises(BuildError):
        build(store, [dynamic])
    assert store.derivation_outputs(dynamic.drv_path) == {}
    assert "hello has an ELF interpreter" in log_of(store, dynamic)


# A program-like file (text after a NUL byte) that names $named.
CHECK_RUN = r"""
set -e
mkdir -p $out/bin
printf '\177ELF\0\0prefix %s/lib\0' "$named" > $out/bin/prog
sh $check $out $forbidden
"""


def check_output(named: str) -> Derivation:
    check = seeds.script("build-gcc-check.sh")
    env = {"named": named, "forbidden": "/sx/store/" + "s" * 32 + "-g++-12-seed",
           "check": str(check)}
    return derivation("gcc-check", seeds.busybox_bin(), args=["sh", "-c", CHECK_RUN], env=env,
                      inputs=[seeds.busybox()], srcs=[check])


def test_gcc_output_check_refuses_a_seed_path(tstore: LocalStore) -> None:
    store = tstore
    [ok] = build(store, [check_output("/sx/store/" + "m" * 32 + "-musl")])
    assert Path(store.real_path(ok), "bin", "prog").exists()
    bad = check_output("/sx/store/" + "s" * 32 + "-g++-12-seed")
    with pytest.raises(BuildError):
        build(store, [bad])
    assert "bin/prog refers to /sx/store/sss" in log_of(store, bad)
