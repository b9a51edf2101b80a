"""The builtin builders: sx's own code in place of a builder program.

* ``builtin:fetchurl`` (fixed-output only): see :mod:`.fetch`. It runs in
  sx's process, as the invoking user: it needs the network and the files
  the user allowed, and it writes one file.
* ``builtin:unpack``: see :mod:`.unpack`;
* ``builtin:write``: env ``text`` (or the bytes spelled by env ``hex``)
  becomes the output file; env ``executable`` = ``1`` makes it executable.

``unpack`` and ``write`` run in the sandbox, like any builder: sx's Python
(:mod:`.runtime`) starts :mod:`.builtin_child` there, which sees the input
closure, its output's scratch dir and the read-only interpreter, and nothing
else of the host. A tar member pointing at ``/etc/shadow`` then points at
nothing. The request (which builtin, its environment, where its output
goes) is a JSON file in the build dir; an error comes back as the last line
of the log, prefixed with :data:`ERROR_PREFIX`.

A builtin gets a :class:`BuiltinContext`: where to write its output, which
store paths it may read (its input closure, nothing else), a log, and a
checkpoint to call between chunks of work so that cancellation is prompt.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sx.derivations.build.errors import BuildError
from sx.derivations.build.runtime import python_runtime
from sx.derivations.build.sandbox import SandboxSpec
from sx.derivations.model import BUILTIN_UNPACK, BUILTIN_WRITE, Derivation
from sx.store.path import STORE_DIR, StorePath

CHUNK = 1 << 20
SANDBOXED = (BUILTIN_UNPACK, BUILTIN_WRITE)
"""The builtins that run in the sandbox."""
REQUEST = "sx-builtin.json"
"""The request file, in the build dir."""
ERROR_PREFIX = "sx-builtin-error: "
_MAX_ERROR = 1000


@dataclass
class BuiltinContext:
    """What a builtin may use: where to write, how to read inputs, how to report."""

    drv_path: StorePath
    env: Mapping[str, str]
    out: str
    """Path the output must be created at."""
    inputs: Mapping[str, str]
    """Store base -> path of every store path the builtin may read."""
    log: Callable[[str], None]
    checkpoint: Callable[[], None]
    """Raises when the build has been cancelled; called between chunks."""


def sandboxed_spec(drv: Derivation, env: Mapping[str, str], out: str,
                   inputs: Sequence[tuple[str, str]], store_dir: str,
                   build_dir: str) -> SandboxSpec:
    """The sandbox that runs builtin ``drv`` (unpack, write) writing host path ``out``.

    Writes the request into ``build_dir``. Raises :class:`BuildError` for a
    builtin that does not exist.
    """
    if drv.builder not in SANDBOXED:
        raise BuildError(f"build {drv.drv_path}: unknown builtin {drv.builder!r}")
    request = {"builder": drv.builder, "drv": str(drv.drv_path), "env": dict(env),
               "out": f"{STORE_DIR}/{os.path.basename(out)}",
               "inputs": sorted(base for _, base in inputs)}
    fd = os.open(os.path.join(build_dir, REQUEST), os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(request, f)
    rt = python_runtime()
    return SandboxSpec(builder=rt.argv[0], args=rt.argv[1:], env={}, inputs=inputs,
                       store_dir=store_dir, build_dir=build_dir, network=False,
                       runtime=rt.paths)


def reported_error(log_tail: bytes) -> str | None:
    """The error a sandboxed builtin reported as its last log line, if it did."""
    lines = log_tail.decode(errors="replace").rstrip("\n").splitlines()
    if not lines or not lines[-1].startswith(ERROR_PREFIX):
        return None
    return lines[-1][len(ERROR_PREFIX):][:_MAX_ERROR]


def write(ctx: BuiltinContext) -> None:
    """Write env ``text`` (or the bytes spelled by env ``hex``) to the output."""
    mode = 0o755 if ctx.env.get("executable") == "1" else 0o644
    if "hex" in ctx.env:
        try:
            data = bytes.fromhex(ctx.env["hex"])
        except ValueError as e:
            raise BuildError(f"build {ctx.drv_path}: env 'hex' is not hexadecimal: {e}") from e
    else:
        data = ctx.env.get("text", "").encode()
    fd = os.open(ctx.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
