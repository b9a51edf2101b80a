"""The pinned sources and seeds, as values (no network, no builds)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sx.derivations.bootstrap.toolchain import (
    binutils,
    chain,
    ddc,
    debian,
    gcc,
    musl,
    seeds,
    tcc,
)
from sx.derivations.model import BUILTIN_FETCHURL
from sx.derivations.registry import REGISTRY
from sx.store.errors import InvalidInput, NotFound
from sx.store.path import StorePath

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def all_files() -> list[debian.DebFile]:
    return [*debian.BINARY_PACKAGES.values(), debian.TCC_ORIG, debian.TCC_DEBIAN]


def test_every_file_is_pinned_by_sha256_and_blake3() -> None:
    for f in all_files():
        assert HEX64.match(f.sha256), f.package
        assert HEX64.match(f.b3), f.package
        assert f.size > 0
        # Only the main archive: mirror://debian does not reach debian-security.
        assert f.pool_path.startswith("pool/main/"), f.pool_path
        assert f.url == f"mirror://debian/{f.pool_path}"


def test_fetches_are_fixed_outputs_with_both_hashes() -> None:
    for name in debian.BINARY_PACKAGES:
        d = debian.deb(name)
        assert d.builder == BUILTIN_FETCHURL
        assert d.is_fixed_output
        algos = sorted(h.algo for h in d.outputs[0].hashes)
        assert algos == ["b3", "sha256"]
        assert d.env_dict["urls"].startswith("mirror://debian/pool/main/")
        assert d.meta_dict["binary-seed"] == "1"


def test_source_tarball_is_not_a_binary_seed() -> None:
    src = debian.tcc_source()
    assert "binary-seed" not in src.meta_dict
    assert src.env_dict["urls"].endswith(".orig.tar.bz2")


def test_seed_packages_are_all_pinned() -> None:
    for name, packages in seeds.SEED_PACKAGES.items():
        assert packages, name
        for p in packages:
            assert p in debian.BINARY_PACKAGES, (name, p)


def test_unknown_package_and_seed_are_refused() -> None:
    with pytest.raises(NotFound, match="not pinned"):
        debian.deb("no-such-package")
    with pytest.raises(NotFound, match="unknown"):
        seeds.seed("no-such-seed")
    with pytest.raises(NotFound, match="not a compiler seed"):
        tcc.tcc1("glibc")
    with pytest.raises(NotFound, match="self-builds start"):
        tcc.tcc_generation("gcc-12", 1)


def test_self_built_stages_do_not_depend_on_the_seed_by_name() -> None:
    # tcc-2's derivations differ per seed (their inputs differ), but they share
    # the store name, so identical bytes give one content-addressed path.
    names = {tcc.tcc_generation(s, 2).name for s in tcc.SEEDS}
    assert names == {"tcc"}
    drvs = {tcc.tcc_generation(s, 2).drv_path for s in tcc.SEEDS}
    assert len(drvs) == 4


def test_hex0_seed_builds_tcc_1_with_tcc_boots_fixpoint() -> None:
    from sx.derivations.bootstrap.stage1 import tcc_boot_self
    one = tcc.tcc1("hex0")
    fixpoint = tcc_boot_self.generation(tcc_boot_self.GENERATIONS)
    env = dict(one.env)
    assert (env["cc_kind"], env["compiler"]) == ("tcc-boot", fixpoint.out)
    assert fixpoint.drv_path in {d.drv_path for d, _ in one.input_drvs}
    assert ddc.DEFAULT_SEEDS[0] == "hex0"
    assert ddc.DEFAULT_SEEDS[1:] == seeds.COMPILER_SEEDS


def _seed_debs(store_root: Path, drv: object) -> set[str]:
    from sx.derivations.provenance import seeds_of
    from sx.store.local import LocalStore
    return {s.path.name for s in seeds_of(LocalStore(str(store_root)), drv)  # type: ignore[arg-type]
            if s.reason.startswith("binary seed")}


def test_hex0_route_rests_on_the_seed_alone_up_to_gcc(tmp_path: Path) -> None:
    """Every stage of the hex0 route (``bootstrap-hex0``) up to binutils and the GNU
    userland rests on the hex0 seed alone: no compiler seed, no glibc, and no binary
    shell (musl-1 and busybox-0 are built with no shell, every later script runs under
    busybox-0). gcc's stages add the g++-12 seed, the glibc that seed runs on, and
    busybox-static, which runs their scripts."""
    bb = debian.deb("busybox-static").name
    gxx = {debian.deb(p).name for p in (*seeds.SEED_PACKAGES[gcc.GCC_SEED],
                                        *seeds.SEED_PACKAGES["glibc"])}
    names = chain.HEX0.stage_names()
    assert "tcc" not in names and names[-1] == "gcc-hello"
    for name in names:
        want = {"hex0-seed"}
        if name.startswith("gcc") or name == "musl-gcc":
            want = {"hex0-seed", bb, *gxx}
        if name == "toolchain-seeds":
            want = {bb}
        for drv in getattr(chain.HEX0, name.replace("-", "_"))():
            assert _seed_debs(tmp_path / "root", drv) == want, name
    debian_route = _seed_debs(tmp_path / "root", tcc.tcc1("debian-tcc"))
    assert debian.deb("tcc").name in debian_route and "hex0-seed" not in debian_route


def test_routes_differ_only_in_what_starts_them() -> None:
    """The registry's chain is the Debian-tcc route; the hex0 route builds musl-1 and
    tcc-musl-1 with tcc-boot's fixpoint and has no glibc tcc stage."""
    from sx.derivations.bootstrap.stage1 import tcc_boot_self
    assert [d.drv_path for d in chain.DEBIAN.bootstrap()] == \
        [d.drv_path for d in chain.bootstrap()]
    assert chain.HEX0.toolchain_seeds() == [seeds.busybox()]
    fixpoint = tcc_boot_self.generation(tcc_boot_self.GENERATIONS)
    lib = musl.musl_lib(fixpoint, fixpoint.out)
    assert lib.drv_path in {d.drv_path for d, _ in musl.musl1("hex0").input_drvs}
    for drv in (lib, musl.tcc_musl_generation(1, "hex0")):
        assert fixpoint.drv_path in {d.drv_path for d, _ in drv.input_drvs}
    assert dict(musl.tcc_musl_generation(1, "hex0").env)["cc_kind"] == "tcc-boot-to-musl"
    # A musl-targeting tcc built by a static tcc does not take the glibc seed.
    glibc = seeds.seed("glibc").drv_path
    assert glibc not in {d.drv_path for d, _ in musl.tcc_musl_generation(2).input_drvs}
    assert glibc in {d.drv_path for d, _ in musl.tcc_musl_generation(1).input_drvs}


