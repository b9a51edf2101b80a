"""Child processes started from the trio thread and awaited through a pidfd.

trio's own ``open_process`` forks from a worker thread; ``PR_SET_PDEATHSIG``
(set on bwrap's outer process) follows the *thread* that forked, and trio
retires idle worker threads after ten seconds, which would kill any
sandbox living longer. Forking from the trio thread itself ties a child to
the sx process, as intended.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

import trio


class Child:
    """A started process; :meth:`wait` does not block the trio thread."""

    def __init__(self, argv: Sequence[str], *, stdin: int | None = subprocess.DEVNULL,
                 stdout: int | None = None, stderr: int | None = None,
                 pass_fds: Sequence[int] = ()) -> None:
        # No user switch and no preexec hook: subprocess can then vfork, where
        # a fork of the whole sx process would cost milliseconds per build.
        self.popen = subprocess.Popen(list(argv), stdin=stdin, stdout=stdout, stderr=stderr,
                                      pass_fds=tuple(pass_fds))
        self.pid: int = self.popen.pid
        self._pidfd = os.pidfd_open(self.pid)

    @property
    def returncode(self) -> int | None:
        """The exit status once :meth:`wait` (or :meth:`poll`) has seen the end."""
        return self.popen.returncode

    def poll(self) -> int | None:
        """The exit status if the process has ended (reaping it), else None."""
        return self.popen.poll()

    def kill(self) -> None:
        """SIGKILL, unless it has already been reaped."""
        if self.popen.returncode is None:
            try:
                self.popen.kill()
            except ProcessLookupError:
                pass

    async def wait(self) -> int:
        """Wait for the end; returns the exit status (negative: the signal)."""
        while self.popen.poll() is None:
            await trio.lowlevel.wait_readable(self._pidfd)
        self._close()
        return self.popen.returncode

    async def kill_and_wait(self) -> int:
        """SIGKILL and wait, shielded from cancellation: returns only when it is gone."""
        self.kill()
        with trio.CancelScope(shield=True):
            code = await self.wait()
        return code

    def _close(self) -> None:
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1

    def __del__(self) -> None:
        if getattr(self, "_pidfd", -1) >= 0:
            os.close(self._pidfd)
