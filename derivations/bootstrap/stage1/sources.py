"""Pinned Debian files for stage1: the sources cc1 compiles and the oracles its tests use.

Sources (fetched at build time, never vendored):

- ``mescc-tools 1.4.0-1``: the orig tarball (M1, hex2, blood-elf, kaem in C)
  and its ``orig-M2libc`` component, M2libc, the C library that programs
  compiled by cc1 link against (it has no top-level directory).
- ``mes 0.24.2-1``: the orig tarball, upstream's release file.
- ``nyacc 1.00.2-5``: the binary package, which holds the Scheme sources
  MesCC needs (the source package is not on the mirror).

Oracles (tests only, never inputs of the chain): Debian's binary
``mescc-tools`` and ``mes`` packages.

The sha256 values are those of the ``.dsc`` and ``Packages`` indexes.
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.toolchain.debian import DebFile, fetch_file
from sx.derivations.model import BUILTIN_UNPACK, Derivation, derivation

MESCC_TOOLS_VERSION = "1.4.0-1"
MES_VERSION = "0.24.2-1"

MESCC_TOOLS_ORIG = DebFile(
    "mescc-tools", MESCC_TOOLS_VERSION,
    "pool/main/m/mescc-tools/mescc-tools_1.4.0.orig.tar.gz",
    "2f0e1174f4a64258830afacb09f5814b2795f06955f6dfb59658fe31e1d64c36",
    "3ab3055bc31936e475f010e8d7f11cf91f8896cf538857612bd2f87c44e4e223", 113408)
"""mescc-tools 1.4.0 (top directory ``mescc-tools-Release_1.4.0``; its M2libc folder is empty)."""

M2LIBC_ORIG = DebFile(
    "mescc-tools", MESCC_TOOLS_VERSION,
    "pool/main/m/mescc-tools/mescc-tools_1.4.0.orig-M2libc.tar.gz",
    "d9bf70edf88932a393fb820152565798ca9cf0e5de3671206f73f0519facc967",
    "01e84a244020621fda377e7e570baa4ce50af136b1f400330f7f6c44e9dc138c", 33331)
"""M2libc as mescc-tools 1.4.0 pins it (files at the top level)."""

MES_ORIG = DebFile(
    "mes", MES_VERSION,
    "pool/main/m/mes/mes_0.24.2.orig.tar.gz",
    "7ddae0854e46ebfa18c13ab37e64839a7b86ea88aeed366a8d017efd11dae86e",
    "c051967dbfc8e7051ffa4d7ad63642ff2cd452862389f6223e7745b8e6ebb8cb", 635812)
"""GNU Mes 0.24.2, upstream's release file (top directory ``mes-0.24.2``)."""

NYACC_DEB = DebFile(
    "nyacc", "1.00.2-5",
    "pool/main/n/nyacc/nyacc_1.00.2-5_amd64.deb",
    "1c64fc0de489dc1f513e41ba7fb6545b42e25fdfe6336ad58f900cfc11f84090",
    "043e7b35defcab4b6dbb4983b6026b2b06ebe491817d721c1f4e40eaa83f82f8", 1349248)
"""nyacc's binary package: its Scheme sources are what MesCC loads."""

MESCC_TOOLS_DEB = DebFile(
    "mescc-tools", MESCC_TOOLS_VERSION,
    "pool/main/m/mescc-tools/mescc-tools_1.4.0-1_amd64.deb",
    "f01743ddcaaff9f7a5ec2bd43edd2c391f0e424910903b2eca956a6f6860da0c",
    "4ab73337bec64ff85741da0f11b74d36e7b98b944ddf14e231f8becdd1dfae1e", 44508)
"""Debian's M1, hex2, blood-elf and kaem binaries: an oracle for tests only."""

MES_DEB = DebFile(
    "mes", MES_VERSION,
    "pool/main/m/mes/mes_0.24.2-1_amd64.deb",
    "c3afa065d4860be6de1bf267e438be14ee3a5fe5c7c9fab3fa6f7e933b5e37c2",
    "70d4a702987963468bdc362bff9fe75201909a20a49fd4485f0a545dad9e54cb", 1305488)
"""Debian's prebuilt mes and MesCC: an oracle for tests only."""


def _unpacked(name: str, f: DebFile, strip: bool, binary_seed: bool = False) -> Derivation:
    src = fetch_file(f, binary_seed=binary_seed)
    env = {"src": src.out, "strip": "1" if strip else ""}
    return derivation(name, BUILTIN_UNPACK, env=env, inputs=[src], system="builtin",
                      meta={"debian-package": f"{f.package}={f.version}"})


@cache
def m2libc() -> Derivation:
    """M2libc's source tree (``x86/``, ``amd64/``, ``stdio.c``, ...)."""
    return _unpacked("M2libc-src", M2LIBC_ORIG, strip=False)


@cache
def mescc_tools_source() -> Derivation:
    """mescc-tools 1.4.0's source tree (without M2libc: see :func:`m2libc`)."""
    return _unpacked("mescc-tools-src", MESCC_TOOLS_ORIG, strip=True)


@cache
def mes_source() -> Derivation:
    """GNU Mes 0.24.2's source tree."""
    return _unpacked("mes-src", MES_ORIG, strip=True)


@cache
def nyacc_source() -> Derivation:
    """The unpacked nyacc package (its ``usr/share/guile/site/3.0`` holds the Scheme files)."""
    return _unpacked("nyacc-deb", NYACC_DEB, strip=False)
