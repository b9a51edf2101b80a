"""mes's C library for x86_64, compiled by MesCC on the seed-built mes-m2: what tcc-boot links.

The files and flags are those of mes's own build (``build-aux/configure-lib.sh``
with ``mes_cpu=x86_64``, ``mes_kernel=linux``, ``compiler=mescc``): the
``libc+tcc`` library (``libc`` and what tcc needs on top) and ``crt1``. They
are compiled by MesCC as mes ships it (no sx patch to MesCC), which is what
lets the result be checked against Debian's prebuilt ``libc+tcc.s`` and
``crt1.s``. One header is fixed, ``stdarg.h`` (``tcc/mes-libc.patch``): its
``va_start`` was wrong after an ``int`` argument on x86_64, so ``open``
differs from Debian's (and the five functions of ``printf`` and ``scanf``
that call ``va_start`` after a pointer compute the same address with
other instructions). MesCC's memory grows with each file it compiles in one process,
so the library is compiled in batches of ``BATCH`` files, each batch a
derivation, then joined by ``catm``.
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mescc, sources
from sx.derivations.bootstrap.stage1.tcc_boot import patched, tree
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation

BATCH = 20
"""Files per mes process."""

CRT1 = "lib/linux/x86_64-mes-mescc/crt1.c"

PATCHED = ("include/stdarg.h",)
"""mes's headers that mes-libc.patch changes (paths in its source)."""

LIBC_TCC = (
    "lib/mes/eputs.c", "lib/mes/oputs.c", "lib/mes/globals.c", "lib/stdlib/exit.c",
    "lib/linux/x86_64-mes-mescc/_exit.c", "lib/linux/x86_64-mes-mescc/_write.c",
    "lib/stdlib/puts.c", "lib/string/strlen.c", "lib/ctype/isnumber.c", "lib/mes/abtol.c",
    "lib/mes/cast.c", "lib/mes/eputc.c", "lib/mes/fdgetc.c", "lib/mes/fdputc.c",
    "lib/mes/fdputs.c", "lib/mes/fdungetc.c", "lib/mes/itoa.c", "lib/mes/ltoa.c",
    "lib/mes/ltoab.c", "lib/mes/mes_open.c", "lib/mes/ntoab.c", "lib/mes/oputc.c",
    "lib/mes/ultoa.c", "lib/mes/utoa.c", "lib/stub/__raise.c", "lib/ctype/isdigit.c",
    "lib/ctype/isspace.c", "lib/ctype/isxdigit.c", "lib/mes/assert_msg.c", "lib/posix/write.c",
    "lib/stdlib/atoi.c", "lib/linux/lseek.c", "lib/mes/__assert_fail.c",
    "lib/mes/__buffered_read.c", "lib/mes/__mes_debug.c", "lib/posix/execv.c",
    "lib/posix/getcwd.c", "lib/posix/getenv.c", "lib/posix/isatty.c", "lib/posix/open.c",
    "lib/posix/buffered-read.c", "lib/posix/setenv.c", "lib/posix/wait.c", "lib/stdio/fgetc.c",
    "lib/stdio/fputc.c", "lib/stdio/fputs.c", "lib/stdio/getc.c", "lib/stdio/getchar.c",
    "lib/stdio/putc.c", "lib/stdio/putchar.c", "lib/stdio/ungetc.c", "lib/stdlib/free.c",
    "lib/stdlib/realloc.c", "lib/string/memchr.c", "lib/string/memcmp.c", "lib/string/memcpy.c",
    "lib/string/memmove.c", "lib/string/memset.c", "lib/string/strcmp.c", "lib/string/strcpy.c",
    "lib/string/strncmp.c", "lib/posix/raise.c", "lib/linux/access.c", "lib/linux/brk.c",
    "lib/linux/chmod.c", "lib/linux/clock_gettime.c", "lib/linux/dup.c", "lib/linux/dup2.c",
    "lib/linux/execve.c", "lib/linux/fork.c", "lib/linux/fsync.c", "lib/linux/_getcwd.c",
    "lib/linux/gettimeofday.c", "lib/linux/ioctl3.c", "lib/linux/_open3.c", "lib/linux/malloc.c",
    "lib/linux/_read.c", "lib/linux/time.c", "lib/linux/unlink.c", "lib/linux/waitpid.c",
    "lib/linux/x86_64-mes-mescc/syscall.c", "lib/linux/getpid.c", "lib/linux/kill.c",
    "lib/ctype/islower.c", "lib/ctype/isupper.c", "lib/ctype/tolower.c", "lib/ctype/toupper.c",
    "lib/mes/abtod.c", "lib/mes/dtoab.c", "lib/mes/search-path.c", "lib/posix/execvp.c",
    "lib/stdio/fclose.c", "lib/stdio/fdopen.c", "lib/stdio/ferror.c", "lib/stdio/fflush.c",
    "lib/stdio/fopen.c", "lib/stdio/fprintf.c", "lib/stdio/fread.c", "lib/stdio/fseek.c",
    "lib/stdio/ftell.c", "lib/stdio/fwrite.c", "lib/stdio/printf.c", "lib/stdio/remove.c",
    "lib/stdio/snprintf.c", "lib/stdio/sprintf.c", "lib/stdio/sscanf.c", "lib/stdio/vfprintf.c",
    "lib/stdio/vprintf.c", "lib/stdio/vsnprintf.c", "lib/stdio/vsprintf.c", "lib/stdio/vsscanf.c",
    "lib/stdlib/calloc.c", "lib/stdlib/qsort.c", "lib/stdlib/strtod.c", "lib/stdlib/strtof.c",
    "lib/stdlib/strtol.c", "lib/stdlib/strtold.c", "lib/stdlib/strtoll.c", "lib/stdlib/strtoul.c",
    "lib/stdlib/strtoull.c", "lib/string/memmem.c", "lib/string/strcat.c", "lib/string/strchr.c",
    "lib/string/strlwr.c", "lib/string/strncpy.c", "lib/string/strrchr.c", "lib/string/strstr.c",
    "lib/string/strupr.c", "lib/stub/sigaction.c", "lib/stub/ldexp.c", "lib/stub/mprotect.c",
    "lib/stub/localtime.c", "lib/stub/sigemptyset.c", "lib/x86_64-mes-mescc/setjmp.c",
    "lib/linux/close.c", "lib/linux/rmdir.c", "lib/linux/stat.c",
)
"""``libc_tcc_SOURCES`` of configure-lib.sh for x86_64 Linux, in its order."""


