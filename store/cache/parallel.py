"""Blocking work over many items at once, in worker threads, without an event loop.

Record look-ups and downloads from caches are blocking calls (files,
sockets, decompression); a command that only substitutes needs nothing
more than a few threads for them. Starting trio for that would cost its
import (tens of milliseconds) on every ``sx realize`` that fetches, so the
substituters use :func:`each` instead, and the builder calls them from its
trio tasks through ``trio.to_thread``. The threads are plain
``threading`` ones: ``concurrent.futures`` would add its own import and
``logging``'s to every such run.

Structured like a nursery: :func:`each` returns only when every call it
started has ended, and a failure is one error (the first store error among
the calls', else the first), as :func:`sx.store.cache.tasks.nursery` does.
Calls not started yet when one fails are not started; an interrupt in the
waiting thread cancels those too and waits for the running ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from sx.store.errors import StoreError

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")
    R = TypeVar("R")


class _Work:
    """The items, which of them have been taken, and each call's result or error."""

    def __init__(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> None:
        self.fn = fn
        self.items = items
        self.results: list[Any] = [None] * len(items)
        self.errors: list[BaseException | None] = [None] * len(items)
        self.taken = 0
        self.stopped = False
        self.lock = threading.Lock()

    def stop(self) -> None:
        """Start no more calls."""
        with self.lock:
            self.stopped = True

    def run(self, first: int) -> None:
        """One worker: item ``first``, then the next untaken one until none is left or
        the work stops.

        Each worker's first item is given when it is made, so the first
        ``jobs`` items start together, as a pool's would, however soon one fails.
        """
        i = first
        while True:
            try:
                self.results[i] = self.fn(self.items[i])
            except BaseException as e:  # handed to the waiting thread, which raises it
                self.errors[i] = e
                self.stop()
            with self.lock:
                if self.stopped or self.taken >= len(self.items):
                    return
                i = self.taken
                self.taken += 1

    def first_error(self) -> BaseException | None:
        """The first store error in the items' order, else the first error."""
        errors = [e for e in self.errors if e is not None]
        return next((e for e in errors if isinstance(e, StoreError)),
                    errors[0] if errors else None)


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
    work = _Work(fn, items)
    work.taken = max(1, min(jobs, len(items)))
    threads = [threading.Thread(target=work.run, args=(i,), name="sx-each", daemon=True)
               for i in range(work.taken)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join(interval if tick else None)
            while t.is_alive():
                if tick is not None:
                    tick()
                t.join(interval if tick else None)
    finally:
        work.stop()  # after an interrupt here: start nothing more, wait for the running
        for t in threads:
            t.join()
    error = work.first_error()
    if error is not None:
        raise error
    return work.results  # every slot was filled: no call failed
