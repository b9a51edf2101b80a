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
import site
import sys
import sysconfig
from dataclasses import dataclass
from functools import cache

from sx.derivations.build.errors import BuildError

# The child finds sx where this process found it: this process's package
# directories are added as site directories (so .pth files, such as an
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

    # Real paths: a development install reaches the source folders through
    # symlinks (scripts/link-source.sh), and the sandbox must see their targets.
    return {os.path.realpath(p) for p in (*sx.store.__path__, *sx.derivations.__path__)}


def _outermost(paths: set[str]) -> list[str]:
    """``paths`` without those inside another one of them."""
    out: list[str] = []
    for p in sorted(paths):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out


def _search_dirs() -> list[str]:
    """Where this interpreter finds packages besides its standard library.

    Not the whole ``sys.path``: ``python -m`` puts the current directory
    first, and the sandbox must not see it.
    """
    paths = sysconfig.get_paths()
    dirs = [paths["purelib"], paths["platlib"]]
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    # Site directories added by hand (site.addsitedir) count too.
    dirs += [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    return [d for d in dict.fromkeys(dirs) if d in sys.path and os.path.isdir(d)]


def _interpreter() -> str:
    """The interpreter to start in the sandbox: this one, if this user can reach its file.

    A venv may point at an interpreter under another user's home that this
    user runs by some other way; the system's interpreter of the same
    version then runs sx as well (the packages come from the site dirs).
    """
    own = os.path.realpath(sys.executable)
    if os.access(own, os.X_OK):
        return sys.executable
    system = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if os.access(system, os.X_OK):
        return system
    raise BuildError(f"build: cannot run sx's builtins in the sandbox: {sys.executable} "
                     f"leads to {own}, which this user cannot reach, and there is no {system}")


@cache
def python_runtime() -> Runtime:
    """The runtime of the interpreter running sx now (computed once per process)."""
    paths = sysconfig.get_paths()
    search = _search_dirs()
    wanted = {"/usr", sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
              paths["stdlib"], paths["platstdlib"], *search, *_package_dirs()}
    dirs = {os.path.abspath(p) for p in wanted if p and os.path.exists(p)}
    if "/" in dirs:
        raise BuildError("build: the Python running sx has its files at '/': its runtime "
                         "cannot be shown to a sandbox without the whole host")
    links = [p for p in _TOP_LINKS if os.path.lexists(p) and p not in dirs]
    argv = (_interpreter(), "-I", "-B", "-c", _BOOT, json.dumps(search))
    return Runtime(argv, tuple(links + _outermost(dirs)))
