"""tcc-boot, first part: Debian's tcc compiled by MesCC running on the seed-built ``mes-m2``.

Everything here runs from the hex0 seed: the tools are cc1, the
mescc-tools it built (kaem runs each step), stage0's ``catm`` and
``mes-m2``; the inputs are Debian's pinned tcc, mes and nyacc sources and
sx's files in ``tcc/``:

- ``mktree.c``: lays files out as a directory (stage1 has no shell, and a
  C compiler looks for ``#include`` files in directories);
- ``mescc.patch``, ``nyacc.patch``: fixes to MesCC 0.24.2 and nyacc
  1.00.2 (see docs/bootstrap.md, "tcc from the seed"), loaded over the
  pinned modules by the MesCC steps of :mod:`mescc`;
- ``x86_64-M1.patch``: the M1 definitions of the shifts mescc.patch's
  bit-field loads emit (for the link step, :func:`m1_definitions`);
- ``tcc-mescc.patch``: what tcc needs to be compiled by MesCC.

tcc is compiled as ``ONE_SOURCE=0`` allows, one derivation per unit, so
the units compile in parallel and a change to one file recompiles only
the units that include it::

    tcc-boot-tree   = mktree (tcc's files, each through apply-diff tcc-mescc.patch)
    tcc-boot-UNIT.s = kaem: cd mes-src; mes-m2 tcc-boot-UNIT.scm (MesCC -S UNIT.c); catm
"""

from __future__ import annotations

import itertools
import os
from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import cc1, mes, mescc, sources
from sx.derivations.bootstrap.toolchain.debian import TCC_ORIG, fetch_file
from sx.derivations.model import BUILTIN_UNPACK, BUILTIN_WRITE, Derivation, Source, derivation

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tcc")
OUT = stage0.OUT

UNITS = ("tcc", "libtcc", "tccpp", "tccgen", "tccelf", "tccasm", "tccrun",
         "x86_64-gen", "x86_64-link", "i386-asm")
"""tcc's compilation units for an x86_64 tcc with ``ONE_SOURCE=0``."""

HEADERS = ("tcc.h", "libtcc.h", "elf.h", "stab.h", "stab.def", "tcctok.h", "i386-asm.h",
           "x86_64-asm.h", "i386-tok.h", "tcctools.c", "include/float.h", "include/stdalign.h",
           "include/stdarg.h", "include/stdbool.h", "include/stddef.h",
           "include/stdnoreturn.h", "include/varargs.h", "tcclib.h")
"""The other files of tcc's source that its units include."""

DEFINES = ("TCC_TARGET_X86_64=1", "ONE_SOURCE=0")

MESCC_PATCHED = ("module/mescc/compile.scm", "module/mescc/x86_64/as.scm")
"""MesCC's files that mescc.patch changes (paths in mes's source)."""

M1_DEFINITIONS = "lib/x86_64-mes/x86_64.M1"
"""MesCC's x86_64 instruction definitions (M1 macros), which x86_64-M1.patch extends."""

NYACC_DIR = mescc.NYACC_DIR
NYACC_PATCHED = ("nyacc/lang/c99/cpp.scm",)
"""nyacc's files that nyacc.patch changes (paths under NYACC_DIR of the package)."""


def tcc_file(name: str) -> Source:
    """A file of sx's tcc-boot folder."""
    return Source(os.path.join(HERE, name), name)


@cache
def mktree() -> Derivation:
    """sx's mktree, compiled by cc1 from the seed."""
    return cc1.program("mktree", cc1.cc1(), [tcc_file("mktree.c")])


def tree(name: str, entries: list[tuple[str, str | Derivation]],
         extra: list[Derivation] | None = None) -> Derivation:
    """A directory: each (NAME, FILE) of ``entries`` copied to NAME inside it."""
    args: list[str | Source | Derivation] = [OUT]
    for path, file in entries:
        args += [path, file]
    return stage0.run(name, mktree(), args, extra=extra)


@cache
def tcc_source() -> Derivation:
    """Debian's pinned tcc source tree (the toolchain's pin; the tarball has no top folder)."""
    src = fetch_file(TCC_ORIG, binary_seed=False)
    return derivation("tcc-src", BUILTIN_UNPACK, env={"src": src.out, "strip": ""},
                      inputs=[src], system="builtin",
                      meta={"debian-package": f"{TCC_ORIG.package}={TCC_ORIG.version}"})


def patched(patch: str | Source, path: str, original: str | Derivation,
            extra: Derivation) -> Derivation:
    """``original`` with the part of sx's ``patch`` for ``path`` applied (by apply-diff);
    a name is a file of this folder, a :class:`Source` any other of sx's patches."""
    name = "boot-" + path.replace("/", "-")
    diff = tcc_file(patch) if isinstance(patch, str) else patch
    return stage0.run(name, mes.apply_diff(), [diff, path, original, OUT], extra=[extra])


