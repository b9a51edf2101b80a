"""Small recipes that need nothing from the host: the registry's examples.

They use only ``builtin:write`` (sx's own code, run in the sandbox), so they
need no program from the host; docs/recipes.md shows recipes with other
builders.
"""

from __future__ import annotations

import os
import shutil

from sx.derivations.model import BUILTIN_WRITE, Derivation, Source, derivation, own_placeholder


def hello() -> Derivation:
    """A file holding a greeting."""
    return derivation("hello", BUILTIN_WRITE, env={"text": "Hello, world!\n"}, system="builtin")


def hello_script() -> Derivation:
    """An executable that refers to the greeting above and to its own path."""
    greeting = hello()
    text = (f"#!/bin/sh\n# installed at {own_placeholder('out')}\n"
            f"cat {greeting.out}\n")
    return derivation("hello-script", BUILTIN_WRITE, env={"text": text, "executable": "1"},
                      inputs=[greeting], system="builtin")


def busybox_tree(dest: str, binary: str = "/bin/busybox") -> Source:
    """Lay out a static busybox as ``dest/bin/{busybox,sh}`` and return it as a Source.

    Busybox picks its applet from the name it was started as (``argv[0]``),
    and a builder's ``argv[0]`` is its path: a store path named
    ``<digest>-busybox`` would not be recognised, ``<path>/bin/sh`` is.
    Idempotent: an existing layout is reused.
    """
    bindir = os.path.join(dest, "bin")
    os.makedirs(bindir, exist_ok=True)
    target = os.path.join(bindir, "busybox")
    if not os.path.exists(target):
        part = f"{target}.{os.getpid()}.part"
        shutil.copyfile(binary, part)
        os.chmod(part, 0o755)
        os.replace(part, target)
    sh = os.path.join(bindir, "sh")
    if not os.path.lexists(sh):
        os.symlink("busybox", sh)
    return Source(dest, "busybox")
