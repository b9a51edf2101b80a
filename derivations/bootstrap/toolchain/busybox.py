"""busybox-0: busybox 1.35.0 from source, built with no shell on the hex0 route.

Every build script of the toolchain runs under busybox (its ``sh`` and
applets). Debian's busybox-static is a binary package; this one is built
from upstream's release (Debian's orig tarball, without Debian's patches)
by tcc's fixpoint against musl-1, both from the hex0 seed, with kaem and
the seed's tools (:mod:`noshell`), since busybox is what gives the first
shell. On the hex0 route it runs every build script from tcc-musl-1 to
coreutils (:func:`seeds.shell`). Kbuild's work is done beforehand or by
sx's tools:

- the configuration is Debian's for busybox-static
  (``debian/config/pkg/static`` of its packaging, fetched pinned) with the
  symbols of ``busybox-0.off`` unset (help text and embedded scripts, which
  need a shell to generate; two glibc-only features; applets that need
  Linux's uapi headers); gen-headers writes ``autoconf.h`` from it;
- the sources Kbuild compiles for it are kept in ``busybox-0.files``
  (:mod:`busybox_files`, checked against the tarballs by a test);
- ``applets.h`` is gen-headers' ``insert`` of the ``//applet:`` lines of
  every ``*/*.c`` and ``*/*/*.c`` file, as Kbuild collects them (also kept:
  a compiled source may include another's, as ``syslogd_and_logger.c``
  does); ``applet_tables`` is compiled and run in the build;
- tcc's run-time library (``libtcc1.a``, which the fixpoint does not
  carry) is compiled from tcc's source in the same build.

tcc does not define ``__GNUC__``, so busybox's ``platform.h`` would define
``__attribute__(x)`` to nothing and drop every ``packed``: the build
defines it to itself (three of busybox's size checks fail otherwise).
"""

from __future__ import annotations

import posixpath
from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import tcc_boot as boot
from sx.derivations.bootstrap.toolchain import busybox_files
from sx.derivations.bootstrap.toolchain.debian import BUSYBOX_DEBIAN, BUSYBOX_ORIG, fetch_file
from sx.derivations.bootstrap.toolchain.musl import musl1
from sx.derivations.bootstrap.toolchain.noshell import (
    BUILD,
    gen_headers,
    kaem,
    make_folders,
    object_path,
    write,
)
from sx.derivations.bootstrap.toolchain.tcc import HEX0, seed_compiler
from sx.derivations.model import BUILTIN_UNPACK, Derivation, Source, derivation

VERSION = "1.35.0"

APPLETS_HEADER = "/* DO NOT EDIT. This file is generated from applets.src.h */"

FIXED_HEADERS = {
    "common_bufsiz.h": "enum { COMMON_BUFSIZE = 1024 };\nextern char bb_common_bufsiz1[];\n"
                       "#define setup_common_bufsiz() ((void)0)\n",
    "embedded_scripts.h": "#define NUM_SCRIPTS 0\n",
    "usage_compressed.h": '#define UNPACKED_USAGE ""\n#define UNPACKED_USAGE_LENGTH 0\n',
}
"""Headers Kbuild writes with shell scripts, as they are for busybox-0's configuration: a
fixed-size common buffer (``FEATURE_USE_BSS_TAIL`` unset), no embedded scripts, no help
text."""

TCC_RUNTIME = ("libtcc1.c", "alloca86_64.S", "alloca86_64-bt.S", "va_list.c", "dsohandle.c")
"""tcc's ``lib/`` files that make ``libtcc1.a`` for x86_64 (``alloca`` among them)."""

CFLAGS = ("-std=gnu99", "-D_GNU_SOURCE", "-DNDEBUG", "-D_LARGEFILE_SOURCE",
          "-D_LARGEFILE64_SOURCE", "-D_FILE_OFFSET_BITS=64", f'-DBB_VER=\\"{VERSION}\\"',
          "-funsigned-char", "-D__attribute__(x)=__attribute__(x)", "-Os", "-w")
"""Kbuild's flags for busybox, less gcc's own; as written in a tcc ``@FILE`` list (whose
quotes need escaping)."""


@cache
def busybox_source() -> Derivation:
    """busybox's pinned source, unpacked (without its top folder)."""
    src = fetch_file(BUSYBOX_ORIG, binary_seed=False)
    return derivation("busybox-src", BUILTIN_UNPACK, env={"src": src.out, "strip": "1"},
                      inputs=[src], system="builtin")


@cache
def debian_packaging() -> Derivation:
    """Debian's packaging of busybox (``debian/``), unpacked: its configurations."""
    src = fetch_file(BUSYBOX_DEBIAN, binary_seed=False)
    return derivation("busybox-debian", BUILTIN_UNPACK, env={"src": src.out, "strip": ""},
                      inputs=[src], system="builtin")


