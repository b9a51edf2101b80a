"""GNU userland from source: tar, sed, gzip, xz, bash and coreutils, built by the static tcc.

Each package is one stage, built by ``build-gnu.sh`` from Debian bookworm's
orig tarball: its own configure script and Makefiles, run by busybox's shell
(``gnu-env.sh``) and the make stage, compiled by the static, self-built tcc
(tcc-musl-2) and linked against musl-2's ``libc.a``. The programs are static
and refer to no store path.

* ``tar`` (stage tar): GNU tar 1.34. Built first: busybox's tar cannot read
  the v7-format archives automake writes (sed, gzip, xz and coreutils ship
  them), so this stage unpacks every later package.
* ``sed`` (4.9), ``gzip`` (1.12), ``xz`` (XZ Utils 5.4.1), ``bash``
  (5.2.15) and ``coreutils`` (9.1): one stage each, in that order.

Only what tcc and the sandbox need differs from a default configure; each
difference is explained where it is set (here for package flags,
``build-gnu.sh`` for the common ones and for source fixes). Debian's own
patches are not applied.

In the sandbox, which has no ``/bin/sh``: tar's ``-z``/``-J`` start the
compressor through ``/bin/sh -c`` (pipe through gzip or xz instead), and
the installed scripts (gunzip, zcat, xzgrep...) say ``#!/bin/sh``.
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.toolchain.binutils import gnu_make
from sx.derivations.bootstrap.toolchain.debian import (
    bash_source,
    coreutils_source,
    gzip_source,
    sed_source,
    tar_source,
    xz_source,
)
from sx.derivations.bootstrap.toolchain.musl import DEFAULT_SEED, musl2, tcc_musl
from sx.derivations.bootstrap.toolchain.seeds import script, shell, shell_bin
from sx.derivations.model import Derivation, derivation


def build_gnu(pname: str, src: Derivation, unpacked: str, flags: list[str],
              unpacker: Derivation | None, seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage ``pname``: ``src`` configured, built and installed by ``build-gnu.sh``.

    ``unpacked`` is the tarball's top directory, ``flags`` the package's own
    configure arguments, ``unpacker`` the tar stage that unpacks ``src``
    (None: busybox's tar, for the tar stage itself), ``seed_name`` the seed the
    static tcc and musl-2 come from.
    """
    build, env_sh = script("build-gnu.sh"), script("gnu-env.sh")
    make, compiler, libc = gnu_make(seed_name), tcc_musl(seed_name), musl2(seed_name)
    env = {
        "busybox": shell_bin(seed_name), "tcc": compiler.out, "musl": libc.out, "make": make.out,
        "env": str(env_sh), "src": src.out, "unpacked": unpacked, "pname": pname,
        "flags": " ".join(flags), "gnutar": unpacker.out if unpacker else "",
    }
    inputs = [shell(seed_name), src, make, compiler, libc]
    if unpacker is not None:
        inputs.append(unpacker)
    return derivation(
        pname,
        shell_bin(seed_name),
        args=["sh", str(build)],
        env=env,
        inputs=inputs,
        srcs=[build, env_sh],
        meta={"stage": pname},
    )


@cache
def gnu_tar(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage tar: GNU tar 1.34, unpacked by busybox (Debian's repack is a ustar archive)."""
    # tar runs rmt for remote archives (HOST:FILE, over rsh, which does not
    # exist here); the default would be the rmt built into this output's
    # libexec/, a reference to its own store path. The conventional path is
    # named instead, and tar's copy of rmt is not built.
    return build_gnu("tar", tar_source(), "tar-1.34+dfsg", ["--with-rmt=/usr/sbin/rmt"], None,
                     seed_name)


@cache
def gnu_sed(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage sed: GNU sed 4.9."""
    return build_gnu("sed", sed_source(), "sed-4.9", [], gnu_tar(seed_name),
                     seed_name)


@cache
def gzip(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage gzip: gzip 1.12 (with a fix for a tcc bug, see build-gnu.sh)."""
    # zgrep runs the grep configure finds, by its full path: that would be
    # the build's busybox link (/build/bin/grep). Run grep from PATH.
    return build_gnu("gzip", gzip_source(), "gzip-1.12", ["GREP=grep"], gnu_tar(seed_name),
                     seed_name)


@cache
def xz(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage xz: XZ Utils 5.4.1 (xz, xzdec, lzmainfo, liblzma.a)."""
    # libtool would also build liblzma.so: nothing here links dynamically.
    return build_gnu("xz", xz_source(), "xz-5.4.1", ["--disable-shared"], gnu_tar(seed_name),
                     seed_name)


@cache
def bash(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage bash: bash 5.2.15."""
    flags = [
        # bash's own malloc grows the heap with sbrk, which musl refuses
        # (it only answers sbrk(0)); musl's malloc is used instead.
        "--without-bash-malloc",
        # bash 5.2's configure adds its replacement strtoimax exactly when
        # the C library's is usable (an inverted test); musl's libc.a then
        # defines it a second time and the static link fails.
        "bash_cv_func_strtoimax=no",
        # `bash --debugger` sources bashdb's start file; the default is under
        # this output (a reference to its own store path), and bashdb is not
        # built here. The conventional path is named instead.
        "DEBUGGER_START_FILE=/usr/share/bashdb/bashdb-main.inc",
        # musl's dlopen is a stub that always fails in a static program, so
        # `enable -f` (loadable builtins) cannot work; with dlopen found,
        # `make install` also tries to link the example loadables as shared
        # objects, which fails (bash's Makefile ignores it).
        "ac_cv_func_dlopen=no",
    ]
    return build_gnu("bash", bash_source(), "bash-5.2.15", flags, gnu_tar(seed_name),
                     seed_name)


@cache
def coreutils(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage coreutils: GNU coreutils 9.1, every program but stdbuf."""
    # stdbuf works by preloading src/libstdbuf.so into the program it runs:
    # nothing to preload into static programs (and tcc's link of that
    # shared object fails on gnulib's rpl_free).
    flags = ["--enable-no-install-program=stdbuf"]
    return build_gnu("coreutils", coreutils_source(), "coreutils-9.1", flags, gnu_tar(seed_name),
                     seed_name)


def userland(seed_name: str = DEFAULT_SEED) -> list[Derivation]:
    """Every userland stage, in build order."""
    return [f(seed_name) for f in (gnu_tar, gnu_sed, gzip, xz, bash, coreutils)]
