"""Exit codes: one table from sx's exception families to the code ``sx`` exits with.

The table is complete by itself: it does not depend on which command
module was imported (docs/cli.md lists it for users). Families are matched
in table order; the first class that the exception is an instance of wins.
"""

from __future__ import annotations

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
