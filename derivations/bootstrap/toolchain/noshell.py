"""Builds with no shell: kaem scripts of flat commands, run by the seed's kaem.

musl and the first busybox are built before there is a shell to run a build
script (busybox is what gives one). Their recipes write every command out: a
kaem script (kaem is the mescc-tools shell cc1 built from the hex0 seed: no
pipes, redirection, globbing or ``mkdir``; at most 256 words of fewer than
4,096 characters per command), with the seed-built tools:

- ``mktree`` (stage1) makes folders and lays out trees;
- ``gen-headers`` (``gen-headers.c``, compiled by cc1) writes the headers
  the upstream builds make with sed and shell scripts;
- tcc's ``@FILE`` reads long argument lists from files written by the
  built-in writer.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from functools import cache

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import cc1, mescc_tools
from sx.derivations.bootstrap.stage1 import tcc_boot as boot
from sx.derivations.model import BUILTIN_WRITE, Derivation, Source, derivation

HERE = os.path.dirname(os.path.abspath(__file__))

BUILD = "/build"
"""The sandbox's writable folder, where a build writes its objects."""

KAEM_MAX_WORDS = 256
"""kaem 1.4.0 takes at most 256 words per command (its ``MAX_ARRAY``)..."""
KAEM_MAX_TOKEN = 4096
"""... each shorter than 4,096 characters (``MAX_STRING``)."""


def parse_lines(text: str, where: str, forms: dict[str, int]) -> dict[str, list[list[str]]]:
    """The lines of a data file kept beside a recipe (``where``, named in errors): the
    lists a no-shell build needs before its source is unpacked. Each line is a kind of
    ``forms`` and that many words after it; blank and ``#`` lines are skipped. Returns
    the words of each kind, in order."""
    found: dict[str, list[list[str]]] = {kind: [] for kind in forms}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        kind, *rest = line.split(" ")
        if forms.get(kind) != len(rest) or "" in rest:
            wanted = " or ".join(f"'{k}' and {n} words" for k, n in forms.items())
            raise ValueError(f"{where}:{number}: not {wanted}")
        found[kind].append(rest)
    return found


def write(name: str, text: str, inputs: list[Derivation] | None = None) -> Derivation:
    """A file with ``text``, written by the built-in writer (``inputs``: what it names)."""
    return derivation(name, BUILTIN_WRITE, env={"text": text}, inputs=inputs or [],
                      system="builtin")


@cache
def gen_headers() -> Derivation:
    """sx's gen-headers, compiled by cc1 from the seed."""
    return cc1.program("gen-headers", cc1.cc1(),
                       [Source(os.path.join(HERE, "gen-headers.c"), "gen-headers.c")])


def object_path(source: str) -> str:
    """Where a build writes the object of ``source`` (a path in the source tree): the
    same path under ``BUILD/obj``, so objects of one base name in two folders differ and
    an archive names its members as the upstream build does."""
    return f"{BUILD}/obj/{posixpath.splitext(source)[0]}.o"


def make_folders(files: Iterable[str]) -> list[str]:
    """mktree lines making every folder of ``files`` (paths under :data:`BUILD`) below
    BUILD, parents first (mktree makes one new folder when given no file)."""
    folders: set[str] = set()
    for f in files:
        d = posixpath.dirname(f)
        while d != BUILD and d not in folders:
            if not d.startswith(BUILD + "/"):
                raise ValueError(f"{f}: not under {BUILD}")
            folders.add(d)
            d = posixpath.dirname(d)
    mktree = boot.mktree().out
    return [f"{mktree} {d}" for d in sorted(folders, key=lambda d: (d.count("/"), d))]


def script(lines: Iterable[str]) -> str:
    """kaem's text of ``lines``; a line over kaem's limits is an error here, not in
    the build."""
    out = []
    for line in lines:
        words = line.split(" ")
        if len(words) >= KAEM_MAX_WORDS or max(map(len, words)) >= KAEM_MAX_TOKEN:
            raise ValueError(f"kaem line over kaem's limits: {line[:80]}...")
        out.append(f"{line}\n")
    return "".join(out)


def kaem(name: str, lines: Iterable[str], inputs: list[Derivation],
         meta: dict[str, str] | None = None) -> Derivation:
    """``$out`` from the seed's kaem running ``lines`` (with ``inputs``, every derivation
    they name, and mktree)."""
    tool = mescc_tools.tools()["kaem"]
    needs = [*inputs, boot.mktree()]
    kaem_file = write(f"{name}.kaem", script(lines), inputs=needs)
    return derivation(name, tool.out, args=["--strict", "--file", kaem_file.out],
                      inputs=[tool, kaem_file, *needs], system=stage0.SYSTEM, meta=meta)
