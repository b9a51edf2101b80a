"""Running one builder process in the sandbox, under trio.

A build is several things sx watches at once: the sandbox process (bwrap's
outer process, whose exit status is the builder's), bwrap's status pipe
(it names the sandbox's pid 1, whose end means the build is over even when
bwrap could not tell), the pipe that carries the builder's stdout and
stderr (every byte is counted against the log limit, then written to the
log and, with ``-L``, echoed), and, while limits are set, what its
processes use. Whatever ends the build — the builder's exit, the timeout,
the log limit, a resource limit, cancellation (Ctrl-C, SIGTERM, a failed
dependency) — the last step is the same: the build's namespaces are killed
and sx waits until no process of the build is left (:mod:`.buildns`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
from collections.abc import Callable

import trio
from sx.derivations.build.errors import (
    BuilderFailed,
    BuildError,
    BuildTimeout,
    LimitExceeded,
    LogLimitExceeded,
)
from sx.derivations.build.limits import Limits, Usage, exceeded, sample
from sx.derivations.build.logs import BuildLog
from sx.derivations.build.process import Child
from sx.derivations.build.sandbox import Isolation, Sandbox, SandboxError, SandboxSpec
from sx.store.path import StorePath

_FIRST_SAMPLE = 0.01
_FAST_SAMPLES = 100
_MAX_SAMPLE = 0.5
_CHUNK = 1 << 16
# After the sandbox's pid 1 ended, how long bwrap's outer process may take
# to report the builder's status before it is taken to have nothing to say.
# Only a sandbox whose pid 1 died before the builder's end (a failed set-up)
# ever waits this long: bwrap's outer process hears of the builder's end from
# that pid 1 alone. (Such waits once came from bwrap's own parent-death
# signal killing a healthy pid 1: see ``BwrapSandbox._outer``.)
_REPORT_GRACE = 10.0
# After the builder's exit, how long its sandbox's pid 1 may take to end.
_EMPTY_GRACE = 0.05

Echo = Callable[[bytes], None]


class _Watch:
    """The concurrent parts of one build, and why it was stopped early (if it was)."""

    def __init__(self, proc: Child, iso: Isolation, log: BuildLog, limits: Limits,
                 overhead: int, echo: Echo | None) -> None:
        self.proc = proc
        self.iso = iso
        self.log = log
        self.limits = limits
        self.overhead = overhead
        self.echo = echo
        self.status = b""
        self.pid1: int | None = None
        """Host pid of the sandbox's pid 1, once bwrap has said it."""
        self.named = trio.Event()
        self.exited = trio.Event()
        """Set once bwrap's outer process has been waited for."""
        self.pid1_ended = trio.Event()
        """Set once the sandbox's pid 1 has ended: then no process of the build is left."""
        self.unreported: float | None = None
        """The grace after which bwrap was killed, having said nothing after pid 1 ended."""
        self.stopped: BuildError | None = None
        self.stop = trio.CancelScope()
        """Cancelled to stop waiting for the builder."""
        self._watchers: list[trio.CancelScope] = []
        self._ended = False
        self._host_root = os.stat("/")

    def _watcher(self) -> trio.CancelScope:
        scope = trio.CancelScope()
        self._watchers.append(scope)
        if self._ended:
            scope.cancel()
        return scope

    def end(self) -> None:
        """The builder is done: stop watching it (its output is still read to the end)."""
        self._ended = True
        for scope in self._watchers:
            scope.cancel()

    def _halt(self, err: BuildError) -> None:
        if self.stopped is None:
            self.stopped = err
        self.stop.cancel()

    # ---- output -------------------------------------------------------------------

    async def pump(self, fd: int) -> None:
        """Copy the builder's output into the log until end-of-file or the limit."""
        try:
            async with trio.lowlevel.FdStream(fd) as stream:
                while data := await stream.receive_some(_CHUNK):
                    if not self._take(data):
                        return
        finally:
            if self.echo is not None:
                self.echo(b"")

    def _take(self, data: bytes) -> bool:
        """Log (and echo) one chunk; False when the build has to stop."""
        try:
            ok = self.log.write(data)
        except OSError as e:
            self._halt(BuildError(f"build {self.log.drv_path}: write log {self.log.raw}: "
                                  f"{e.strerror}"))
            return False
        if self.echo is not None:
            self.echo(data)
        if not ok:
            self._halt(LogLimitExceeded(f"build {self.log.drv_path}: log exceeded "
                                        f"{self.log.limit} bytes; build killed"))
        return ok

    # ---- bwrap's status -------------------------------------------------------------

    async def read_status(self, fd: int, go: int, nursery: trio.Nursery) -> None:
        """Collect bwrap's status records.

        Once the sandbox's pid 1 is named: confine it, let it start the
        builder (a byte on ``go``), and watch it.
        """
        watching = False
        async with trio.lowlevel.FdStream(fd) as stream:
            while data := await stream.receive_some(_CHUNK):
                self.status += data
                if not watching and b"\n" in self.status:
                    pid = _child_pid(self.status)
                    if pid is not None:
                        watching = True
                        self._release(pid, go)
                        nursery.start_soon(self._watch_pid1, pid)

    def _release(self, pid: int, go: int) -> None:
        try:
            self.iso.confine(pid)
        except BuildError as e:
            self.iso.release()  # the builder never starts: its namespace is killed
            self._halt(e)
            return
        self.pid1 = pid
        if go >= 0:
            try:
                os.write(go, b"x")
            except BrokenPipeError:
                return  # bwrap is gone already; its status says why
        self.named.set()

    async def _watch_pid1(self, pid: int) -> None:
        """When the sandbox's pid 1 has ended, bwrap's outer process must end too.

        Its pid 1 belongs to the build's namespace holder, not to bwrap, so
        bwrap hears of its end only through the builder's exit status: a
        sandbox that failed while setting up would leave it waiting forever.
        """
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            fd = -1  # already reaped: it has ended, and the outer has the same grace
        try:
            with self._watcher():
                if fd >= 0:
                    await trio.lowlevel.wait_readable(fd)
                self.pid1_ended.set()
                with trio.move_on_after(_REPORT_GRACE):
                    await self.exited.wait()
                if not self.exited.is_set():
                    self.unreported = _REPORT_GRACE
                    self.log.note(f"\nsx: the sandbox ended, but bwrap said nothing for "
                                  f"{_REPORT_GRACE:g} s; bwrap killed\n")
                    self.proc.kill()
        finally:
            if fd >= 0:
                os.close(fd)

    # ---- limits ---------------------------------------------------------------------

    async def sample(self) -> None:
        """Watch what the build's processes use; stop it at a limit.

        Often during the first second (a fork bomb saturates its limit
        within milliseconds), then less.
        """
        with self._watcher():
            await self.named.wait()
            delay, samples = _FIRST_SAMPLE, 0
            while True:
                await trio.sleep(delay)
                samples += 1
                if samples >= _FAST_SAMPLES:
                    delay = min(delay * 2, _MAX_SAMPLE)
                why = self.over_limit()
                if why is not None:
                    self.log.note(f"\nsx: {why}; build killed\n")
                    self._halt(LimitExceeded(f"build {self.log.drv_path}: {why}; build killed"))
                    return

    def over_limit(self, gone: int = 0) -> str | None:
        """The limit the build's processes are at or over now, in words, or None.

        ``gone`` processes of the build have ended and count as still there:
        asked once more when the builder has failed, before what it left is
        killed, a builder that died of a refused fork leaves the rest of its
        processes at the limit less itself.
        """
        if self.pid1 is None or not self.limits.sampled:
            return None
        root = f"/proc/{self.pid1}/root"
        if not _switched(root, self._host_root):
            return None  # still bwrap's set-up: /proc there is the host's
        used = sample(f"{root}/proc")
        if self.iso.refused():
            used = dataclasses.replace(used, refused=True)
        return exceeded(self.limits, used, self.overhead - gone)


