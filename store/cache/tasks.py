"""A trio nursery whose failure is one error: the first store error among the tasks'.

Concurrent transfers fail for one reason at a time as far as the user is
concerned ("archive X is corrupt"); callers catch the store's exceptions, not
exception groups. Cancellation and interrupts pass through untouched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sx.store.errors import StoreError

if TYPE_CHECKING:
    import trio


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for e in group.exceptions:
        out.extend(_leaves(e) if isinstance(e, BaseExceptionGroup) else [e])
    return out


@asynccontextmanager
async def nursery() -> AsyncIterator[trio.Nursery]:
    """``trio.open_nursery()``, re-raising the first task error itself instead of a group."""
    import trio  # here: importing this module must not cost trio's start-up

    try:
        async with trio.open_nursery() as n:
            yield n
    except BaseExceptionGroup as group:
        leaves = _leaves(group)
        if not all(isinstance(e, Exception) for e in leaves):
            raise
        first = next((e for e in leaves if isinstance(e, StoreError)), leaves[0])
        raise first from None
