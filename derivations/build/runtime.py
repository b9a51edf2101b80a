"""The Python runtime that sx's own builtins run in, inside the sandbox.

``builtin:unpack`` and ``builtin:write`` are sx code, but they run in the
same bubblewrap sandbox as any builder. The sandbox then needs the
interpreter that runs sx: its program, its standard library, the packages
sx imports, and the shared libraries under ``/usr``. These are bound
read-only at the same paths as on the host; nothing else of the host is
visible (no ``/etc``, ``/home``, ``/root``, ``/var``, ``/tmp``). They are
program files, not data a build could steal, and they are the same for
every builtin.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from functools import cache

# The child finds sx where this process found it: every directory of this
# process's sys.path is added as a site directory (so .pth files, such as an
# editable install's, work the same), then the runner starts.
_BOOT = ("import json, site, sys\n"
         "for d in json.loads(sys.argv[1]):\n"
         "    d in sys.path or site.addsitedir(d)\n"
         "from sx.derivations.build.builtin_child import main\n"
         "main()\n")
_TOP_LINKS = ("/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin")


@dataclass(frozen=True)
class Runtime:
    """How to start sx's builtin runner in a sandbox, and what it must see."""

    argv: tuple[str, ...]
    """The interpreter, isolated (``-I``: no environment, no user site), writing no bytecode."""
    paths: tuple[str, ...]
    """Host paths bound read-only at the same place (symlinks among them recreated)."""


def _package_dirs() -> set[str]:
    import sx.derivations
    import sx.store

    return {*sx.store.__path__, *sx.derivations.__path__}


def _outermost(paths: set[str]) -> list[str]:
    """``paths`` without those inside another one of them."""
    out: list[str] = []
    for p in sorted(paths):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out


@cache
def python_runtime() -> Runtime:
    """The runtime of the interpreter running sx now (computed once per process)."""
    wanted = {"/usr", sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    search = [p for p in sys.path if p.startswith("/") and os.path.isdir(p)]
    wanted |= set(search) | _package_dirs()
    dirs = [os.path.abspath(p) for p in wanted if p and os.path.exists(p)]
    links = [p for p in _TOP_LINKS if os.path.lexists(p) and p not in dirs]
    argv = (sys.executable, "-I", "-B", "-c", _BOOT, json.dumps(search))
    return Runtime(argv, tuple(links + _outermost(set(dirs))))
