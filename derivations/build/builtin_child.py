"""The runner of the sandboxed builtins: started by :mod:`.runtime` inside the sandbox.

Reads the request from the build dir, runs ``unpack`` or ``write``, and
exits 0; on an error sx raises on purpose, prints it as the last log line
(after :data:`~.builtins.ERROR_PREFIX`) and exits 1. Anything else is a bug
and shows as a traceback in the build log.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from sx.derivations.build.builtins import ERROR_PREFIX, REQUEST, BuiltinContext, write
from sx.derivations.build.sandbox import BUILD_DIR
from sx.derivations.build.unpack import unpack
from sx.derivations.model import BUILTIN_UNPACK, BUILTIN_WRITE
from sx.store.errors import StoreError
from sx.store.path import STORE_DIR, StorePath

_HANDLERS: dict[str, Callable[[BuiltinContext], None]] = {
    BUILTIN_UNPACK: unpack, BUILTIN_WRITE: write}


def _log(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def main() -> None:
    """Run the requested builtin; the process exit status says whether it worked."""
    with open(f"{BUILD_DIR}/{REQUEST}", encoding="utf-8") as f:
        req = json.load(f)
    ctx = BuiltinContext(
        drv_path=StorePath.parse(req["drv"]), env=req["env"], out=req["out"],
        inputs={base: f"{STORE_DIR}/{base}" for base in req["inputs"]},
        log=_log, checkpoint=lambda: None)
    try:
        _HANDLERS[req["builder"]](ctx)
    except StoreError as e:
        _fail(str(e))
    except OSError as e:  # writing the output: space, names the file system refuses
        _fail(f"build {ctx.drv_path}: {e.strerror or e}")


def _fail(message: str) -> None:
    _log(f"\n{ERROR_PREFIX}{' '.join(message.split())}\n")
    sys.exit(1)
