"""Scratch space for builds, and removing it off the critical path.

Every build gets a directory (its ``/sx/store`` and ``/build``) inside one
locked temp dir of the store that lives as long as the realization, so a
crashed sx leaves nothing the next store open would not remove. Removing a
directory that was a mount point in a sandbox that just ended is slow (the
kernel is still tearing the mount namespace down: milliseconds per
directory), so finished scratch dirs are handed to a reaper task that
removes them a little later, in a worker thread, while other builds run.
Whatever is still pending when the realization ends (or is cancelled) is
removed with the temp dir.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable

import trio
from sx.store.fsutil import remove_tree

# Let the namespace teardown finish before removing (measured: removal right
# after the sandbox exits is ~20x slower than 10 ms later).
GRACE = 0.02


class ScratchArea:
    """Per-build directories under ``root`` and their deferred removal."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._ids = itertools.count()
        self._send, self._recv = trio.open_memory_channel[_Item](math.inf)
        self._closed = trio.Event()

    def new(self) -> str:
        """A fresh empty directory for one build."""
        path = os.path.join(self.root, f"b{next(self._ids)}")
        # Searchable, not listable: a mapped build user must reach its dirs.
        os.mkdir(path, 0o711)
        os.chmod(path, 0o711)
        return path

    def release(self, path: str, before: Callable[[], None] | None = None) -> None:
        """The build using ``path`` is over (its sandbox is gone): remove it soon.

        ``before`` (e.g. compressing the build's log out of ``path``) runs
        first, in the reaper's worker thread.
        """
        self._send.send_nowait((trio.current_time() + GRACE, path, before))

    def drain(self) -> None:
        """Run the ``before`` callbacks of everything not reaped yet (the run is ending).

        The directories themselves go with the whole scratch area.
        """
        while True:
            try:
                _, _, before = self._recv.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                return
            if before is not None:
                before()

    def close(self) -> None:
        """No more directories will be released; the reaper finishes at once and returns."""
        self._send.close()
        self._closed.set()

    async def reaper(self) -> None:
        """Remove released directories in batches until :meth:`close`."""
        async for item in self._recv:
            batch = [item]
            try:
                # The grace makes removal cheap while builds run beside it. Once the
                # area is closed nothing waits on that CPU: removing at once (a
                # few ms slower) ends the run sooner than waiting out the grace.
                with trio.move_on_at(item[0]):
                    await self._closed.wait()
                while True:
                    try:
                        batch.append(self._recv.receive_nowait())
                    except (trio.WouldBlock, trio.EndOfChannel):
                        break
                await trio.to_thread.run_sync(_reap, batch)
                batch = []
            finally:
                # Cancelled first: still run the callbacks (the logs).
                for _, _, before in batch:
                    if before is not None:
                        before()


_Item = tuple[float, str, Callable[[], None] | None]


def _reap(items: list[_Item]) -> None:
    for _, path, before in items:
        try:
            if before is not None:
                before()
        finally:
            remove_tree(path)
