"""Binary seeds: trees unpacked from pinned Debian binary packages.

Until stage0 reaches a C compiler, the toolchain chain starts from compilers
built by Debian. Each seed is a content-addressed tree unpacked (by the
busybox seed, in the sandbox) from ``.deb`` files that are fixed-output
fetches marked ``binary-seed = "1"``, so ``sx provenance`` lists them.

* ``busybox``: busybox-static, unpacked by sx's built-in unpacker. Its shell
  and applets run every build script of the chain.
* ``glibc``: libc6, libc6-dev and linux-libc-dev. The one C library every
  variant targets, and the loader that starts every dynamically linked seed
  (the sandbox has no ``/lib64``). Three outputs (``split-glibc.sh``):
  ``lib`` (what programs load: the loader and the shared libraries),
  ``dev`` (headers, crt objects, static libraries: a sysroot whose ``lib``
  links to the ``lib`` output) and ``out`` (the rest of libc6). A program
  linked against glibc refers to ``lib`` alone.
* ``debian-tcc``, ``gcc-12``, ``clang-14``: the three compilers whose
  agreement diverse double-compiling checks. They share no compiler code;
  clang links with lld, so it shares no linker with gcc either (both do use
  GCC's crt objects and libgcc from libgcc-12-dev).
* ``g++-12``: the gcc-12 seed's packages plus g++-12 and libstdc++ (headers,
  ``libstdc++.a``). GCC is written in C++ since 4.8, so no compiler built
  from source so far can build it; this seed compiles the gcc stage.
"""

from __future__ import annotations

import os
from functools import cache

from sx.derivations.bootstrap.toolchain.debian import deb
from sx.derivations.model import BUILTIN_UNPACK, Derivation, Source, derivation
from sx.store.errors import NotFound

HERE = os.path.dirname(os.path.abspath(__file__))

SEED_PACKAGES: dict[str, tuple[str, ...]] = {
    "glibc": ("libc6", "libc6-dev", "linux-libc-dev"),
    "debian-tcc": ("tcc",),
    "gcc-12": (
        "gcc-12", "cpp-12", "libgcc-12-dev", "binutils", "binutils-x86-64-linux-gnu",
        "libbinutils", "libctf0", "libctf-nobfd0", "libjansson4", "libisl23", "libmpc3",
        "libmpfr6", "libgmp10", "libzstd1", "zlib1g",
    ),
    "g++-12": (
        "gcc-12", "cpp-12", "libgcc-12-dev", "binutils", "binutils-x86-64-linux-gnu",
        "libbinutils", "libctf0", "libctf-nobfd0", "libjansson4", "libisl23", "libmpc3",
        "libmpfr6", "libgmp10", "libzstd1", "zlib1g",
        "g++-12", "libstdc++-12-dev", "libstdc++6", "libgcc-s1",
    ),
    "clang-14": (
        "clang-14", "libclang-cpp14", "libllvm14", "libclang-common-14-dev", "lld-14",
        "libgcc-12-dev", "libstdc++6", "libgcc-s1", "libffi8", "libedit2", "libz3-4",
        "libxml2", "libicu72", "libtinfo6", "libbsd0", "libmd0", "liblzma5", "zlib1g",
        "libzstd1",
    ),
}
"""Which pinned packages make up each seed tree (unpacked in this order)."""

COMPILER_SEEDS = ("debian-tcc", "gcc-12", "clang-14")
"""The seeds that can start the tcc chain (the names ``sx ddc --seed`` takes)."""


def script(name: str) -> Source:
    """A build script shipped next to these recipes."""
    return Source(os.path.join(HERE, name))


@cache
def busybox() -> Derivation:
    """busybox-static, unpacked by the built-in unpacker (it has no shell to use yet)."""
    bb = deb("busybox-static")
    return derivation("busybox-seed", BUILTIN_UNPACK, env={"src": bb.out}, inputs=[bb],
                      system="builtin", meta={"seed": "busybox"})


def busybox_bin() -> str:
    """Placeholder of the busybox binary (a multi-call binary: ``busybox sh ...``)."""
    return busybox().out + "/bin/busybox"


HEX0 = "hex0"
"""The seed name of the route from the hex0 seed."""


def shell(seed_name: str) -> Derivation:
    """The busybox tree the build scripts of ``seed_name``'s route run under: on the hex0
    route busybox-0 (built from source with no shell), on the others busybox-static."""
    if seed_name != HEX0:
        return busybox()
    # busybox-0 is built with the toolchain's musl and tcc recipes, which import this one.
    from sx.derivations.bootstrap.toolchain.busybox import busybox0
    return busybox0()


def shell_bin(seed_name: str) -> str:
    """Placeholder of :func:`shell`'s busybox binary (both trees have ``bin/busybox``)."""
    return shell(seed_name).out + "/bin/busybox"


GLIBC_OUTPUTS = ("out", "lib", "dev")
"""The glibc seed's outputs (see split-glibc.sh)."""


@cache
def seed(name: str) -> Derivation:
    """The unpacked tree of seed ``name`` (see :data:`SEED_PACKAGES`)."""
    packages = SEED_PACKAGES.get(name)
    if packages is None:
        known = ", ".join(sorted(SEED_PACKAGES))
        raise NotFound(f"find seed {name}: unknown (known: {known})")
    debs = [deb(p) for p in packages]
    unpack = script("unpack-debs.sh")
    env = {"debs": " ".join(d.out for d in debs)}
    args, srcs = ["sh", str(unpack)], [unpack]
    outputs: tuple[str, ...] = ("out",)
    if name == "glibc":
        split = script("split-glibc.sh")
        args, srcs, outputs = ["sh", str(split)], [unpack, split], GLIBC_OUTPUTS
        env["unpack"] = str(unpack)
    return derivation(
        f"{name}-seed",
        busybox_bin(),
        args=args,
        env=env,
        inputs=[busybox(), *debs],
        srcs=srcs,
        outputs=outputs,
        meta={"seed": name},
    )


def glibc_inputs() -> tuple[Derivation, dict[str, str]]:
    """The glibc seed, and the environment naming its outputs for a build script.

    ``glibc`` is the ``dev`` output (a complete sysroot), ``glibc_lib`` the
    ``lib`` output (the loader and the libraries programs load).
    """
    glibc = seed("glibc")
    return glibc, {"glibc": glibc.placeholder("dev"), "glibc_lib": glibc.placeholder("lib")}