def test_ddc_target_checks() -> None:
    with pytest.raises(NotFound, match="unknown"):
        ddc.target_stages("no-such-target", ["gcc-12", "clang-14"])
    with pytest.raises(InvalidInput, match="two or more"):
        ddc.target_stages("tcc", ["gcc-12", "gcc-12"])
    with pytest.raises(NotFound, match="not a compiler seed"):
        ddc.target_stages("tcc", ["gcc-12", "busybox"])
    st = ddc.target_stages("tcc-fixpoint", ["gcc-12", "clang-14"])
    assert [n for n, _ in st["gcc-12"]] == ["tcc-1", "tcc-2", "tcc-3"]


def test_report_names_first_divergence_and_convergence() -> None:
    a = StorePath.parse("/sx/store/" + "a" * 32 + "-tcc")
    b = StorePath.parse("/sx/store/" + "b" * 32 + "-tcc")
    st = ddc.target_stages("tcc-fixpoint", ["gcc-12", "clang-14"])
    conv = ddc.compare("tcc-fixpoint", st, {"gcc-12": [a, a, a], "clang-14": [b, a, a]})
    assert conv.ok
    assert (conv.first_divergence, conv.converged_from) == ("tcc-1", "tcc-2")
    div = ddc.compare("tcc-fixpoint", st, {"gcc-12": [a, a, a], "clang-14": [a, b, b]})
    assert not div.ok
    assert (div.first_divergence, div.converged_from) == ("tcc-2", None)
    same = ddc.compare("tcc-fixpoint", st, {"gcc-12": [a, a, a], "clang-14": [a, a, a]})
    assert (same.first_divergence, same.converged_from) == (None, "tcc-1")


