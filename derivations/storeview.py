"""Running a program of the store on the host, with the store where its paths say.

Everything built refers to ``/sx/store``: interpreters, shebang lines, run
paths. When the physical store is elsewhere (an unprivileged user's
``~/.local/share/sx``, any ``--root``), ``sx run`` and ``sx shell`` start the
program in a mount namespace (a user namespace too when not root, made by
bubblewrap) whose root holds the host's own top-level directories — the
user's files, ``/dev``, ``/proc``, ``/tmp``, network and terminal as
usual — plus the store bind-mounted read-only at ``/sx/store``. Nothing is
isolated: this is a view, not a sandbox. Paths into the physical store
(``./result/bin/x`` out-links) keep working inside it.

bwrap stays as the program's parent while it runs. It ignores SIGINT and
SIGQUIT (so Ctrl-C reaches only the program, as without sx), and the
program gets the default handling back through ``env --default-signal``.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Mapping, Sequence

from sx.store.errors import InvalidInput, NotFound
from sx.store.path import STORE_DIR

_TERMINAL_SIGNALS = (signal.SIGINT, signal.SIGQUIT)


def main_program(name: str, meta: Mapping[str, str]) -> str:
    """The program ``sx run`` starts, relative to the output: ``meta.mainProgram`` or ``bin/NAME``.

    ``mainProgram`` is a relative path inside the output (``bin/hello``);
    a bare name means ``bin/NAME``.
    """
    given = meta.get("mainProgram") or name
    rel = given if "/" in given else f"bin/{given}"
    norm = os.path.normpath(rel)
    parts = norm.split("/")
    if os.path.isabs(rel) or "\0" in rel or ".." in parts or given in (".", ".."):
        raise InvalidInput(f"run {name}: mainProgram {given!r} is not a path inside the output")
    return norm


def needs_view(store_dir: str) -> bool:
    """Whether programs of the store at ``store_dir`` need the namespace to run."""
    return os.path.realpath(store_dir) != os.path.realpath(STORE_DIR)


def view_argv(store_dir: str, argv: Sequence[str]) -> list[str]:
    """The command that runs ``argv`` with ``store_dir`` visible at ``/sx/store``."""
    if not needs_view(store_dir):
        return list(argv)
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise NotFound("run: bubblewrap (bwrap) is not installed; it makes the store "
                       f"visible at {STORE_DIR}")
    cmd = [bwrap]
    for name in sorted(os.listdir("/")):
        host = f"/{name}"
        if name == STORE_DIR.split("/")[1]:
            continue  # replaced by the view's own /sx
        if os.path.islink(host):
            cmd += ["--symlink", os.readlink(host), host]
        else:
            cmd += ["--dev-bind-try", host, host]
    cmd += ["--dir", os.path.dirname(STORE_DIR), "--ro-bind", store_dir, STORE_DIR]
    env = shutil.which("env") or "/usr/bin/env"
    default = ",".join(s.name.removeprefix("SIG") for s in _TERMINAL_SIGNALS)
    return [*cmd, "--", env, f"--default-signal={default}", *argv]


def exec_in_view(store_dir: str, argv: Sequence[str], env: Mapping[str, str]) -> None:
    """Replace this process with ``argv`` run in the view of ``store_dir`` (never returns)."""
    cmd = view_argv(store_dir, argv)
    saved = {}
    if cmd[0] != argv[0]:
        for sig in _TERMINAL_SIGNALS:
            saved[sig] = signal.signal(sig, signal.SIG_IGN)  # for bwrap; env restores them
    try:
        os.execve(cmd[0], cmd, dict(env))
    except OSError as e:
        # Still this process: its own handlers come back (an ignored SIGINT
        # would be inherited by everything it starts later).
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        raise NotFound(f"run {argv[0]}: {e.strerror}") from e
