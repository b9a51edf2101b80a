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

musl is built with no shell, by the seed's tools: musl's Makefile needs GNU
make, which does not exist yet, so these recipes follow its rules
(:mod:`musl_files`: the same sources, flags and include order) as a kaem
script of one ``tcc -c`` per source. The headers the Makefile makes with sed
are written by sx's ``gen-headers``, sx's patches are applied file by file with
apply-diff (the changed files form an overlay searched before the source),
and mktree lays out the installed tree. So musl-1 on the hex0 route rests on
the seed alone, with no busybox.

The static tcc is configured against musl-1 (its include, crt and library
paths name it); musl-2 is the same library rebuilt by the chain's own
compiler, and what later stages would link once the chain is rebased on it.
tcc and musl need small patches to get along: ``patches/tcc-*.patch`` and
``patches/musl-*.patch``, each explaining itself in its header.
"""

from __future__ import annotations

import os
import posixpath
from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import tcc_boot as boot
from sx.derivations.bootstrap.toolchain import musl_files
from sx.derivations.bootstrap.toolchain.debian import musl_source
from sx.derivations.bootstrap.toolchain.noshell import (
    BUILD,
    gen_headers,
    kaem,
    make_folders,
    object_path,
    write,
)
from sx.derivations.bootstrap.toolchain.seeds import shell
from sx.derivations.bootstrap.toolchain.tcc import HEX0, SELF, build_tcc, seed_compiler, tcc
from sx.derivations.model import BUILTIN_UNPACK, Derivation, Source, derivation
from sx.store.errors import NotFound

DEFAULT_SEED = "debian-tcc"
"""The seed that starts the chain below tcc-2 (every seed gives the same tcc-2)."""

HERE = os.path.dirname(os.path.abspath(__file__))
ARCH = musl_files.ARCH

CFLAGS = ("-std=c99", "-nostdinc", "-ffreestanding", "-D_XOPEN_SOURCE=700")

OVERLAY_EXTRA = ("src/math/sqrt_data.h", "include/features.h")
"""Unpatched files next to the patched ones: what they include by a quoted name
(``sqrtl.c`` includes ``sqrt_data.h``; the internal ``features.h`` includes
``../../include/features.h``), so those resolve inside the overlay as in the source."""

CRT = ("crt/crt1.c", f"crt/{ARCH}/crti.s", f"crt/{ARCH}/crtn.s")


def patches() -> list[Source]:
    """sx's musl patches, in the order they apply (see ``patches/musl-*.patch``)."""
    folder = os.path.join(HERE, "patches")
    return [Source(os.path.join(folder, n), n) for n in sorted(os.listdir(folder))
            if n.startswith("musl-") and n.endswith(".patch")]


@cache
def created() -> frozenset[str]:
    """The files sx's patches create."""
    return frozenset(path for patch in patches()
                     for path, new in boot.patch_sections(patch) if new)


@cache
def musl_tree() -> Derivation:
    """musl's pinned source, unpacked (without its top folder)."""
    src = musl_source()
    return derivation("musl-src", BUILTIN_UNPACK, env={"src": src.out, "strip": "1"},
                      inputs=[src], system="builtin")


@cache
def overlay() -> Derivation:
    """The files sx's patches change (a file a patch creates starts empty), and
    ``OVERLAY_EXTRA``, at their paths in musl's source."""
    src = musl_tree()
    empty = write("empty", "")
    entries: list[tuple[str, str | Derivation]] = []
    for patch in patches():
        for path in boot.patched_paths(patch):
            original: str | Derivation = f"{src.out}/{path}"
            if path in created():
                original = empty
            entries.append((path, boot.patched(patch, path, original, src)))
    entries += [(path, f"{src.out}/{path}") for path in OVERLAY_EXTRA]
    return boot.tree("musl-overlay", entries, extra=[src, empty])


@cache
def generated() -> Derivation:
    """What musl's Makefile generates: ``include/bits/{alltypes,syscall}.h`` and
    ``src/internal/version.h``."""
    src = musl_tree()
    bits = f"{src.out}/arch/{ARCH}/bits"
    alltypes = stage0.run("musl-alltypes.h", gen_headers(),
                          ["alltypes", stage0.OUT, f"{bits}/alltypes.h.in",
                           f"{src.out}/include/alltypes.h.in"], extra=[src])
    syscall = stage0.run("musl-syscall.h", gen_headers(),
                         ["syscall", stage0.OUT, f"{bits}/syscall.h.in"], extra=[src])
    version = write("musl-version.h", '#define VERSION "1.2.3"\n')
    return boot.tree("musl-generated", [("include/bits/alltypes.h", alltypes),
                                        ("include/bits/syscall.h", syscall),
                                        ("src/internal/version.h", version)],
                     extra=[alltypes, syscall, version])


def include_dirs() -> list[str]:
    """musl's ``-I`` list, each patched folder's overlay before the original."""
    src, over, gen = musl_tree().out, overlay().out, generated().out
    return [f"{over}/arch/{ARCH}", f"{src}/arch/{ARCH}", f"{src}/arch/generic",
            f"{gen}/src/internal", f"{over}/src/include", f"{src}/src/include",
            f"{src}/src/internal", f"{gen}/include", f"{src}/include"]


def crt_object(crt: str) -> str:
    """Where the build writes the object of a crt file (``crt1.o``...)."""
    return f"{BUILD}/obj/{posixpath.basename(crt)[:-2]}.o"