def patch_sections(patch: str | Source) -> tuple[tuple[str, bool], ...]:
    """Each file a patch changes (its ``+++ b/`` lines), and whether the patch creates
    it (its ``---`` line is ``/dev/null``): a name is a patch of this folder, a
    :class:`Source` any other of sx's patches."""
    local = os.path.join(HERE, patch) if isinstance(patch, str) else patch.local
    with open(local, encoding="utf-8") as f:
        lines = f.read().splitlines()
    return tuple((b[6:].split("\t")[0].strip(), a.startswith("--- /dev/null"))
                 for a, b in itertools.pairwise(["", *lines]) if b.startswith("+++ b/"))


def patched_paths(patch: str | Source) -> tuple[str, ...]:
    """The files a patch changes (see :func:`patch_sections`)."""
    return tuple(path for path, _ in patch_sections(patch))


def config_h() -> Derivation:
    """tcc's config.h for tcc-boot: what its ./configure would write."""
    text = ('#define TCC_VERSION "0.9.27"\n'
            '#define CONFIG_TCCDIR "/tcc-boot"\n'
            "#define CONFIG_TCC_STATIC 1\n#define CONFIG_TCC_BOOT 1\n"
            "#define GCC_MAJOR 0\n#define GCC_MINOR 0\n#define CC_NAME CC_tcc\n")
    return derivation("tcc-boot-config.h", BUILTIN_WRITE, env={"text": text},
                      system="builtin")


@cache
def tcc_tree(name: str = "tcc-boot-tree", more: tuple[tuple[str, Source], ...] = ()
             ) -> Derivation:
    """tcc's files for MesCC: the pinned source with tcc-mescc.patch, and config.h; with
    ``more``, (path, patch) pairs of other sx patches applied to files mescc.patch leaves."""
    src = tcc_source()
    changed = patched_paths("tcc-mescc.patch")
    extra = dict(more)
    entries: list[tuple[str, str | Derivation]] = [("config.h", config_h())]
    for path in (*HEADERS, *(f"{u}.c" for u in UNITS)):
        original = f"{src.out}/{path}"
        if path in extra:
            assert path not in changed, path
            entries.append((path, patched(extra[path], path, original, src)))
            continue
        entries.append((path, patched("tcc-mescc.patch", path, original, src)
                        if path in changed else original))
    drvs = [e for _, e in entries if isinstance(e, Derivation)]
    return tree(name, entries, extra=[src, *drvs])


@cache
def mescc_modules() -> list[Derivation]:
    """sx's patched MesCC and nyacc files, in the order the driver loads them."""
    mes_src = sources.mes_source()
    nyacc = sources.nyacc_source()
    files = [patched("mescc.patch", p, f"{mes_src.out}/{p}", mes_src) for p in MESCC_PATCHED]
    files += [patched("nyacc.patch", p, f"{nyacc.out}/{NYACC_DIR}/{p}", nyacc)
              for p in NYACC_PATCHED]
    return files


@cache
def m1_definitions() -> Derivation:
    """MesCC's x86_64 M1 definitions with x86_64-M1.patch: what M1 assembles units with."""
    mes_src = sources.mes_source()
    return patched("x86_64-M1.patch", M1_DEFINITIONS, f"{mes_src.out}/{M1_DEFINITIONS}",
                   mes_src)


def unit_c(unit: str) -> str:
    """Where tcc-boot's tree has ``UNIT.c``."""
    return f"{tcc_tree().out}/{unit}.c"


@cache
def unit_driver(unit: str) -> Derivation:
    """The MesCC driver that compiles ``UNIT.c`` (sx's MesCC and nyacc fixes loaded)."""
    mes_src = sources.mes_source()
    tree_ = tcc_tree()
    flags = ["-nostdinc", "-I", tree_.out, "-I", f"{mes_src.out}/include",
             "-I", f"{mes_src.out}/include/linux/x86_64",
             *[a for d in DEFINES for a in ("-D", d)]]
    return mescc.driver(f"tcc-boot-{unit}.scm", [(unit_c(unit), flags)], [mes_src, tree_],
                        modules=mescc_modules())


@cache
def mescc_unit(unit: str) -> Derivation:
    """``UNIT.c`` of tcc-boot compiled by MesCC on mes-m2 to M1 assembly (``UNIT.s``)."""
    return mescc.step(f"tcc-boot-{unit}.s", unit_driver(unit), [unit_c(unit)],
                      [sources.mes_source(), tcc_tree()], meta={"stage": "tcc-boot"})


@cache
def units() -> Derivation:
    """An index of every unit's M1 assembly (one line each: unit and store path)."""
    drvs = {u: mescc_unit(u) for u in UNITS}
    text = "".join(f"{u} {d.out}\n" for u, d in drvs.items())
    return derivation("tcc-boot-units", BUILTIN_WRITE, env={"text": text},
                      inputs=list(drvs.values()), system="builtin")
