"""GNU make and binutils 2.40, built by the static tcc inside the sandbox.

* ``make`` (stage make): GNU make 4.3 from Debian's make-dfsg source. That
  tarball has no configure script and nothing can run a Makefile yet, so
  ``build-make.sh`` compiles it in one tcc command with a hand-written
  ``make-config.h``.
* ``binutils`` (stage binutils): binutils 2.40 (as, ld, ar, nm, objdump...),
  configured and built by its own configure script and Makefiles, run by
  busybox's shell and the make stage.

Both are compiled by the static, self-built tcc (tcc-musl-2) and link
musl-2's ``libc.a`` (the musl rebuilt by that tcc): static programs that
refer to no store path. ``gnu-env.sh`` gives the configure scripts and
Makefiles a tool directory (the sandbox has no ``/bin/sh``).
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.toolchain.debian import binutils_source, make_source
from sx.derivations.bootstrap.toolchain.musl import DEFAULT_SEED, musl2, tcc_musl
from sx.derivations.bootstrap.toolchain.seeds import script, shell, shell_bin
from sx.derivations.model import Derivation, derivation


def _toolchain_env(seed_name: str) -> dict[str, str]:
    """What ``gnu-env.sh`` needs: busybox, the static tcc and the musl to link."""
    return {"busybox": shell_bin(seed_name), "tcc": tcc_musl(seed_name).out,
            "musl": musl2(seed_name).out}


@cache
def gnu_make(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage make: GNU make 4.3 compiled by the static tcc (no configure, no make)."""
    build, env_sh, config = script("build-make.sh"), script("gnu-env.sh"), script("make-config.h")
    src = make_source()
    env = {**_toolchain_env(seed_name), "src": src.out, "env": str(env_sh),
           "config": str(config)}
    return derivation(
        "make",
        shell_bin(seed_name),
        args=["sh", str(build)],
        env=env,
        inputs=[shell(seed_name), src, tcc_musl(seed_name), musl2(seed_name)],
        srcs=[build, env_sh, config],
        meta={"stage": "make"},
    )


@cache
def binutils(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage binutils: binutils 2.40 built by make, busybox and the static tcc."""
    build, env_sh = script("build-binutils.sh"), script("gnu-env.sh")
    src, make = binutils_source(), gnu_make(seed_name)
    env = {**_toolchain_env(seed_name), "src": src.out, "env": str(env_sh), "make": make.out}
    return derivation(
        "binutils",
        shell_bin(seed_name),
        args=["sh", str(build)],
        env=env,
        inputs=[shell(seed_name), src, make, tcc_musl(seed_name), musl2(seed_name)],
        srcs=[build, env_sh],
        meta={"stage": "binutils"},
    )
