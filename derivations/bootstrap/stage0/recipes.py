"""The stage0 chain as derivations: from the hex0 seed to the M0 macro assembler.

Every step runs the previous step's binary in the sandbox, with nothing but
its inputs (no shell: sx runs the command itself)::

    hex0-seed  (fixed-output: the bytes of hex0.hex0, pinned by sha256 and BLAKE3)
    hex0       = hex0-seed hex0.hex0          must equal the seed (the fixpoint)
    hex1       = hex0      hex1.hex0
    hex2       = hex1      hex2.hex1
    catm       = hex2      catm.hex2
    M0.hex2    = catm      ELF-i386.hex2 M0.hex2
    M0         = hex2      M0.hex2
    hello      = hex2 (catm ELF-i386.hex2 (M0 (catm i386_defs.M0 hello.M0)))

``stage0()`` is a small index file that refers to every tool, so its closure
is the whole chain's output (what ``make demo`` exports as an image).
"""

from __future__ import annotations

import os

from sx.derivations.bootstrap.stage0.converters import convert_python
from sx.derivations.model import (
    BUILTIN_WRITE,
    Derivation,
    Output,
    Source,
    derivation,
    own_placeholder,
)
from sx.store.hashing import Digest

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_SOURCE_NAME = "hex0.hex0"
SEED_SOURCE = os.path.join(HERE, SEED_SOURCE_NAME)
SEED_SHA256 = "e0da54b675fb4d63b6d1e21b82f5e9a9a1657feda3e7f7b8420fc1d53612a39a"
SEED_BLAKE3 = "e9c277aa2d87172dc7e726cd7a975d4195d40cf69c810f7d36864f448fffd2df"
SYSTEM = "i686-linux"
OUT = own_placeholder("out")


def source(name: str) -> Source:
    """A stage0 source file shipped with sx."""
    return Source(os.path.join(HERE, name), name)


def seed() -> Derivation:
    """The only binary the chain rests on: 246 bytes, spelled out in ``hex0.hex0``.

    The recipe converts the commented source to bytes (comments and blanks
    dropped) and writes them; the declared hashes make it a fixed-output,
    so a changed source or converter fails the build instead of changing
    the seed. ``sx bootstrap seed`` checks the same bytes three other ways.
    """
    data = convert_python(SEED_SOURCE)
    return derivation(
        "hex0-seed",
        BUILTIN_WRITE,
        env={"hex": data.hex(), "executable": "1"},
        outputs=[Output("out", (Digest.parse(f"sha256:{SEED_SHA256}"),
                                Digest.parse(f"b3:{SEED_BLAKE3}")), "flat", executable=True)],
        system="builtin",
        meta={"binary-seed": "1", "source": SEED_SOURCE_NAME},
    )


def run(name: str, tool: Derivation, args: list[str | Source | Derivation],
        extra: list[Derivation] | None = None,
        meta: dict[str, str] | None = None) -> Derivation:
    """One step: ``tool ARGS...`` in the sandbox, ``$out`` standing for the output."""
    srcs = [a for a in args if isinstance(a, Source)]
    drvs = [a for a in args if isinstance(a, Derivation)] + (extra or [])
    argv = [a.out if isinstance(a, Derivation) else str(a) for a in args]
    return derivation(name, tool.out, args=argv, inputs=[tool, *drvs], srcs=srcs, system=SYSTEM,
                      meta=meta)


def hex0() -> Derivation:
    """hex0 assembled by the seed from its own source: equal to the seed, bit for bit.

    The output is pinned to the seed's hashes (meta ``expect``): the step is
    content-addressed, so it runs whenever ``hex0.hex0`` changes, even in a
    store that already holds the seed (whose fixed-output build is then
    skipped), and fails unless it reproduces the seed exactly.
    """
    return run("hex0", seed(), [Source(SEED_SOURCE, SEED_SOURCE_NAME), OUT],
               meta={"expect": f"sha256:{SEED_SHA256} b3:{SEED_BLAKE3}"})


def hex1() -> Derivation:
    """hex1 (single-character labels), written in hex0."""
    return run("hex1", hex0(), [source("hex1.hex0"), OUT])


def hex2() -> Derivation:
    """hex2 (long labels, absolute and relative addresses), written in hex1."""
    return run("hex2", hex1(), [source("hex2.hex1"), OUT])


def catm() -> Derivation:
    """catm (concatenation), written in hex2 with its own ELF header."""
    return run("catm", hex2(), [source("catm.hex2"), OUT])


def m0_source() -> Derivation:
    """M0's hex2 source: the shared ELF header followed by M0's body."""
    return run("M0.hex2", catm(), [OUT, source("ELF-i386.hex2"), source("M0.hex2")])


def m0() -> Derivation:
    """M0, the macro assembler (DEFINE macros over hex2)."""
    return run("M0", hex2(), [m0_source(), OUT])


def defs() -> Source:
    """The M0 definitions for i386."""
    return source("i386_defs.M0")


def hello() -> Derivation:
    """A program written in M0 with the i386 definitions: prints 'Hello from M0'."""
    m0_in = run("hello.M0", catm(), [OUT, defs(), source("hello.M0")])
    hex2_body = run("hello.hex2-body", m0(), [m0_in, OUT])
    hex2_in = run("hello.hex2", catm(), [OUT, source("ELF-i386.hex2"), hex2_body])
    return run("hello", hex2(), [hex2_in, OUT])


def tools() -> dict[str, Derivation]:
    """Every tool of the chain by name, in build order."""
    return {"hex0-seed": seed(), "hex0": hex0(), "hex1": hex1(), "hex2": hex2(),
            "catm": catm(), "M0": m0(), "hello": hello()}


def stage0() -> Derivation:
    """An index of the chain: one line per tool with its store path (and the M0 defs).

    Its closure is every tool, so exporting it exports the whole chain.
    """
    ts = tools()
    lines = [f"{name} {drv.out}\n" for name, drv in ts.items()]
    lines.append(f"i386_defs.M0 {defs()}\n")
    return derivation("stage0", BUILTIN_WRITE, env={"text": "".join(lines)},
                      inputs=list(ts.values()), srcs=[defs()], system="builtin")
