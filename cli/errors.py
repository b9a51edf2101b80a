"""Exit codes: one table from sx's exception families to the code ``sx`` exits with,
and :func:`run_command`, which runs a parsed command and turns what it raises
into one line on stderr and that code.

The table is complete by itself: it does not depend on which command
module was imported (docs/cli.md lists it for users). Families are matched
in table order; the first class that the exception is an instance of wins.
"""

from __future__ import annotations

import os
import sys

from sx.derivations.build.errors import BuildError, Terminated
from sx.store.errors import (
    InvalidInput,
    NotFound,
    StillAlive,
    StorageError,
    StoreError,
    Untrusted,
)

OK = 0
BAD_INPUT = 1
USAGE = 2
STORAGE = 3
BUILD_FAILED = 4
NOT_TRUSTED = 5
INTERRUPTED = 130
TERMINATED = 143

TABLE: tuple[tuple[type[BaseException], int], ...] = (
    (Terminated, TERMINATED),
    (KeyboardInterrupt, INTERRUPTED),
    (InvalidInput, BAD_INPUT),
    (NotFound, BAD_INPUT),
    (StillAlive, BAD_INPUT),
    (StorageError, STORAGE),
    (BuildError, BUILD_FAILED),
    (Untrusted, NOT_TRUSTED),
    (StoreError, BAD_INPUT),
)
"""(family, exit code), first match wins. Anything else that escapes is a storage failure."""


def exit_code(e: BaseException) -> int:
    """The process exit code for an exception that reached the top level."""
    for klass, code in TABLE:
        if isinstance(e, klass):
            return code
    return STORAGE


# Only for the checker (as in cli/main.py: typing is not imported at run time).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def dispatch(args: Any) -> int:
    """Run a parsed command line (argparse's namespace or cli/quick.py's); its exit code.

    ``--root`` is made the process's ``$SX_ROOT`` (builders and workers started
    later see it too).
    """
    if args.root:
        os.environ["SX_ROOT"] = os.path.abspath(args.root)
    # Flags of an earlier call in this process are not this call's. Only a
    # module already loaded can hold them: importing it here would cost every
    # command (``sx hash file`` needs neither) its start-up time.
    config = sys.modules.get("sx.store.config")
    if config is not None:
        config.set_flags({})
    return run_command(args.func, args)


def run_command(func: Callable[[Any], int | None], args: Any) -> int:
    """Run ``func(args)`` (a command, ``args`` its parsed options); its exit code.

    Errors raised on purpose print ``sx: <message>`` (and the error's indented
    details); Ctrl-C prints one line. ``args.show_trace`` or ``SX_DEBUG=1``
    adds the Python traceback. The stores the command opened are closed.
    """
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt as e:
        print(f"sx: {str(e) or 'interrupted'}", file=sys.stderr)
        return exit_code(e)
    except StoreError as e:
        _report(e, args)
        return exit_code(e)
    except BrokenPipeError:
        return 0
    finally:
        common = sys.modules.get("sx.cli.common")
        if common is not None:
            common.close_stores()


def _report(e: StoreError, args: Any) -> None:
    print(f"sx: {e}", file=sys.stderr)
    details = getattr(e, "details", None)
    for line in details() if callable(details) else []:
        print(line, file=sys.stderr)
    trace = getattr(e, "trace", "")
    if getattr(args, "show_trace", False) or os.environ.get("SX_DEBUG", "") not in ("", "0"):
        import traceback  # only here: it costs every command's start-up

        print(trace or traceback.format_exc(), end="", file=sys.stderr)
    elif trace:
        print("  (--show-trace prints the whole Python trace)", file=sys.stderr)
