"""tcc 0.9.27 (Debian's source) from a seed, then by itself.

* ``tcc-1``: built by a seed compiler: a binary seed (gcc-12, clang-14 or
  Debian's tcc) or, from the ``hex0`` seed, tcc-boot's self-built fixpoint
  (tcc compiled by MesCC on the seed-built mes, then by itself); its bytes
  depend on that seed.
* ``tcc``: built by ``tcc-1`` with the identical command, then by itself.
  Every self-built stage has the same store name, so a generation that
  reproduces its compiler's bytes lands on the compiler's own store path:
  the first self-build is the fixpoint, and it is one path whatever the seed.

What keeps the seed out of the self-built bytes: tcc embeds only its own
install directory and the pinned glibc's paths (``build-tcc.sh`` writes
them into ``config.h``), and the runtime library ``libtcc1.a`` is always
compiled by the tcc just built. Of glibc, the programs it links name only
the ``lib`` output (their interpreter and run path); tcc itself also names
``dev`` (headers, crt objects).
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.stage1 import tcc_boot_self
from sx.derivations.bootstrap.toolchain import seeds as seeds_module
from sx.derivations.bootstrap.toolchain.debian import tcc_source
from sx.derivations.bootstrap.toolchain.seeds import (
    COMPILER_SEEDS,
    busybox,
    glibc_inputs,
    script,
    seed,
)
from sx.derivations.model import Derivation, derivation
from sx.store.errors import NotFound

SELF = "tcc"
"""``cc_kind`` of a tcc built by these recipes (run with its configured paths)."""


HEX0 = seeds_module.HEX0
"""The seed name of the route from the hex0 seed (tcc-1 built by tcc-boot's fixpoint)."""

SEEDS = (HEX0, *COMPILER_SEEDS)
"""Every seed tcc-1 can be built from (the names ``sx ddc --seed`` takes)."""

CC_KIND = {HEX0: "tcc-boot", "debian-tcc": "debian-tcc", "gcc-12": "gcc", "clang-14": "clang"}
"""How build-tcc.sh drives each seed's compiler."""


GLIBC_RUN = ("tcc-to-musl",)
"""musl-targeting ``cc_kind``s whose compiler runs under the glibc seed's loader."""


def _kind(seed_name: str) -> str:
    kind = CC_KIND.get(seed_name)
    if kind is None:
        raise NotFound(f"find seed {seed_name}: not a compiler seed "
                       f"(known: {', '.join(SEEDS)})")
    return kind


def seed_compiler(seed_name: str) -> Derivation:
    """What builds tcc-1 from ``seed_name``: a binary seed's tree, or for ``hex0`` the
    last generation of tcc-boot rebuilding itself."""
    _kind(seed_name)
    if seed_name == HEX0:
        return tcc_boot_self.generation(tcc_boot_self.GENERATIONS)
    return seed(seed_name)


def build_tcc(name: str, compiler: Derivation, cc_kind: str, stage: str,
              musl: Derivation | None = None, shell: Derivation | None = None) -> Derivation:
    """tcc built by ``compiler`` (driven as ``cc_kind``, see build-tcc.sh).

    With ``musl``, the tcc built targets that musl (static, links statically);
    otherwise it targets the glibc seed. The glibc seed is an input only where
    it is used: as the target, or to run a compiler that is linked against it.
    ``shell``: the busybox tree build-tcc.sh runs under (default busybox-static).
    """
    shell = shell or busybox()
    bb = f"{shell.out}/bin/busybox"
    build = script("build-tcc.sh")
    patches = script("patches")
    src = tcc_source()
    env = {
        "src": src.out,
        "patches": str(patches),
        "cc_kind": cc_kind,
        "compiler": compiler.out,
        "busybox": bb,
    }
    inputs = {d: d.output_names for d in (shell, src, compiler)}
    if musl is None or cc_kind in GLIBC_RUN:
        glibc, glibc_env = glibc_inputs()
        env.update(glibc_env)
        inputs[glibc] = ("dev", "lib")
    if musl is not None:
        env["musl"] = musl.out
        inputs[musl] = musl.output_names
    return derivation(name, bb, args=["sh", str(build)], env=env,
                      inputs=inputs, srcs=[build, patches], meta={"stage": stage})


@cache
def tcc1(seed_name: str) -> Derivation:
    """Stage tcc-1: tcc built by the compiler seed ``seed_name``."""
    return build_tcc("tcc-1", seed_compiler(seed_name), _kind(seed_name), "tcc-1")


@cache
def tcc_generation(seed_name: str, n: int) -> Derivation:
    """Stage tcc-``n`` (n >= 2): tcc built by stage tcc-``n-1`` of the same seed."""
    if n < 2:
        raise NotFound(f"find stage tcc-{n}: self-builds start at tcc-2")
    prev = tcc1(seed_name) if n == 2 else tcc_generation(seed_name, n - 1)
    return build_tcc("tcc", prev, SELF, f"tcc-{n}")


def tcc_stages(seed_name: str, generations: int = 2) -> list[tuple[str, Derivation]]:
    """(stage, derivation) from tcc-1 through tcc-``generations``, started by ``seed_name``."""
    stages = [("tcc-1", tcc1(seed_name))]
    stages += [(f"tcc-{n}", tcc_generation(seed_name, n)) for n in range(2, generations + 1)]
    return stages


def tcc(seed_name: str = "debian-tcc") -> Derivation:
    """The self-built tcc (stage tcc-2): the same store path from every seed."""
    return tcc_generation(seed_name, 2)


def tcc_ddc() -> list[Derivation]:
    """tcc-2 from every compiler seed: realized together they name one store path."""
    return [tcc_generation(s, 2) for s in COMPILER_SEEDS]


def tcc1_all() -> list[Derivation]:
    """tcc-1 from every compiler seed (three different paths: each seed's own bytes)."""
    return [tcc1(s) for s in COMPILER_SEEDS]
