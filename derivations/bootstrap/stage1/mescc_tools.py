"""mescc-tools 1.4.0 (M1, hex2, blood-elf, kaem) compiled by cc1 from Debian's pinned source.

Each tool is an i386 program built by :func:`cc1.program`: its C files
follow M2libc's, in the order of declarations first (``hex2.h`` before
the files that use it), exactly as stage0-posix feeds M2-Planet.  The
tools are the ones MesCC and mes's M2 build (``kaem.run``) call; they
work for every architecture the sources know, amd64 included.
"""

from __future__ import annotations

from functools import cache

from sx.derivations.bootstrap.stage1 import cc1, sources
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation

TOOL_FILES: dict[str, tuple[str, ...]] = {
    "M1": ("stringify.c", "M1-macro.c"),
    "hex2": ("hex2.h", "hex2_globals.h", "hex2_linker.c", "hex2_word.c", "hex2.c"),
    "blood-elf": ("stringify.c", "blood-elf.c"),
    "kaem": ("Kaem/kaem.h", "Kaem/kaem_globals.h", "Kaem/kaem_globals.c", "Kaem/variable.c",
             "Kaem/kaem.c"),
}
"""The C files of each tool, relative to the mescc-tools source tree, in compilation order."""


def tool(name: str, compiler: Derivation | None = None) -> Derivation:
    """One tool of mescc-tools, compiled by ``compiler`` (default: cc1 from the seed)."""
    src = sources.mescc_tools_source()
    files = [f"{src.out}/{f}" for f in TOOL_FILES[name]]
    return cc1.program(name, compiler or cc1.cc1(), files, inputs=[src])


@cache
def tools(compiler: Derivation | None = None) -> dict[str, Derivation]:
    """All four tools by name."""
    return {name: tool(name, compiler) for name in TOOL_FILES}


def mescc_tools() -> Derivation:
    """An index of the four tools (one line each with its store path); its closure is them."""
    ts = tools()
    text = "".join(f"{name} {drv.out}\n" for name, drv in ts.items())
    return derivation("mescc-tools", BUILTIN_WRITE, env={"text": text},
                      inputs=list(ts.values()), system="builtin")
