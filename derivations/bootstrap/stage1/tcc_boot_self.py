"""tcc-boot rebuilds itself: tcc's units and mes libc compiled and linked by tcc in one run.

``tcc-boot`` (generation 0) is tcc compiled by MesCC. Each later
generation is one step of the previous one, in the sandbox, with no shell::

    tcc-boot-N = tcc-boot-(N-1) -static -nostdlib -nostdinc (mes's headers, sx's stdarg.h)
                 -o $out  crt1.c, libc+tcc's files, abort.c  libtcc1.c va_list.c
                 tcc's ten units

mes libc's files are taken in their gcc flavour (``x86_64-mes-gcc``: crt1,
syscall, ``_exit``, ``_write``, setjmp are gcc inline assembly, which tcc
reads; MesCC's flavour is its own assembly). tcc's ``lib/libtcc1.c`` and
``lib/va_list.c`` (what its ``libtcc1.a`` holds for x86_64 but for
alloca) give the helpers tcc's code calls: ``__va_arg`` for ``va_arg``,
and the ``long double`` conversions tcc itself uses. Every generation has
the same name, so two generations that write the same bytes are one store
path.

The same steps can start from Debian's tcc instead of tcc-boot (seed
``debian-tcc``, run by the glibc seed's loader): that route shares no
compiler code with MesCC's, so its generations agreeing with the seed's
is a diverse double-compiling check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mes_libc, sources, tcc_boot_link
from sx.derivations.bootstrap.stage1 import tcc_boot as boot
from sx.derivations.bootstrap.toolchain import seeds
from sx.derivations.model import Derivation, Source, derivation
from sx.store.errors import NotFound

NAME = "tcc-boot-self"
"""The store name of every self-built generation (equal bytes, one path)."""

GENERATIONS = 3
"""How many times tcc is rebuilt from generation 0; the last two must be one path.