def _switched(root: str, host: os.stat_result) -> bool:
    """Whether the process whose root is ``root`` is in its own root now."""
    try:
        st = os.stat(root)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) != (host.st_dev, host.st_ino)


def _child_pid(status: bytes) -> int | None:
    """The ``child-pid`` of bwrap's first status record."""
    try:
        rec = json.loads(status.split(b"\n", 1)[0])
    except ValueError:
        return None
    pid = rec.get("child-pid") if isinstance(rec, dict) else None
    return pid if isinstance(pid, int) and pid > 0 else None


def _start(sandbox: Sandbox, spec: SandboxSpec, iso: Isolation, limits: Limits
           ) -> tuple[Child, int, int, int]:
    """Start the sandbox; returns it, the read ends of its output and status
    pipes, and the write end of its go-ahead pipe (-1: it does not wait)."""
    out_r, out_w = os.pipe()
    status_r, status_w = os.pipe()
    go_r, go_w = os.pipe()
    try:
        launch = sandbox.command(spec, status_w, go_r, iso, limits)
        # The sandbox's outer process must die with sx: nothing else would end
        # it (the sandbox's pid 1 is not its child). bwrap's own
        # --die-with-parent is not used: it also sets the parent-death signal
        # in the sandbox's pid 1, whose parent is the short-lived process bwrap
        # forks to enter the holder's pid namespace. When that process is slow
        # to exit (a busy machine), its exit kills the pid 1 before the
        # builder's status is passed on. The signal set here stays with the
        # outer process alone (a fork clears it, an exec keeps it), and every
        # process inside dies with the holder.
        try:
            proc = Child.start(launch.argv, stdout=out_w, stderr=out_w,
                               pass_fds=launch.pass_fds, rlimits=launch.rlimits,
                               pdeathsig=signal.SIGKILL, netns=launch.netns)
        except OSError as e:  # this build fails, with the step that failed
            raise SandboxError.because(e) from e
    except BaseException:
        for fd in (out_r, status_r, go_w):
            os.close(fd)
        raise
    finally:
        for fd in (out_w, status_w, go_r):
            os.close(fd)
    if not launch.blocks:
        os.close(go_w)
        go_w = -1
    return proc, out_r, status_r, go_w


