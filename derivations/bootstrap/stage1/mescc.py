"""MesCC steps from the seed: mes-m2 running MesCC in the sandbox, with no shell.

A step is a kaem script (kaem is the mescc-tools shell cc1 built): ``cd``
to mes's source (mes finds its boot modules as ``./mes/module``), run
``mes-m2`` on a driver the recipe writes, then ``catm`` the M1 files
MesCC wrote under ``/build`` into ``$out``.  The driver sets what mes's
configure writes into ``mescc.scm`` (prefix, version, x86_64, linux),
``load``s any patched modules at top level (mes modules share one
top-level environment, so later definitions replace the pinned ones; a
``load`` inside a procedure would define into that procedure's scope),
then calls ``mescc:main`` once per file.

MesCC names string labels after its ``-o`` path; ``/build/BASE.s`` keeps
them distinct per file and the same on every machine (Debian's prebuilt
files, compiled in the output directory, name them after ``BASE.s``).
"""

from __future__ import annotations

from sx.derivations.bootstrap.stage0 import recipes as stage0
from sx.derivations.bootstrap.stage1 import mes, mescc_tools, sources
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation

BUILD = "/build"
"""The sandbox's build directory."""

NYACC_DIR = "usr/share/guile/site/3.0"
"""Where nyacc's package keeps its Scheme modules."""

MES_ENV = {"MES_ARENA": "20000000", "MES_MAX_ARENA": "20000000", "MES_STACK": "6000000"}
"""mes's cell arena and stack, as Debian's mescc script sets them."""

PRELUDE = """(define %prefix (getenv "MES_PREFIX"))
(setenv "%prefix" %prefix)
(setenv "%includedir" {includedir})
(setenv "%libdir" (string-append %prefix "/lib"))
(setenv "%version" "0.24.2")
(setenv "%arch" "x86_64")
(setenv "%kernel" "linux")
(setenv "%numbered_arch" "false")
(mes-use-module (mescc))
"""


def s_path(c_file: str) -> str:
    """Where MesCC writes the M1 text of ``c_file`` (``/build/BASE.s``)."""
    base = c_file.rsplit("/", 1)[-1]
    return f"{BUILD}/{base[:-2] if base.endswith('.c') else base}.s"


def scheme_string(text: str) -> str:
    """``text`` as a Scheme string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def driver(name: str, files: list[tuple[str, list[str]]], inputs: list[Derivation],
           modules: list[Derivation] | None = None, includedir: str | None = None
           ) -> Derivation:
    """A MesCC driver: for each (C file, flags) of ``files``, MesCC ``-S`` to ``s_path``.

    ``inputs``: the derivations whose outputs the files and flags name;
    ``modules``: patched MesCC files to load over the pinned ones;
    ``includedir``: the directory MesCC searches first, before the ``-I``
    ones (mes's ``include`` by default; ``#include`` finds a header there
    even when an ``-I`` directory holds a fixed copy).

    Each output file is made empty first: MesCC writes none for a file whose
    code is all in ``#if`` branches of other targets, and ``catm`` needs it.
    """
    mods = modules or []
    where = scheme_string(includedir) if includedir else '(string-append %prefix "/include")'
    lines = [PRELUDE.format(includedir=where), *(f'(load "{m.out}")\n' for m in mods)]
    for c_file, flags in files:
        out = scheme_string(s_path(c_file))
        args = " ".join(scheme_string(a) for a in ["mescc", "-m", "64", "-S", *flags,
                                                     "-o", s_path(c_file), c_file])
        lines.append(f'(with-output-to-file {out} (lambda () (display "")))\n'
                     f"(mescc:main (list {args}))\n")
    return derivation(name, BUILTIN_WRITE, env={"text": "".join(lines)},
                      inputs=[*mods, *inputs], system="builtin")


def step(name: str, drv: Derivation, c_files: list[str], inputs: list[Derivation],
         meta: dict[str, str] | None = None) -> Derivation:
    """``$out``: the M1 text of ``c_files``, in order, from MesCC running ``drv`` on mes-m2.

    ``inputs``: the derivations whose outputs the C files and flags name.
    """
    mes_src = sources.mes_source()
    nyacc = sources.nyacc_source()
    m2 = mes.mes_m2()
    kaem = mescc_tools.tools()["kaem"]
    catm = stage0.catm()
    script_inputs = [mes_src, nyacc, m2, drv, catm]
    script = (f"cd {mes_src.out}\n"
              f"{m2.out} --no-auto-compile -L {nyacc.out}/{NYACC_DIR} {drv.out}\n"
              f"{catm.out} ${{out}} {' '.join(s_path(f) for f in c_files)}\n")
    kaem_file = derivation(f"{name}.kaem", BUILTIN_WRITE, env={"text": script},
                           inputs=script_inputs, system="builtin")
    env = {**MES_ENV, "MES_PREFIX": mes_src.out,
           "GUILE_LOAD_PATH": f"{mes_src.out}/module:{nyacc.out}/{NYACC_DIR}"}
    return derivation(name, kaem.out, args=["--strict", "--file", kaem_file.out], env=env,
                      inputs=[kaem, kaem_file, *script_inputs, *inputs],
                      system=stage0.SYSTEM, meta=meta)