def kaem_lines(cc: str, cflags: str, objects: str) -> list[str]:
    """The build as kaem lines: one compile per source (the patched ones from the
    overlay, so each is named by its path in the source), the archive, the crt
    objects, and ``$out`` holding ``libc.a`` and them."""
    files = musl_files.files()
    patched = {p for patch in patches() for p in boot.patched_paths(patch)}
    lines = make_folders(map(object_path, files.sources))

    def compile_(s: str) -> str:
        return f"{cc} @{cflags} -c {s} -o {object_path(s)}"

    lines.append(f"cd {overlay().out}")
    lines += [compile_(s) for s in files.sources if s in patched]
    lines.append(f"cd {musl_tree().out}")
    lines += [compile_(s) for s in files.sources if s not in patched]
    lines.append(f"{cc} -ar rc {BUILD}/libc.a @{objects}")
    lines += [f"{cc} @{cflags} -DCRT -c {c} -o {crt_object(c)}" for c in CRT]
    outs = [("libc.a", f"{BUILD}/libc.a"),
            *((posixpath.basename(crt_object(c)), crt_object(c)) for c in CRT)]
    lines.append(" ".join([boot.mktree().out, "${out}", *(a for pair in outs for a in pair)]))
    return lines


@cache
def musl_lib(compiler: Derivation, cc: str) -> Derivation:
    """``libc.a`` and the crt objects, compiled by the tcc program ``cc`` (a path in
    ``compiler``'s output) with no shell: kaem runs one tcc per source."""
    src, over, gen = musl_tree(), overlay(), generated()
    flags = [*CFLAGS, *(f"-I{d}" for d in include_dirs())]
    cflags = write("musl-cflags", "".join(f"{f}\n" for f in flags), inputs=[src, over, gen])
    objects = write("musl-objects",
                    "".join(f"{object_path(s)}\n" for s in musl_files.files().sources))
    return kaem("musl-lib", kaem_lines(cc, cflags.out, objects.out),
                [compiler, cflags, objects, src, over, gen])


def build_musl(compiler: Derivation, cc: str, stage: str) -> Derivation:
    """musl built by the tcc program ``cc`` (a path in ``compiler``'s output): the
    tree musl's ``make install`` writes (headers, ``libc.a``, crt objects, empty
    libraries), laid out by mktree."""
    return install(musl_lib(compiler, cc), stage)


def install(lib: Derivation, stage: str) -> Derivation:
    """The musl tree: ``include/`` (the source's headers and the generated ones),
    ``lib/`` (``lib``'s ``libc.a`` and crt objects, and the empty libraries)."""
    src, gen = musl_tree(), generated()
    archive = write("empty.a", "!<arch>\n")  # see musl_files.EMPTY_LIBRARIES
    entries: list[tuple[str, str | Derivation]] = [
        (name, f"{src.out}/{path}") for name, path in musl_files.files().headers]
    entries += [(name, f"{gen.out}/{name}") for name in musl_files.GENERATED]
    entries += [(f"lib/{n}", f"{lib.out}/{n}")
                for n in ("libc.a", *(posixpath.basename(crt_object(c)) for c in CRT))]
    entries += [(f"lib/lib{n}.a", archive) for n in musl_files.EMPTY_LIBRARIES]
    return stage0.run("musl", boot.mktree(),
                      [stage0.OUT, *(a for name, file in sorted(entries, key=lambda e: e[0])
                                     for a in (name, file))],
                      extra=[src, gen, lib, archive], meta={"stage": stage})


@cache
def musl1(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage musl-1: musl built by the self-built glibc tcc (from the hex0 seed: by
    tcc-boot's fixpoint, so that no glibc is needed)."""
    if seed_name == HEX0:
        fixpoint = seed_compiler(HEX0)
        return build_musl(fixpoint, fixpoint.out, "musl-1")
    compiler = tcc(seed_name)
    return build_musl(compiler, f"{compiler.out}/bin/tcc", "musl-1")


@cache
def tcc_musl_generation(n: int, seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage tcc-musl-``n``: static tcc against musl-1; 1 is built by tcc-2."""
    if n < 1:
        raise NotFound(f"find stage tcc-musl-{n}: stages start at tcc-musl-1")
    libc, bb = musl1(seed_name), shell(seed_name)
    if n == 1 and seed_name == HEX0:
        return build_tcc("tcc-musl-1", seed_compiler(HEX0), "tcc-boot-to-musl", "tcc-musl-1",
                         musl=libc, shell=bb)
    if n == 1:
        return build_tcc("tcc-musl-1", tcc(seed_name), "tcc-to-musl", "tcc-musl-1", musl=libc,
                         shell=bb)
    prev = tcc_musl_generation(n - 1, seed_name)
    return build_tcc("tcc-musl", prev, SELF, f"tcc-musl-{n}", musl=libc, shell=bb)


def tcc_musl(seed_name: str = DEFAULT_SEED) -> Derivation:
    """The static, self-built tcc against musl (stage tcc-musl-2: the fixpoint)."""
    return tcc_musl_generation(2, seed_name)


def tcc_musl_fixpoint() -> list[Derivation]:
    """tcc-musl-2 and tcc-musl-3: realized together they name one store path."""
    return [tcc_musl_generation(2), tcc_musl_generation(3)]


@cache
def musl2(seed_name: str = DEFAULT_SEED) -> Derivation:
    """Stage musl-2: musl rebuilt by the static tcc."""
    compiler = tcc_musl(seed_name)
    return build_musl(compiler, f"{compiler.out}/bin/tcc", "musl-2")


def musl() -> Derivation:
    """musl 1.2.3 built by tcc (stage musl-1)."""
    return musl1()