tcc-boot reads every floating literal wrong (MesCC compiles ``double`` as
an integer, so mes libc's ``strtod`` gives 2 for ``2.5``), so generation
1, which it compiled, carries wrong ``double`` constants in its own code.
Generation 2 is compiled by a tcc that MesCC did not compile, and
generation 3 rebuilds it: 2 and 3 are the fixpoint. A fixed count, not a
loop until two agree, so a build that never converges fails the check
instead of running on.
"""

SEEDS = ("hex0", "debian-tcc")
"""What generation 0 is: tcc-boot (from the hex0 seed) or Debian's tcc (a binary seed)."""

TCC_RUNTIME = ("lib/libtcc1.c", "lib/va_list.c")
"""tcc's run-time helpers its x86_64 code calls (long double conversions, ``__va_arg``)."""

LIBC_EXTRA = ("lib/stdlib/abort.c",)
"""mes libc files outside libc+tcc that the run-time helpers need (``va_list.c``'s abort)."""

LIBC_FIXED = ("lib/mes/abtod.c", "lib/mes/abtol.c", "lib/stdlib/strtol.c",
              "lib/stdlib/strtof.c", "lib/stdlib/strtold.c", "lib/stub/ldexp.c",
              "lib/x86_64-mes-gcc/setjmp.c")
"""mes libc files taken with sx's fix (``tcc/mes-libc.patch``) where tcc compiles them:
``strtod``, ``strtof`` and ``strtold`` read floating literals exactly rounded,
``strtoull`` reads 64 bits, ``ldexp`` is no longer a stub, and ``longjmp`` returns to
``setjmp``. MesCC's ``libc+tcc`` keeps mes's own (it has no floating point to read them
with)."""

SELF_PATCHES = (("tcctools.c", seeds.script("patches/tcc-ar-weak-symbols.patch")),)
"""The toolchain's tcc patches the self-rebuilds take on top of tcc-boot's tree: ``tcc
-ar`` indexes weak symbols, so the fixpoint archives musl as the toolchain's tcc does."""

GLIBC_LIBS = "lib/x86_64-linux-gnu"
"""Where the glibc seed's ``lib`` output keeps the loader and the shared libraries."""


@dataclass(frozen=True)
class Compiler:
    """How a step starts a tcc: the program run, the arguments before tcc's own, its inputs."""

    builder: str
    prefix: tuple[str, ...]
    inputs: tuple[tuple[Derivation, tuple[str, ...]], ...]


def built(tcc: Derivation) -> Compiler:
    """A tcc that sx built: a static program, run as it is."""
    return Compiler(tcc.out, (), ((tcc, tcc.output_names),))


def debian_tcc() -> Compiler:
    """Debian's tcc (the ``debian-tcc`` seed), started by the glibc seed's loader.

    The sandbox has no ``/lib64``, where the program's ELF interpreter is.
    """
    glibc, tcc = seeds.seed("glibc"), seeds.seed("debian-tcc")
    libs = f"{glibc.placeholder('lib')}/{GLIBC_LIBS}"
    return Compiler(f"{libs}/ld-linux-x86-64.so.2",
                    ("--library-path", libs, f"{tcc.out}/usr/bin/tcc"),
                    ((glibc, ("lib",)), (tcc, tcc.output_names)))


def libc_files() -> list[str]:
    """crt1, libc+tcc's files and ``LIBC_EXTRA`` (paths in mes's source), in their gcc
    flavour."""
    return [f.replace("x86_64-mes-mescc", "x86_64-mes-gcc")
            for f in (mes_libc.CRT1, *mes_libc.LIBC_TCC, *LIBC_EXTRA)]


def libc_args() -> list[str | Derivation]:
    """:func:`libc_files` as compiler arguments: a path in mes's source, or the fixed
    file (a derivation) for those of ``LIBC_FIXED``."""
    src = sources.mes_source()
    return [boot.patched("mes-libc.patch", f, f"{src.out}/{f}", src) if f in LIBC_FIXED
            else f"{src.out}/{f}" for f in libc_files()]


def include_flags() -> list[str]:
    """Where tcc finds headers: sx's fixed ones first, then mes's."""
    src = sources.mes_source().out
    return ["-I", mes_libc.include_tree().out, "-I", f"{src}/include",
            "-I", f"{src}/include/linux/x86_64"]


def compile_flags() -> list[str]:
    """The flags every file of a generation is compiled with (headers, ``config.h``)."""
    return ["-nostdinc", "-D", "HAVE_CONFIG_H=1", *include_flags()]


def program(name: str, cc: Compiler | Derivation, c_files: list[str | Derivation],
            extra: list[Derivation] | None = None, meta: dict[str, str] | None = None
            ) -> Derivation:
    """``$out``: a static program, ``c_files`` compiled by tcc ``cc`` against mes libc
    (its files and tcc's run-time helpers compiled in the same run)."""
    cc = built(cc) if isinstance(cc, Derivation) else cc
    src = sources.mes_source()
    tcc_src = boot.tcc_source()
    args: list[str | Source | Derivation] = [
        "-static", "-nostdlib", *compile_flags(),
        "-o", stage0.OUT, *libc_args(),
        *(f"{tcc_src.out}/{f}" for f in TCC_RUNTIME), *c_files]
    drvs = [a for a in args if isinstance(a, Derivation)]
    inputs = dict(cc.inputs)
    for d in (src, mes_libc.include_tree(), tcc_src, *drvs, *(extra or [])):
        inputs[d] = d.output_names
    argv = [a.out if isinstance(a, Derivation) else str(a) for a in args]
    return derivation(name, cc.builder, args=[*cc.prefix, *argv], inputs=inputs,
                      srcs=[a for a in args if isinstance(a, Source)],
                      system=stage0.SYSTEM, meta=meta)


def self_tree() -> Derivation:
    """tcc's files for the self-rebuilds: tcc-boot's, with ``SELF_PATCHES``."""
    return boot.tcc_tree("tcc-boot-self-tree", SELF_PATCHES)


def tcc_args() -> list[str | Derivation]:
    """What a generation compiles after mes libc: tcc's defines and its ten units."""
    tree = self_tree()
    defines = [a for d in boot.DEFINES for a in ("-D", d)]
    return [*defines, *(f"{tree.out}/{u}.c" for u in boot.UNITS)]


def compiler(n: int, seed: str = "hex0") -> Compiler:
    """The tcc of generation ``n`` started from ``seed`` (generation 0 is the seed's own)."""
    if seed not in SEEDS:
        raise NotFound(f"find seed {seed}: not a seed of tcc-boot-self "
                       f"(known: {', '.join(SEEDS)})")
    if n > 0:
        return built(generation(n, seed))
    return built(tcc_boot_link.tcc_boot()) if seed == "hex0" else debian_tcc()


@cache
def generation(n: int, seed: str = "hex0") -> Derivation:
    """``tcc-boot-N``: tcc built by generation N-1 of ``seed`` (``n`` >= 1)."""
    if n < 1:
        raise NotFound(f"find generation {n} of tcc-boot-self: self-builds start at 1")
    stage = f"tcc-boot-{n}" if seed == "hex0" else f"tcc-boot-{n} ({seed})"
    return program(NAME, compiler(n - 1, seed), tcc_args(), extra=[self_tree()],
                   meta={"stage": stage})


def tcc_boot_fixpoint() -> list[Derivation]:
    """The last two generations of tcc rebuilding itself from tcc-boot (one store path)."""
    return [generation(GENERATIONS - 1), generation(GENERATIONS)]


def tcc_boot_ddc() -> list[Derivation]:
    """tcc-boot's last generation, from the hex0 seed and from Debian's tcc (one store path)."""
    return [generation(GENERATIONS, s) for s in SEEDS]
