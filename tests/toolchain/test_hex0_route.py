"""The toolchain from the hex0 seed, in the real sandbox, in the session's toolchain store.

The route (``chain.HEX0``, registry name ``bootstrap-hex0``) compiles tcc
with MesCC on the seed-built mes and rebuilds it to a fixpoint (about 12
minutes on two cores from an empty store: most of the time ``make test``
spends here), then builds musl and the static tcc with that fixpoint
instead of a binary compiler seed. The tests check that it reaches the
registry chain's store paths and rests on no compiler seed and no glibc
(``test_tcc_chain.py`` checks that the four seeds of ``sx ddc tcc``
converge, in the same store). gcc's stage (15 minutes) is left to ``make
bootstrap``: its inputs are the paths checked here.
"""

from __future__ import annotations

import pytest
from sx.derivations.bootstrap.toolchain import binutils, chain, debian, musl
from sx.derivations.model import Derivation
from sx.derivations.provenance import report_of
from sx.store.local import LocalStore
from sx.store.path import StorePath
from toolchain_helpers import assert_rests_on_the_seed, build

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.timeout(3600)]

STAGES = ("musl", "tcc_musl", "tcc_musl_fixpoint", "musl_2", "make", "binutils")
"""The route's stages checked here, as ``chain.Route`` methods (up to binutils)."""


def _stages(route: chain.Route) -> list[Derivation]:
    """The derivations of ``STAGES`` on ``route``, in order."""
    return [d for s in STAGES for d in getattr(route, s)()]


@pytest.fixture(scope="module")
def route(tstore: LocalStore) -> dict[str, list[StorePath]]:
    """Each stage's ``out`` paths on the hex0 route and on the registry's route."""
    hex0, reg = _stages(chain.HEX0), _stages(chain.DEBIAN)
    paths = build(tstore, [*hex0, *reg])
    return {"hex0": paths[:len(hex0)], "debian": paths[len(hex0):]}


def test_hex0_route_reaches_the_registry_chains_paths(route: dict[str, list[StorePath]]
                                                      ) -> None:
    """musl-1 and tcc-musl-1, built by tcc's fixpoint, are the bytes tcc-2 builds; so is
    every later stage."""
    assert route["hex0"] == route["debian"]
    hex0_drvs = [d.drv_path for d in _stages(chain.HEX0)]
    reg_drvs = [d.drv_path for d in _stages(chain.DEBIAN)]
    assert hex0_drvs[0] != reg_drvs[0]


def test_hex0_route_rests_on_the_seed_and_nyacc(
        tstore: LocalStore, route: dict[str, list[StorePath]]) -> None:
    """Realized, what binutils on the hex0 route rests on: the hex0 seed and nyacc's
    package (MesCC's parser, Debian's binary package); no busybox-static, as every
    script ran under busybox-0 (whose source provenance lists for its test data)."""
    for drv in (musl.musl2("hex0"), binutils.binutils("hex0")):
        assert_rests_on_the_seed(tstore, drv)
    reg = report_of(tstore, binutils.binutils())
    assert debian.deb("tcc").name in {b.path.name for b in reg.binaries}

