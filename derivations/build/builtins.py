"""The builtin builders, run by sx itself outside any sandbox.

* ``builtin:fetchurl`` (fixed-output only): see :mod:`.fetch`;
* ``builtin:unpack``: see :mod:`.unpack`;
* ``builtin:write``: env ``text`` becomes the output file; env
  ``executable`` = ``1`` makes it executable.

A builtin gets a :class:`BuiltinContext`: where to write its output, which
store paths it may read (its input closure, nothing else), a log, and a
checkpoint to call between chunks of work so that cancellation is prompt.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sx.derivations.build.errors import BuildError
from sx.derivations.build.settings import DEFAULT_APT_DIR
from sx.derivations.model import BUILTIN_FETCHURL, BUILTIN_UNPACK, BUILTIN_WRITE, Derivation
from sx.store.path import StorePath

CHUNK = 1 << 20


@dataclass
class BuiltinContext:
    """What a builtin may use: where to write, how to read inputs, how to report."""

    drv: Derivation
    drv_path: StorePath
    env: Mapping[str, str]
    out: str
    """Host path the output must be created at."""
    inputs: Mapping[str, str]
    """Store base -> host path of every path the builtin may read."""
    log: Callable[[str], None]
    checkpoint: Callable[[], None]
    """Raises when the build has been cancelled; called between chunks."""
    apt_dir: str = DEFAULT_APT_DIR


def run_builtin(ctx: BuiltinContext) -> None:
    """Run the builtin ``ctx.drv.builder`` names."""
    from sx.derivations.build.fetch import fetchurl
    from sx.derivations.build.unpack import unpack

    handlers = {BUILTIN_FETCHURL: fetchurl, BUILTIN_UNPACK: unpack, BUILTIN_WRITE: write}
    handler = handlers.get(ctx.drv.builder)
    if handler is None:
        raise BuildError(f"build {ctx.drv_path}: unknown builtin {ctx.drv.builder!r}")
    handler(ctx)


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
    fd = os.open(ctx.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
