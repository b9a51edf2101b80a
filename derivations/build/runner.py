"""Running one builder process in the sandbox, under trio.

The builder's stdout and stderr go to the raw log file directly; its size is
polled (often at first, then less) to enforce the log limit. The whole
sandbox is one ``bwrap`` process whose child is pid 1 of a new pid
namespace and dies with it (``--die-with-parent``): SIGKILL to bwrap
therefore ends every process of the build. That happens on a timeout, when
the log limit is exceeded, and when the task is cancelled (Ctrl-C, a failed
dependency).
"""

from __future__ import annotations

import math
import os
import subprocess

import trio
from sx.derivations.build.errors import BuildError, BuildTimeout, LogLimitExceeded
from sx.derivations.build.logs import BuildLog
from sx.derivations.build.sandbox import Sandbox, SandboxSpec
from sx.store.path import StorePath

_FIRST_POLL = 0.01
_MAX_POLL = 0.25


class _Process:
    """A child started from the trio thread itself, awaited through a pidfd.

    trio's own ``open_process`` forks from a worker thread; bwrap's
    ``--die-with-parent`` (PR_SET_PDEATHSIG) follows the *thread* that forked
    it, and trio retires idle worker threads after ten seconds, which would
    SIGKILL any build running longer. Forking from the main thread ties the
    sandbox's life to the sx process, as intended.
    """

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen
        self.pidfd = os.pidfd_open(popen.pid)

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    def kill(self) -> None:
        if self.popen.returncode is None:
            self.popen.kill()

    async def wait(self) -> int:
        while self.popen.poll() is None:
            await trio.lowlevel.wait_readable(self.pidfd)
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1
        return self.popen.returncode

    def __del__(self) -> None:
        if getattr(self, "pidfd", -1) >= 0:
            os.close(self.pidfd)


async def _kill(proc: _Process) -> None:
    if proc.returncode is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
    with trio.CancelScope(shield=True):
        await proc.wait()


async def _wait(proc: _Process, log: BuildLog) -> None:
    """Wait for the process; :class:`LogLimitExceeded` when its log grows too big."""
    if log.limit is None:
        await proc.wait()
        return
    poll = _FIRST_POLL
    while True:
        with trio.move_on_after(poll):
            await proc.wait()
            return
        if log.size() > log.limit:
            raise LogLimitExceeded(
                f"build {log.drv_path}: log exceeded {log.limit} bytes; build killed")
        poll = min(poll * 2, _MAX_POLL)


async def run_sandboxed(sandbox: Sandbox, spec: SandboxSpec, status_path: str,
                        log: BuildLog, drv_path: StorePath, timeout: float | None) -> None:
    """Run ``spec`` to completion; :class:`BuildError` unless the builder exits 0."""
    fd = os.open(status_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    out = -1
    try:
        out = log.open_for_builder()
        argv = sandbox.command(spec, fd)
        proc = _Process(subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            pass_fds=(fd, *sandbox.extra_fds())))
    finally:
        os.close(fd)
        if out >= 0:
            os.close(out)
    try:
        with trio.move_on_after(timeout if timeout else math.inf) as scope:
            await _wait(proc, log)
    finally:
        await _kill(proc)
    if scope.cancelled_caught:
        log.note(f"\nsx: timed out after {timeout} s; build killed\n")
        raise BuildTimeout(f"build {drv_path}: timed out after {timeout} s")
    with open(status_path, encoding="utf-8", errors="replace") as f:
        status = f.read()
    code = sandbox.outcome(spec, status, proc.returncode or 0, log.tail)
    if code != 0:
        raise BuildError(f"build {drv_path}: builder failed with exit code {code}")