@cache
def include_tree() -> Derivation:
    """What mes's configure adds to its include path (``mes/config.h`` and ``arch/``),
    and the headers sx fixes (``stdarg.h``): searched before mes's own."""
    src = sources.mes_source()
    config = derivation("mes-config.h", BUILTIN_WRITE, system="builtin",
                        env={"text": '#undef SYSTEM_LIBC\n#define MES_VERSION "0.24.2"\n'})
    fixed = [(p[len("include/"):], patched("mes-libc.patch", p, f"{src.out}/{p}", src))
             for p in PATCHED]
    arch = f"{src.out}/include/linux/x86_64"
    return tree("mes-include-x86_64", [
        ("mes/config.h", config),
        ("arch/kernel-stat.h", f"{arch}/kernel-stat.h"),
        ("arch/syscall.h", f"{arch}/syscall.h"), *fixed],
        extra=[src, config, *(d for _, d in fixed)])


def flags() -> list[str]:
    """MesCC's flags for mes's libc, as mes's build passes them."""
    src = sources.mes_source()
    return ["-D", "HAVE_CONFIG_H=1", "-I", include_tree().out, "-I", f"{src.out}/include",
            "-I", f"{src.out}/include/linux/x86_64", "-static", "-nostdinc", "-fno-builtin"]


def driver(name: str, files: tuple[str, ...]) -> Derivation:
    """The MesCC driver that compiles mes's ``files`` (paths in its source)."""
    src = sources.mes_source()
    paths = [f"{src.out}/{f}" for f in files]
    return mescc.driver(f"{name}.scm", [(p, flags()) for p in paths], [src, include_tree()],
                        includedir=include_tree().out)


def compiled(name: str, files: tuple[str, ...]) -> Derivation:
    """The M1 text of mes's ``files`` (paths in its source), in order, in one mes process."""
    src = sources.mes_source()
    return mescc.step(name, driver(name, files), [f"{src.out}/{f}" for f in files],
                      [src, include_tree()], meta={"stage": "mes-libc"})


@cache
def libc_tcc() -> Derivation:
    """``libc+tcc.s``: the library, batch by batch, joined in configure-lib.sh's order."""
    parts = [compiled(f"mes-libc+tcc-{i // BATCH}.s", LIBC_TCC[i:i + BATCH])
             for i in range(0, len(LIBC_TCC), BATCH)]
    return stage0.run("mes-libc+tcc.s", stage0.catm(), [stage0.OUT, *parts])


@cache
def crt1() -> Derivation:
    """``crt1.s``: the program entry for MesCC-compiled x86_64 programs."""
    return compiled("mes-crt1.s", (CRT1,))


def crt1_driver() -> Derivation:
    """The MesCC driver of :func:`crt1`."""
    return driver("mes-crt1.s", (CRT1,))
