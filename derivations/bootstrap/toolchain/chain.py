"""The native toolchain chain in build order: what ``make bootstrap`` realizes.

Each stage is a registry name (``sx realize NAME``) standing for one or more
derivations; realizing them in this order builds each stage once, on top of
the ones before it.

The registry's stages start from Debian's tcc. The same chain from the hex0
seed is :data:`HEX0`, a :class:`Route` whose methods are the stages (``sx
realize sx.derivations.bootstrap.toolchain.chain:HEX0.musl``; registry name
``bootstrap-hex0`` for all of them). On it, tcc-boot's fixpoint (a static
tcc against mes libc) builds musl-1 and tcc-musl-1 in place of tcc-2, which
runs on the glibc seed, so the route needs neither a compiler seed nor
glibc. It needs no binary shell either: musl-1 and busybox-0 (busybox from
source) are built with no shell, by kaem, and every later build script up
to the GNU userland runs under busybox-0, so up to there the route rests on
the hex0 seed alone (gcc's stages, which take the g++-12 seed, run under
busybox-static). The fixpoint compiles musl and tcc to the bytes tcc-2
does, and busybox-0 runs the scripts as busybox-static does, so from musl-1
on both routes give the same store paths.
"""

from __future__ import annotations

from sx.derivations.bootstrap.toolchain.binutils import binutils, gnu_make
from sx.derivations.bootstrap.toolchain.busybox import busybox0
from sx.derivations.bootstrap.toolchain.gcc import gcc, gcc_hello, musl_gcc
from sx.derivations.bootstrap.toolchain.musl import (
    DEFAULT_SEED,
    musl1,
    musl2,
    tcc_musl_generation,
)
from sx.derivations.bootstrap.toolchain.seeds import busybox, seed
from sx.derivations.bootstrap.toolchain.tcc import HEX0 as HEX0_SEED
from sx.derivations.bootstrap.toolchain.tcc import tcc1, tcc_generation
from sx.derivations.bootstrap.toolchain.userland import (
    bash,
    coreutils,
    gnu_sed,
    gnu_tar,
    gzip,
    xz,
)
from sx.derivations.model import Derivation
from sx.store.errors import NotFound


def seeds() -> list[Derivation]:
    """The binary seed trees the chain starts from (busybox, glibc, Debian's tcc)."""
    return DEBIAN.toolchain_seeds()


def tcc_stage() -> list[Derivation]:
    """tcc-1 (built by Debian's tcc) and tcc-2 (built by tcc-1)."""
    return DEBIAN.tcc()


def tcc_musl_stage() -> list[Derivation]:
    """tcc-musl-1 (built by tcc-2 against musl) and tcc-musl-2 (built by tcc-musl-1)."""
    return DEBIAN.tcc_musl()


def fixpoint_stage() -> list[Derivation]:
    """tcc-musl-3: built by tcc-musl-2, the same store path when it is a fixpoint."""
    return DEBIAN.tcc_musl_fixpoint()


STAGES: tuple[tuple[str, str], ...] = (
    ("toolchain-seeds", "binary seeds: busybox, glibc, Debian's tcc"),
    ("tcc", "tcc-1 by Debian's tcc, tcc-2 by tcc-1"),
    ("musl", "musl 1.2.3 by tcc-2"),
    ("tcc-musl", "static tcc against musl: tcc-musl-1 by tcc-2, tcc-musl-2 by itself"),
    ("tcc-musl-fixpoint", "tcc-musl-3 by tcc-musl-2 (same path: the fixpoint)"),
    ("musl-2", "musl rebuilt by the static tcc"),
    ("make", "GNU make 4.3 by the static tcc (hand-written config.h)"),
    ("binutils", "binutils 2.40 by make, busybox and the static tcc"),
    ("tar", "GNU tar 1.34 by make, busybox and the static tcc (unpacks the later sources)"),
    ("sed", "GNU sed 4.9 by the static tcc"),
    ("gzip", "gzip 1.12 by the static tcc"),
    ("xz", "XZ Utils 5.4.1 by the static tcc"),
    ("bash", "bash 5.2.15 by the static tcc"),
    ("coreutils", "GNU coreutils 9.1 by the static tcc"),
    ("gcc", "gcc 12.2.0 (C) by the g++-12 seed, for musl-2 and binutils"),
    ("musl-gcc", "musl 1.2.3 rebuilt by gcc (stock source, musl's Makefile)"),
    ("gcc-hello", "static C programs by gcc against musl-2 and musl-gcc, run"),
)
"""(registry name, description) of each stage, in build order."""


def bootstrap() -> list[Derivation]:
    """Every derivation of the chain (realizing the last ones builds the rest)."""
    return DEBIAN.bootstrap()


