"""The pinned sources and seeds, as values (no network, no builds)."""

from __future__ import annotations

import re

import pytest

from sx.derivations.bootstrap.toolchain import ddc, debian, seeds, tcc
from sx.derivations.model import BUILTIN_FETCHURL
from sx.store.errors import InvalidInput, NotFound

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
    names = {tcc.tcc_generation(s, 2).name for s in seeds.COMPILER_SEEDS}
    assert names == {"tcc"}
    drvs = {tcc.tcc_generation(s, 2).drv_path for s in seeds.COMPILER_SEEDS}
    assert len(drvs) == 3


def test_ddc_target_checks() -> None:
    with pytest.raises(NotFound, match="unknown"):
        ddc.target_stages("no-such-target", ["gcc-12", "clang-14"])
    with pytest.raises(InvalidInput, match="two or more"):
        ddc.target_stages("tcc", ["gcc-12", "gcc-12"])
    with pytest.raises(NotFound, match="not a compiler seed"):
        ddc.target_stages("tcc", ["gcc-12", "busybox"])
    st = ddc.target_stages("tcc-fixpoint", ["gcc-12", "clang-14"])
    assert [n for n, _ in st["gcc-12"]] == ["tcc-1", "tcc-2", "tcc-3"]
