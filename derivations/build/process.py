"""Child processes started from the trio thread and awaited through a pidfd.

Started by :mod:`._spawn` (C): a vfork and exec with the limits and the
parent-death signal set in between, or a namespace holder that runs no
program at all. trio's own ``open_process`` forks from a worker thread;
``PR_SET_PDEATHSIG`` follows the *thread* that forked, and trio retires idle
worker threads after ten seconds, which would kill any sandbox living
longer. Starting from the trio thread itself ties a child to the sx
process, as intended.
"""

from __future__ import annotations

import math
import os
import select
import signal
from collections.abc import Sequence

import trio
from sx.derivations.build import _spawn


class Child:
    """A started process; :meth:`wait` does not block the trio thread."""

    def __init__(self, pid: int, stack: int = 0) -> None:
        self.pid = pid
        self._stack = stack
        """A holder's stack (:meth:`hold`), freed once it has been reaped."""
        self.returncode: int | None = None
        """The exit status once :meth:`wait` (or :meth:`poll`) has seen the end."""
        try:
            self._pidfd = os.pidfd_open(pid)
        except OSError:
            self._pidfd = -1
            self.kill()
            self.wait_blocking()
            raise

    @classmethod
    def start(cls, argv: Sequence[str], *, stdout: int = 1, stderr: int = 2,
              pass_fds: Sequence[int] = (), rlimits: Sequence[tuple[int, int]] = (),
              pdeathsig: int = 0, netns: int = -1) -> Child:
        """Run ``argv`` (``argv[0]`` a path) with stdin from ``/dev/null``.

        ``pass_fds`` are inherited at their numbers, every other descriptor
        but stdio is closed; ``rlimits`` (``resource.RLIMIT_*``, value: soft
        and hard) and ``pdeathsig`` (the signal it gets when sx's trio thread
        ends) are set before the exec, and the network namespace ``netns``
        (a descriptor, -1: none) is entered, its loopback interface brought
        up (which needs ``CAP_SYS_ADMIN``: root).
        """
        null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        try:
            pid = _spawn.spawn(argv[0], list(argv), null, stdout, stderr, tuple(pass_fds),
                               tuple(rlimits), pdeathsig, netns)
        finally:
            os.close(null)
        return cls(pid)

    @classmethod
    def hold(cls, fd: int, net: bool = False) -> Child:
        """A process in new user and pid namespaces (their pid 1) that ends at EOF on ``fd``.

        With ``net``, also in a new network namespace (owned by that user
        namespace; its loopback interface is down). It runs no program: it
        shares sx's memory and reads ``fd`` on a stack of its own, with every
        other descriptor closed and every signal blocked. Its exit kills
        every other process of the pid namespace.
        """
        return cls(*_spawn.hold(fd, net))

    def poll(self) -> int | None:
        """The exit status if the process has ended (reaping it), else None."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): as subprocess does
                self._ended(0)
                return 0
            if pid == self.pid:
                self._ended(status)
        return self.returncode

    def kill(self) -> None:
        """SIGKILL, unless it has already been reaped."""
        if self.returncode is None:
            try:
                if self._pidfd >= 0:
                    signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
                else:
                    os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    async def wait(self) -> int:
        """Wait for the end; returns the exit status (negative: the signal)."""
        while self.poll() is None:
            await trio.lowlevel.wait_readable(self._pidfd)
        return self._done()

    def wait_blocking(self) -> int:
        """:meth:`wait` outside trio."""
        while self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                self._ended(0)
                break
            self._ended(status)
        return self._done()

    def wait_for(self, seconds: float) -> int | None:
        """:meth:`wait_blocking` for at most ``seconds``: None if it is still running."""
        if self.returncode is None and self._pidfd >= 0:
            # poll, not select: the pidfd may be numbered past select's 1024.
            poller = select.poll()
            poller.register(self._pidfd, select.POLLIN)
            if not poller.poll(math.ceil(max(seconds, 0) * 1000)):
                return None
        return self.wait_blocking()

    async def kill_and_wait(self) -> int:
        """SIGKILL and wait, shielded from cancellation: returns only when it is gone."""
        self.kill()
        with trio.CancelScope(shield=True):
            code = await self.wait()
        return code

    def _ended(self, status: int) -> None:
        self.returncode = os.waitstatus_to_exitcode(status)
        if self._stack:
            _spawn.unhold(self._stack)
            self._stack = 0

    def _done(self) -> int:
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1
        assert self.returncode is not None
        return self.returncode

    def __del__(self) -> None:
        if getattr(self, "_pidfd", -1) >= 0:
            os.close(self._pidfd)
