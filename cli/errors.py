"""Exit codes, and the mapping from sx's exceptions to them."""

from __future__ import annotations

from sx.store.errors import InvalidInput, NotFound, StillAlive, StorageError, StoreError

OK = 0
BAD_INPUT = 1
USAGE = 2
STORAGE = 3
BUILD_FAILED = 4
NOT_TRUSTED = 5
INTERRUPTED = 130


def exit_code(e: BaseException) -> int:
    """The process exit code for an exception that reached the top level."""
    if isinstance(e, KeyboardInterrupt):
        code = getattr(e, "exit_code", INTERRUPTED)  # SIGTERM: 143
        return code if isinstance(code, int) else INTERRUPTED
    if isinstance(e, (InvalidInput, NotFound, StillAlive)):
        return BAD_INPUT
    if isinstance(e, StorageError):
        return STORAGE
    for klass, code in _EXTRA:
        if isinstance(e, klass):
            return code
    if isinstance(e, StoreError):
        return BAD_INPUT
    return STORAGE


_EXTRA: list[tuple[type[BaseException], int]] = []


def register(klass: type[BaseException], code: int) -> None:
    """Let a command module map its own exception family to an exit code."""
    _EXTRA.append((klass, code))
