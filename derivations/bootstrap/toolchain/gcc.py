"""gcc 12.2.0 (C) from Debian's source, seeded by the pinned g++, targeting musl.

* ``gcc`` (stage gcc): gcc built by the g++-12 seed from Debian's gcc-12
  source, with GMP, MPFR and MPC from their Debian source packages built
  in-tree. Its programs (driver, cc1, collect2, lto-wrapper) are linked
  statically against the glibc seed's ``libc.a`` and the seed's
  ``libstdc++.a``; the compiler targets ``x86_64-linux-musl``, with musl-2 as
  its sysroot and the binutils stage's ``as`` and ``ld``. libgcc is built
  for that target (static only).
* ``musl`` (stage musl-gcc): musl 1.2.3 rebuilt by the new gcc, from the
  stock source with musl's own configure and Makefile (none of the
  ``patches/musl-*`` that tcc needed), and complete: ``src/complex`` and the
  x86_64 assembly of ``src/math`` and ``src/fenv`` are in. It needs no C
  library to build, so it comes right after gcc.
* ``gcc-hello`` (stage gcc-hello): a C program compiled and linked by the new
  gcc, static, against musl-2 (with tcc's ``libtcc1.a``: musl-2's code calls
  tcc's ``__va_arg``) and against musl-gcc; the build runs both and checks
  what they print.

GCC is C++ since 4.8, so no compiler of this chain built from source can
build it; this is where the g++-12 seed enters, and ``sx provenance`` of the
gcc stage lists its packages next to busybox and glibc.
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.toolchain.binutils import binutils, gnu_make
from sx.derivations.bootstrap.toolchain.debian import (
    GCC_INNER,
    gcc_source,
    gmp_source,
    mpc_source,
    mpfr_source,
    musl_source,
)
from sx.derivations.bootstrap.toolchain.musl import DEFAULT_SEED, musl2, tcc_musl
from sx.derivations.bootstrap.toolchain.seeds import (
    busybox,
    busybox_bin,
    glibc_inputs,
    script,
    seed,
)
from sx.derivations.model import Derivation, derivation

TARGET = "x86_64-linux-musl"
"""The target triplet of the gcc stage (its programs are named ``TARGET-gcc``...)."""

GCC_SEED = "g++-12"
"""The seed that compiles the gcc stage (see seeds.SEED_PACKAGES)."""


@cache
def gcc(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage gcc: gcc 12.2.0 for C, built by the g++-12 seed, targeting musl-2."""
    build, check = script("build-gcc.sh"), script("build-gcc-check.sh")
    src, gmp, mpfr, mpc = gcc_source(), gmp_source(), mpfr_source(), mpc_source()
    cxx = seed(GCC_SEED)
    glibc, glibc_env = glibc_inputs()
    bu, make, libc = binutils(seed_name), gnu_make(seed_name), musl2(seed_name)
    env = {
        "src": src.out, "inner": GCC_INNER, "gmp": gmp.out, "mpfr": mpfr.out, "mpc": mpc.out,
        "seed": cxx.out, **glibc_env, "binutils": bu.out, "make": make.out,
        "musl": libc.out, "busybox": busybox_bin(), "check": str(check),
    }
    inputs = {d: d.output_names for d in (busybox(), src, gmp, mpfr, mpc, cxx, bu, make, libc)}
    inputs[glibc] = ("dev", "lib")
    return derivation(
        "gcc",
        busybox_bin(),
        args=["sh", str(build)],
        env=env,
        inputs=inputs,
        srcs=[build, check],
        meta={"stage": "gcc"},
    )


@cache
def musl_gcc(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage musl-gcc: musl 1.2.3 rebuilt by the new gcc with musl's own Makefile."""
    build = script("build-gcc-musl.sh")
    src, cc, bu, make = (musl_source(), gcc(seed_name), binutils(seed_name),
                         gnu_make(seed_name))
    return derivation(
        "musl",
        busybox_bin(),
        args=["sh", str(build)],
        env={"src": src.out, "gcc": cc.out, "binutils": bu.out, "make": make.out,
             "target": TARGET, "busybox": busybox_bin()},
        inputs=[busybox(), src, cc, bu, make],
        srcs=[build],
        meta={"stage": "musl-gcc"},
    )


@cache
def gcc_hello(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage gcc-hello: static C programs by the new gcc against musl-2 and musl-gcc, run."""
    build = script("build-gcc-hello.sh")
    cc, bu, tcc, libc = (gcc(seed_name), binutils(seed_name), tcc_musl(seed_name),
                         musl_gcc(seed_name))
    return derivation(
        "gcc-hello",
        busybox_bin(),
        args=["sh", str(build)],
        env={"gcc": cc.out, "binutils": bu.out, "tcc": tcc.out, "musl": libc.out,
             "target": TARGET},
        inputs=[busybox(), cc, bu, tcc, libc],
        srcs=[build],
        meta={"stage": "gcc-hello"},
    )
