"""Blocking work over many items at once, in worker threads, without an event loop.

Record look-ups and downloads from caches are blocking calls (files,
sockets, decompression); a command that only substitutes needs nothing
more than a few threads for them. Starting trio for that would cost its
import (tens of milliseconds) on every ``sx realize`` that fetches, so the
substituters use :func:`each` instead, and the builder calls them from its
trio tasks through ``trio.to_thread``.

Structured like a nursery: :func:`each` returns only when every call it
started has ended, and a failure is one error (the first store error among
the calls', else the first), as :func:`sx.store.cache.tasks.nursery` does.
Calls not started yet when one fails are not started; an interrupt in the
waiting thread cancels those too and waits for the running ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from sx.store.errors import StoreError

T = TypeVar("T")
R = TypeVar("R")


def _first_error(futures: Sequence[Future[R]]) -> BaseException | None:
    errors = [e for f in futures if not f.cancelled() and (e := f.exception()) is not None]
    return next((e for e in errors if isinstance(e, StoreError)), errors[0] if errors else None)


def each(fn: Callable[[T], R], items: Sequence[T], jobs: int,
         tick: Callable[[], None] | None = None, interval: float = 0.1) -> list[R]:
    """``fn`` of every item, up to ``jobs`` at once; the results in the items' order.

    ``tick`` (if given) is called in the calling thread about every
    ``interval`` seconds while the calls run (a progress display). One item
    without a ``tick`` runs in the calling thread.
    """
    if not items:
        return []
    if len(items) == 1 and tick is None:
        return [fn(items[0])]
    pool = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(items))))
    try:
        futures = [pool.submit(fn, item) for item in items]
        pending: set[Future[R]] = set(futures)
        while pending:
            done, pending = wait(pending, timeout=interval if tick else None,
                                 return_when=FIRST_EXCEPTION)
            if any(not f.cancelled() and f.exception() is not None for f in done):
                break
            if tick is not None:
                tick()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    error = _first_error(futures)
    if error is not None:
        raise error
    return [f.result() for f in futures]
