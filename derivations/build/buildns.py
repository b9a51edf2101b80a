"""The namespaces of one build, and the process whose life is theirs.

Every build gets a user namespace and a pid namespace of its own, made by a
*holder*: a process sx clones into both (:meth:`.Child.hold`; no program is
run). The holder is pid 1 of the new pid namespace and reads a pipe whose
only writer is sx. bwrap joins both namespaces (``--userns``, ``--pidns``)
and makes the build's own pid namespace inside, so every process of the
build is also a process of this one. When sx closes its end of the pipe (a
finished, failed, timed-out or cancelled build) — or when sx dies in any
way at all, ``kill -9`` included, because the kernel closes its files — the
holder reads end-of-file and exits, and the kernel kills every other
process of the namespace. The holder's exit completes only after every
other process of the namespace has been reaped: so when sx has waited for
the holder, no process of the build is left.

Where sx runs as root, the holder also makes the build's network namespace
(*net*), so that its making, too, is off the build's path: bwrap's start
enters it and brings its loopback interface up (:meth:`.Child.start`),
instead of making one itself (``--unshare-net``). Entering another
namespace's network takes ``CAP_SYS_ADMIN`` where sx runs, which an
unprivileged sx lacks; bwrap makes that sx's builds their network, as before.

The user namespace is the build's too: ``RLIMIT_NPROC`` counts the tasks of
one user in one user namespace, so a pids limit set on the sandbox holds
for this build alone (see :mod:`.limits`).

sx writes the namespace's id maps. For an unprivileged sx: build uid 1000 /
gid 100 are sx's own ids. For root's builds (*mapped* mode): build uid 1000
/ gid 100 are the unprivileged host build user, and uid 1001 / gid 101 are
host root, the user bwrap's set-up runs as before it switches to 1000 (bwrap
passes its pid through a socket, which needs the sender's ids mapped). No
process of the build runs as 1001: the builder cannot switch to it (it has
no capabilities), and the store files root owns show as 1001 instead of the
overflow id.
"""

from __future__ import annotations

import os
import resource

import trio
from sx.derivations.build.cgroup import PidsCgroup
from sx.derivations.build.process import Child
from sx.derivations.build.sandbox import BUILD_GID, BUILD_UID, SandboxError

ROOT_UID = 1001
"""The id host root has in a mapped build's user namespace (see above)."""
ROOT_GID = 101


class BuildNamespaces:
    """A holder process and descriptors on the namespaces it made.

    Cheap to make (a spare is made ahead of time). End with :meth:`gone`,
    then :meth:`close`. ``ids``: the host uid/gid build uid 1000 / gid 100
    stand for (sx as root only; None: sx's own ids). ``net``: the holder
    makes the build's network namespace too (sx as root only; see above).
    """

    def __init__(self, ids: tuple[int, int] | None = None, net: bool = False) -> None:
        self.ids = ids
        self.cgroup: PidsCgroup | None = None
        """The build's pids cgroup (sx as root, where it can make one)."""
        self.rlimits: dict[int, int] = {}
        """Limits (``resource.RLIMIT_*`` -> value) :meth:`confine` sets on the sandbox."""
        self.userns_fd = -1
        self.pidns_fd = -1
        self.netns_fd = -1
        """The build's network namespace (``net``), else -1."""
        read_end, self._lifeline = os.pipe()
        try:
            self.holder = Child.hold(read_end, net)
        except BaseException as e:
            os.close(self._lifeline)
            if isinstance(e, OSError):
                what = "user, pid and network" if net else "user and pid"
                raise SandboxError.because(f"{what} namespaces: {e.strerror}") from e
            raise
        finally:
            os.close(read_end)
        try:
            self._map()
            pid = self.holder.pid
            self.userns_fd = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
            self.pidns_fd = os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
            if net:
                self.netns_fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            if self.holder.poll() is not None:
                # It could not set itself up (descriptors); bwrap would only
                # say it cannot fork into the pid namespace.
                raise SandboxError.because("the namespace holder exited at start "
                                           f"(status {self.holder.returncode})")
        except BaseException as e:
            self.gone_blocking()
            if isinstance(e, OSError):
                raise SandboxError.because(f"open namespaces: {e.strerror}") from e
            raise

    def _map(self) -> None:
        proc = f"/proc/{self.holder.pid}"
        if self.ids is None:
            # Only one's own ids, and no setgroups: what an unprivileged user may map.
            _write(f"{proc}/setgroups", "deny")
            _write(f"{proc}/uid_map", f"{BUILD_UID} {os.geteuid()} 1\n")
            _write(f"{proc}/gid_map", f"{BUILD_GID} {os.getegid()} 1\n")
        else:
            uid, gid = self.ids
            _write(f"{proc}/uid_map", f"{BUILD_UID} {uid} 1\n{ROOT_UID} 0 1\n")
            _write(f"{proc}/gid_map", f"{BUILD_GID} {gid} 1\n{ROOT_GID} 0 1\n")

    @property
    def fds(self) -> tuple[int, int]:
        """(user namespace, pid namespace) descriptors for bwrap's ``--userns``/``--pidns``."""
        return self.userns_fd, self.pidns_fd

    def confine(self, pid: int) -> None:
        """Put the sandbox's pid 1 (``pid``, not running the builder yet) under the limits.

        Into the cgroup, and ``prlimit`` for the rlimits (the caller's ids
        match the sandbox's where these are set). Everything the builder
        starts inherits both.
        """
        try:
            if self.cgroup is not None:
                self.cgroup.add(pid)
            for res, value in self.rlimits.items():
                resource.prlimit(pid, res, (value, value))
        except OSError as e:
            raise SandboxError.because(f"limit process {pid}: {e.strerror}") from e

    def refused(self) -> bool:
        """Whether a fork was refused for the pids limit (known where a cgroup counts)."""
        return self.cgroup is not None and self.cgroup.refused()

    def release(self) -> None:
        """Close sx's end of the lifeline: the kernel kills everything in the namespace."""
        for name in ("_lifeline", "userns_fd", "pidns_fd", "netns_fd"):
            fd = getattr(self, name)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)

    async def gone(self) -> None:
        """Kill everything in the namespaces; returns when no process of them is left.

        Shielded: a cancelled build still waits for its processes to be gone.
        """
        self.release()
        with trio.CancelScope(shield=True):
            await self.holder.wait()

    def gone_blocking(self) -> None:
        """:meth:`gone` outside trio (a spare that was never used, the probe's)."""
        self.release()
        self.holder.wait_blocking()

    def close(self) -> None:
        """Remove the build's cgroup (its processes are gone)."""
        self.release()
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

def _write(path: str, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    except OSError as e:
        raise SandboxError.because(f"write {path}: {e.strerror}") from e