async def run_sandboxed(sandbox: Sandbox, spec: SandboxSpec, log: BuildLog,
                        drv_path: StorePath, timeout: float | None,
                        limits: Limits | None = None, echo: Echo | None = None) -> None:
    """Run ``spec`` to completion; :class:`BuildError` unless the builder exits 0.

    Returns or raises only when no process of the build is left.
    """
    limits = limits or Limits()
    iso = await sandbox.isolate(spec, limits)
    proc: Child | None = None
    watch: _Watch | None = None
    go = -1
    disposed = False
    try:
        proc, out, status, go = _start(sandbox, spec, iso, limits)
        sandbox.prepare()  # the next build's namespaces, while this one runs
        watch = _Watch(proc, iso, log, limits, sandbox.overhead, echo)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch.pump, out)
            nursery.start_soon(watch.read_status, status, go, nursery)
            if limits.sampled:
                nursery.start_soon(watch.sample)
            with watch.stop:
                with trio.move_on_after(timeout if timeout else math.inf) as clock:
                    await proc.wait()
                    watch.exited.set()
                if clock.cancelled_caught:
                    log.note(f"\nsx: timed out after {timeout} s; build killed\n")
                    watch.stopped = BuildTimeout(f"build {drv_path}: timed out after {timeout} s")
            # The builder is done (or stopped): its leftovers go now, and the
            # pipes reach their end once nothing holds them any more. A
            # pid 1 that has ended (it does once its last child has) means
            # nothing of the build is left: the holder may end on its own.
            failed = proc.returncode != 0
            if watch.stopped is None and failed and (why := watch.over_limit(1)) is not None:
                log.note(f"\nsx: {why}\n")
                watch.stopped = LimitExceeded(f"build {drv_path}: {why}")
            if watch.stopped is None:
                with trio.move_on_after(_EMPTY_GRACE):
                    await watch.pid1_ended.wait()
            watch.end()
            if watch.pid1_ended.is_set():
                sandbox.dispose(iso)
                disposed = True
            else:
                await iso.gone()
            await proc.kill_and_wait()
    finally:
        if not disposed:
            await iso.gone()
        if proc is not None:
            await proc.kill_and_wait()
        refused = iso.refused()
        iso.close()
        if go >= 0:
            os.close(go)
    assert watch is not None and proc is not None
    if watch.stopped is not None:
        raise watch.stopped
    if refused and limits.pids is not None:
        # Between two samples, or as the build ended: the kernel's count says it.
        why = exceeded(limits, Usage(0, 0, 0.0, refused=True), 0)
        log.note(f"\nsx: {why}\n")
        raise LimitExceeded(f"build {drv_path}: {why}")
    code = sandbox.outcome(spec, watch.status.decode(errors="replace"), proc.returncode or 0,
                           log.tail, watch.unreported)
    if code != 0:
        raise BuilderFailed(f"build {drv_path}: builder failed with exit code {code}", code)