class Route:
    """The chain's stages started from one seed: each method is a stage (the same
    name as the registry's, ``-`` written ``_``), realizable as ``module:HEX0.stage``."""

    def __init__(self, seed_name: str) -> None:
        self.seed = seed_name

    def stage_names(self) -> list[str]:
        """The route's stages in build order (the hex0 route has no glibc tcc stage, and
        builds busybox-0 after musl)."""
        names = [name for name, _ in STAGES]
        if self.seed != HEX0_SEED:
            return names
        names.insert(names.index("musl") + 1, "busybox-0")
        return [n for n in names if n != "tcc"]

    def toolchain_seeds(self) -> list[Derivation]:
        """The binary seed trees the route starts from (busybox; glibc and a compiler
        seed where tcc-1 is built by one). On the hex0 route, busybox-static runs gcc's
        stages only."""
        if self.seed == HEX0_SEED:
            return [busybox()]
        return [busybox(), seed("glibc"), seed(self.seed)]

    def tcc(self) -> list[Derivation]:
        """tcc-1 (built by the seed's compiler) and tcc-2 (built by tcc-1)."""
        return [tcc1(self.seed), tcc_generation(self.seed, 2)]

    def musl(self) -> list[Derivation]:
        """musl 1.2.3 by tcc-2 (on the hex0 route, by tcc-boot's fixpoint)."""
        return [musl1(self.seed)]

    def busybox_0(self) -> list[Derivation]:
        """busybox 1.35.0 from source by tcc-boot's fixpoint against musl-1, with no shell
        (the hex0 route only)."""
        if self.seed != HEX0_SEED:
            raise NotFound(f"find stage busybox-0 of the {self.seed} route: it is built on "
                           f"the {HEX0_SEED} route only")
        return [busybox0()]

    def tcc_musl(self) -> list[Derivation]:
        """Static tcc: tcc-musl-1 by tcc-2 (on the hex0 route, by tcc-boot's fixpoint),
        tcc-musl-2 by tcc-musl-1."""
        return [tcc_musl_generation(1, self.seed), tcc_musl_generation(2, self.seed)]

    def tcc_musl_fixpoint(self) -> list[Derivation]:
        """tcc-musl-3 by tcc-musl-2 (the same path: fixpoint)."""
        return [tcc_musl_generation(3, self.seed)]

    def musl_2(self) -> list[Derivation]:
        """musl rebuilt by the static tcc."""
        return [musl2(self.seed)]

    def make(self) -> list[Derivation]:
        """GNU make 4.3 by the static tcc."""
        return [gnu_make(self.seed)]

    def binutils(self) -> list[Derivation]:
        """binutils 2.40 by make, busybox and the static tcc."""
        return [binutils(self.seed)]

    def tar(self) -> list[Derivation]:
        """GNU tar 1.34 by the static tcc."""
        return [gnu_tar(self.seed)]

    def sed(self) -> list[Derivation]:
        """GNU sed 4.9 by the static tcc."""
        return [gnu_sed(self.seed)]

    def gzip(self) -> list[Derivation]:
        """gzip 1.12 by the static tcc."""
        return [gzip(self.seed)]

    def xz(self) -> list[Derivation]:
        """XZ Utils 5.4.1 by the static tcc."""
        return [xz(self.seed)]

    def bash(self) -> list[Derivation]:
        """bash 5.2.15 by the static tcc."""
        return [bash(self.seed)]

    def coreutils(self) -> list[Derivation]:
        """GNU coreutils 9.1 by the static tcc."""
        return [coreutils(self.seed)]

    def gcc(self) -> list[Derivation]:
        """gcc 12.2.0 (C) by the g++-12 seed."""
        return [gcc(self.seed)]

    def musl_gcc(self) -> list[Derivation]:
        """musl 1.2.3 rebuilt by gcc."""
        return [musl_gcc(self.seed)]

    def gcc_hello(self) -> list[Derivation]:
        """Static C programs by gcc against musl-2 and musl-gcc, run."""
        return [gcc_hello(self.seed)]

    def bootstrap(self) -> list[Derivation]:
        """Every derivation of the route, in build order."""
        return [d for name in self.stage_names() for d in getattr(self, name.replace("-", "_"))()]


DEBIAN = Route(DEFAULT_SEED)
"""The registry's chain: tcc-1 by Debian's tcc."""

HEX0 = Route(HEX0_SEED)
"""The chain from the hex0 seed: musl-1 and tcc-musl-1 by tcc-boot's fixpoint."""


def bootstrap_hex0() -> list[Derivation]:
    """The native toolchain chain from the hex0 seed: musl by tcc's fixpoint, no glibc."""
    return HEX0.bootstrap()