PATCHES = os.path.join(os.path.dirname(seeds.__file__), "patches")


def test_musl_source_is_upstreams_release_file() -> None:
    # The sha256 upstream's release file has (musl.libc.org, signed by 56BCDB593020450F).
    assert debian.MUSL_ORIG.sha256 == (
        "7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4")
    assert debian.MUSL_UPSTREAM_URL.endswith("/musl-1.2.3.tar.gz")
    for f in (debian.MUSL_ORIG, debian.BINUTILS_ORIG, debian.MAKE_ORIG):
        assert HEX64.match(f.sha256) and HEX64.match(f.b3), f.package
        assert "binary-seed" not in debian.fetch_file(f, binary_seed=False).meta_dict


def test_every_patch_explains_itself_before_the_diff() -> None:
    names = sorted(os.listdir(PATCHES))
    assert {n.split("-")[0] for n in names} == {"tcc", "musl"}
    for name in names:
        head = Path(PATCHES, name).read_text(encoding="utf-8").split("\n--- ", 1)[0]
        assert head.startswith("sx: ") and len(head.splitlines()) >= 4, name


def test_musl_stages_are_named_for_their_fixpoint() -> None:
    assert musl.musl1().name == musl.musl2().name == "musl"
    assert musl.tcc_musl_generation(1).name == "tcc-musl-1"
    assert {musl.tcc_musl_generation(n).name for n in (2, 3)} == {"tcc-musl"}
    assert musl.tcc_musl_generation(3).meta_dict["stage"] == "tcc-musl-3"
    with pytest.raises(NotFound, match="start at tcc-musl-1"):
        musl.tcc_musl_generation(0)


def test_bootstrap_stages_are_registry_names_in_build_order() -> None:
    names = [n for n, _ in chain.STAGES]
    assert all(n in REGISTRY for n in [*names, "bootstrap", "bootstrap-hex0"])
    # scripts/bootstrap.sh realizes the hex0 route's stages, in order.
    script = Path(__file__).parents[2].joinpath("scripts", "bootstrap.sh").read_text(
        encoding="utf-8")
    route = chain.HEX0.stage_names()
    positions = [script.index(f'"{n}|') for n in route]
    assert positions == sorted(positions)
    assert "busybox-0" in REGISTRY and "busybox-0" not in chain.DEBIAN.stage_names()
    hex0_only = [n for n in names if n != "tcc"]
    hex0_only.insert(hex0_only.index("musl") + 1, "busybox-0")
    assert '"tcc|' not in script and route == hex0_only
    drvs = chain.bootstrap()
    assert drvs[-1] == gcc.gcc_hello()
    assert len({d.drv_path for d in drvs}) == len(drvs)


def test_make_and_binutils_are_built_by_the_static_tcc_against_musl2() -> None:
    make, bu = binutils.gnu_make(), binutils.binutils()
    assert (make.name, bu.name) == ("make", "binutils")
    assert (make.meta_dict["stage"], bu.meta_dict["stage"]) == ("make", "binutils")
    for drv in (make, bu):
        assert drv.env_dict["tcc"] == musl.tcc_musl().out
        assert drv.env_dict["musl"] == musl.musl2().out
    assert bu.env_dict["make"] == make.out
    assert make.env_dict["src"] == debian.make_source().out
    assert bu.env_dict["src"] == debian.binutils_source().out