@cache
def generated() -> Derivation:
    """busybox-0's generated headers: ``autoconf.h``, ``applets.h`` and
    :data:`FIXED_HEADERS` (``applet_tables.h`` is made in the build)."""
    src, deb = busybox_source(), debian_packaging()
    off = Source(busybox_files.OFF, "busybox-0.off")
    autoconf = stage0.run("busybox-0-autoconf.h", gen_headers(),
                          ["autoconf", stage0.OUT, f"{deb.out}/{busybox_files.CONFIG}", off],
                          extra=[deb])
    scanned = [f"{src.out}/{s}" for s in busybox_files.applet_sources()]
    applets = stage0.run("busybox-0-applets.h", gen_headers(),
                         ["insert", stage0.OUT, f"{src.out}/include/applets.src.h", "//applet:",
                          APPLETS_HEADER, *scanned], extra=[src])
    fixed = {name: write(f"busybox-0-{name}", text) for name, text in FIXED_HEADERS.items()}
    entries: list[tuple[str, str | Derivation]] = [
        ("include/autoconf.h", autoconf), ("include/applets.h", applets),
        *((f"include/{name}", drv) for name, drv in sorted(fixed.items()))]
    return boot.tree("busybox-0-include", entries, extra=[autoconf, applets, *fixed.values()])


def kaem_lines(cc: str, musl: str, cflags: str, objects: str) -> list[str]:
    """The build as kaem lines: tcc's run-time library, ``applet_tables`` (compiled,
    linked and run), one compile per source, the archive, and the link into
    ``$out/bin/busybox``."""
    src, gen, tcc_src = busybox_source().out, generated().out, boot.tcc_source().out
    mktree = boot.mktree().out
    sources = busybox_files.sources()
    runtime = [f"{BUILD}/rt/{posixpath.splitext(f)[0]}.o" for f in TCC_RUNTIME]
    libc = f"{musl}/lib"
    headers = ["-nostdinc", f"-I{tcc_src}/include", f"-I{musl}/include"]

    def link(output: str, *objs: str) -> str:
        return " ".join([cc, "-static", "-nostdlib", "-o", output, f"{libc}/crt1.o",
                         f"{libc}/crti.o", *objs, f"-L{libc}", "-lc", f"{BUILD}/libtcc1.a",
                         "-lc", f"{libc}/crtn.o"])

    lines = make_folders([*map(object_path, sources), *runtime, f"{BUILD}/include/x"])
    for f, o in zip(TCC_RUNTIME, runtime, strict=True):
        lines.append(" ".join([cc, *headers, f"-B{tcc_src}", f"-I{tcc_src}", "-c",
                               f"{tcc_src}/lib/{f}", "-o", o]))
    lines.append(" ".join([cc, "-ar", "rcs", f"{BUILD}/libtcc1.a", *runtime]))
    lines.append(" ".join([cc, *headers, f"-I{gen}/include", "-c",
                           f"{src}/applets/applet_tables.c", "-o", f"{BUILD}/applet_tables.o"]))
    lines.append(link(f"{BUILD}/applet_tables", f"{BUILD}/applet_tables.o"))
    lines.append(f"{BUILD}/applet_tables {BUILD}/include/applet_tables.h "
                 f"{BUILD}/include/NUM_APPLETS.h")
    lines += [f"{cc} @{cflags} -c {src}/{s} -o {object_path(s)}" for s in sources]
    lines.append(f"{cc} -ar rc {BUILD}/libbusybox.a @{objects}")
    lines += [f"{mktree} ${{out}}", f"{mktree} ${{out}}/bin"]
    lines.append(link("${out}/bin/busybox", object_path("applets/applets.c"),
                      f"{BUILD}/libbusybox.a"))
    return lines


@cache
def busybox0() -> Derivation:
    """busybox-0 (``bin/busybox``, static): built by tcc's fixpoint against musl-1, from
    the hex0 seed, with no shell."""
    compiler, musl = seed_compiler(HEX0), musl1(HEX0)
    src, gen, tcc_src = busybox_source(), generated(), boot.tcc_source()
    sources = busybox_files.sources()
    flags = ["-nostdinc", f"-I{tcc_src.out}/include", f"-I{musl.out}/include",
             f"-I{BUILD}/include", f"-I{gen.out}/include", f"-I{src.out}/include",
             f"-I{src.out}/libbb", "-include", f"{gen.out}/include/autoconf.h", *CFLAGS]
    cflags = write("busybox-0-cflags", "".join(f"{f}\n" for f in flags),
                   inputs=[tcc_src, musl, gen, src])
    objects = write("busybox-0-objects", "".join(f"{object_path(s)}\n" for s in sources
                                                 if s != "applets/applets.c"))
    lines = kaem_lines(compiler.out, musl.out, cflags.out, objects.out)
    return kaem("busybox-0", lines, [compiler, musl, src, gen, tcc_src, cflags, objects],
                meta={"stage": "busybox-0"})
