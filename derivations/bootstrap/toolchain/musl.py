"""musl 1.2.3 built by tcc, and a static tcc against it that rebuilds itself.

* ``musl`` (stage musl-1): built by the self-built glibc tcc (tcc-2).
* ``tcc-musl-1``: tcc built by tcc-2, against musl-1, linked statically.
* ``tcc-musl`` (stages tcc-musl-2, tcc-musl-3, ...): tcc built by the previous
  stage. They share one store name, so a generation that reproduces its
  compiler lands on the compiler's own path: tcc-musl-2 is the fixpoint.
* ``musl`` (stage musl-2): musl rebuilt by the static tcc.

From the hex0 seed, musl-1 and tcc-musl-1 are built by tcc-boot's fixpoint
(a static tcc against mes libc) instead of tcc-2, which runs on the glibc
seed: that route needs no glibc, and as the fixpoint compiles musl to the
same bytes as tcc-2, it reaches the same musl-1 and, from tcc-musl-2 on,
the same store paths.

The static tcc is configured against musl-1 (its include, crt and library
paths name it); musl-2 is the same library rebuilt by the chain's own
compiler, and what later stages would link once the chain is rebased on it.
tcc and musl need small patches to get along: ``patches/tcc-*.patch`` and
``patches/musl-*.patch``, each explaining itself in its header.
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.toolchain.debian import musl_source
from sx.derivations.bootstrap.toolchain.seeds import busybox, busybox_bin, script
from sx.derivations.bootstrap.toolchain.tcc import HEX0, SELF, build_tcc, seed_compiler, tcc
from sx.derivations.model import Derivation, derivation
from sx.store.errors import NotFound

DEFAULT_SEED = "debian-tcc"
"""The seed that starts the chain below tcc-2 (every seed gives the same tcc-2)."""


def build_musl(compiler: Derivation, stage: str, program: bool = False) -> Derivation:
    """musl built by ``compiler``, see build-musl.sh: a tcc tree with ``bin/tcc``, or
    with ``program`` the compiler program itself (tcc-boot's fixpoint)."""
    build = script("build-musl.sh")
    patches = script("patches")
    src = musl_source()
    return derivation(
        "musl",
        busybox_bin(),
        args=["sh", str(build)],
        env={"src": src.out, "patches": str(patches), ("cc" if program else "tcc"): compiler.out,
             "busybox": busybox_bin()},
        inputs=[busybox(), src, compiler],
        srcs=[build, patches],
        meta={"stage": stage},
    )


@cache
def musl1(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage musl-1: musl built by the self-built glibc tcc (from the hex0 seed: by
    tcc-boot's fixpoint, so that no glibc is needed)."""
    if seed_name == HEX0:
        return build_musl(seed_compiler(HEX0), "musl-1", program=True)
    return build_musl(tcc(seed_name), "musl-1")


@cache
def tcc_musl_generation(n: int, seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage tcc-musl-``n``: static tcc against musl-1; 1 is built by tcc-2."""
    if n < 1:
        raise NotFound(f"find stage tcc-musl-{n}: stages start at tcc-musl-1")
    libc = musl1(seed_name)
    if n == 1 and seed_name == HEX0:
        return build_tcc("tcc-musl-1", seed_compiler(HEX0), "tcc-boot-to-musl", "tcc-musl-1",
                         musl=libc)
    if n == 1:
        return build_tcc("tcc-musl-1", tcc(seed_name), "tcc-to-musl", "tcc-musl-1", musl=libc)
    prev = tcc_musl_generation(n - 1, seed_name)
    return build_tcc("tcc-musl", prev, SELF, f"tcc-musl-{n}", musl=libc)


def tcc_musl(seed_name: str = DEFAULT_SEED) -> Derivation:
    """The static, self-built tcc against musl (stage tcc-musl-2: the fixpoint)."""
    return tcc_musl_generation(2, seed_name)


def tcc_musl_fixpoint() -> list[Derivation]:
    """tcc-musl-2 and tcc-musl-3: realized together they name one store path."""
    return [tcc_musl_generation(2), tcc_musl_generation(3)]


@cache
def musl2(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage musl-2: musl rebuilt by the static tcc."""
    return build_musl(tcc_musl(seed_name), "musl-2")


def musl() -> Derivation:
    """musl 1.2.3 built by tcc (stage musl-1)."""
    return musl1()
