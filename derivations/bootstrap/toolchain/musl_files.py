"""Which of musl 1.2.3's files a build compiles and installs, as musl's Makefile picks them.

musl is built without a shell (:func:`sx.derivations.bootstrap.toolchain.musl.build_musl`
writes one kaem line per source), so the recipe needs the lists when it is
evaluated, before the source is unpacked. They are kept next to the recipe
(``musl-1.2.3.files``), computed by :func:`plan` from the tarball's file
names; a test recomputes them from the pinned tarball and compares.

The rules, from musl's Makefile:

* sources: ``src/*/*.c`` and ``src/malloc/mallocng/*.c``, plus the
  architecture's ``src/*/x86_64/*.[csS]``; an architecture file replaces
  the generic file of the same base name. Left out, because tcc cannot
  build them: ``src/complex`` (no ``_Complex``), ``src/math/x86_64`` and
  ``src/fenv/x86_64`` (x87 inline assembly with constraints tcc lacks; the
  portable C versions are used).
* headers: everything under ``include/``, then ``arch/generic/bits/*.h``
  and ``arch/x86_64/bits/*.h`` into ``include/bits`` (a later one replaces
  an earlier one of the same name), then the two generated ones.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sx.derivations.bootstrap.toolchain import noshell

ARCH = "x86_64"
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "musl-1.2.3.files")

SKIP = re.compile(rf"^src/complex/|^src/math/{ARCH}/|^src/fenv/{ARCH}/")
GENERIC = re.compile(r"^src/[^/]+/[^/]+\.c$|^src/malloc/mallocng/[^/]+\.c$")
ARCH_FILE = re.compile(rf"^(src/[^/]+|src/malloc/mallocng)/{ARCH}/([^/]+)\.[csS]$")
BITS = re.compile(rf"^arch/(generic|{ARCH})/bits/[^/]+\.h$")

GENERATED = ("include/bits/alltypes.h", "include/bits/syscall.h")
"""Installed headers that the build writes (with gen-headers), replacing none of the source's."""

EMPTY_LIBRARIES = ("m", "rt", "pthread", "crypt", "util", "xnet", "resolv", "dl")
"""musl's empty ``libNAME.a``: everything is in libc.a, but ``-lm`` must still find a file."""


@dataclass(frozen=True)
class Files:
    """What a build takes from musl's source: sources to compile, headers to install."""

    sources: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]
    """(installed name under the prefix, path in the source) pairs, sorted by name."""


def plan(names: Iterable[str]) -> Files:
    """The sources and headers musl's rules pick from ``names`` (the source's files, as
    paths relative to its top folder)."""
    names = sorted(names)
    archf = [n for n in names if ARCH_FILE.match(n) and not SKIP.match(n)]
    replaced = {ARCH_FILE.sub(r"\1/\2", n) for n in archf}
    generic = [n for n in names
               if GENERIC.match(n) and not SKIP.match(n) and n[:-2] not in replaced]
    headers: dict[str, str] = {}
    for n in names:
        if n.startswith("include/"):
            headers[n] = n
    for kind in ("generic", ARCH):
        for n in names:
            if BITS.match(n) and n.split("/")[1] == kind:
                headers[f"include/bits/{posixpath.basename(n)}"] = n
    for g in GENERATED:
        headers.pop(g, None)
    return Files(tuple(sorted(generic + archf)), tuple(sorted(headers.items())))


def render(files: Files) -> str:
    """The text of the data file: one ``source PATH`` or ``header NAME PATH`` per line."""
    lines = [f"source {s}" for s in files.sources]
    lines += [f"header {name} {path}" for name, path in files.headers]
    return "".join(f"{line}\n" for line in lines)


def parse(text: str) -> Files:
    """The data file's text back as :class:`Files`."""
    found = noshell.parse_lines(text, DATA, {"source": 1, "header": 2})
    return Files(tuple(w[0] for w in found["source"]),
                 tuple((w[0], w[1]) for w in found["header"]))


@cache
def files() -> Files:
    """The lists kept next to the recipe."""
    with open(DATA, encoding="utf-8") as f:
        return parse(f.read())
