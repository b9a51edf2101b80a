"""The namespaces of one build, and the process whose life is theirs.

Every build gets a user namespace and a pid namespace of its own, made by
``unshare`` before the sandbox starts::

    unshare --user --map-user=1000 --map-group=100 --pid --fork cat

``cat`` is pid 1 of the new pid namespace and reads a pipe whose only
writer is sx. bwrap joins both namespaces (``--userns``, ``--pidns``) and
makes the build's own pid namespace inside, so every process of the build
is also a process of this one. When sx closes its end of the pipe (a
finished, failed, timed-out or cancelled build) — or when sx dies in any
way at all, ``kill -9`` included, because the kernel closes its files —
``cat`` reads end-of-file and exits, and the kernel kills every other
process of the namespace. ``unshare`` waits for ``cat``, and ``cat``'s exit
completes only after every other process of the namespace has been reaped:
so when sx has waited for ``unshare``, no process of the build is left.

The user namespace is the build's too: ``RLIMIT_NPROC`` counts the tasks of
one user in one user namespace, so a pids limit set on the sandbox holds
for this build alone (see :mod:`.limits`).

For root's builds (*mapped* mode) sx writes the maps itself instead of
``--map-user``: build uid 1000 / gid 100 are the unprivileged host build
user, and uid 1001 / gid 101 are host root, the user bwrap's set-up runs as
before it switches to 1000 (bwrap passes its pid through a socket, which
needs the sender's ids mapped). No process of the build runs as 1001: the
builder cannot switch to it (it has no capabilities), and the store files
root owns show as 1001 instead of the overflow id.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess

import trio
from sx.derivations.build.cgroup import PidsCgroup
from sx.derivations.build.process import Child
from sx.derivations.build.sandbox import BUILD_GID, BUILD_UID, SandboxError

READY_TIMEOUT = 30.0
ROOT_UID = 1001
"""The id host root has in a mapped build's user namespace (see above)."""
ROOT_GID = 101


def unshare_argv(own_maps: bool) -> list[str]:
    """The command that makes and holds the namespaces (sx writes the maps: ``own_maps``)."""
    unshare = shutil.which("unshare") or "/usr/bin/unshare"
    cat = shutil.which("cat") or "/bin/cat"
    maps = [] if own_maps else [f"--map-user={BUILD_UID}", f"--map-group={BUILD_GID}"]
    return [unshare, "--user", *maps, "--pid", "--fork", cat]


class BuildNamespaces:
    """A holder process and descriptors on the namespaces it made.

    The constructor only starts the holder (cheap, so a spare can be made
    ahead of time); :meth:`ready` (or :meth:`ready_blocking`) waits until
    the namespaces can be joined. End with :meth:`gone`, then :meth:`close`.
    ``ids``: the host uid/gid build uid 1000 / gid 100 stand for (sx as root
    only; None: sx's own ids).
    """

    def __init__(self, ids: tuple[int, int] | None = None) -> None:
        self.ids = ids
        self.cgroup: PidsCgroup | None = None
        """The build's pids cgroup (sx as root, where it can make one)."""
        self.rlimits: dict[int, int] = {}
        """Limits (``resource.RLIMIT_*`` -> value) :meth:`confine` sets on the sandbox."""
        self.userns_fd = -1
        self.pidns_fd = -1
        self._ready = False
        read_end, self._lifeline = os.pipe()
        self._echo, echo_w = os.pipe()
        try:
            self.holder = Child(unshare_argv(ids is not None), stdin=read_end, stdout=echo_w,
                                stderr=subprocess.PIPE)
        except OSError as e:
            os.close(self._lifeline)
            os.close(self._echo)
            raise SandboxError(f"build: sandbox could not be set up: unshare: {e}") from e
        finally:
            os.close(read_end)
            os.close(echo_w)
        # The echo of one byte through cat says: maps written, pid 1 running.
        os.write(self._lifeline, b"x")

    async def ready(self) -> None:
        """Wait until the namespaces can be joined (:class:`SandboxError` if they cannot)."""
        if self._ready:
            return
        try:
            with trio.fail_after(READY_TIMEOUT):
                await trio.lowlevel.wait_readable(self._echo)
            self._opened()
        except BaseException:
            await self.gone()
            raise

    def ready_blocking(self) -> None:
        """:meth:`ready` for code outside trio (the sandbox probe)."""
        try:
            self._opened()
        except BaseException:
            self.release()
            self.holder.kill()
            self.holder.popen.wait()
            raise

    def _opened(self) -> None:
        got = os.read(self._echo, 1)
        os.close(self._echo)
        self._echo = -1
        stderr = self.holder.popen.stderr
        if got != b"x":
            self.holder.popen.wait()
            why = stderr.read().decode(errors="replace").strip() if stderr else ""
            raise SandboxError("build: sandbox could not be set up: "
                               + (why.splitlines()[-1] if why else "unshare failed"))
        if stderr is not None:
            stderr.close()  # cat never writes there; unshare's errors came before
        pid = self.holder.pid
        if self.ids is not None:
            uid, gid = self.ids
            _write(f"/proc/{pid}/uid_map", f"{BUILD_UID} {uid} 1\n{ROOT_UID} 0 1\n")
            _write(f"/proc/{pid}/gid_map", f"{BUILD_GID} {gid} 1\n{ROOT_GID} 0 1\n")
        self.userns_fd = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
        self.pidns_fd = os.open(f"/proc/{pid}/ns/pid_for_children", os.O_RDONLY | os.O_CLOEXEC)
        self._ready = True

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
            raise SandboxError(f"build: sandbox could not be set up: limit process {pid}: "
                               f"{e.strerror}") from e

    def refused(self) -> bool:
        """Whether a fork was refused for the pids limit (known where a cgroup counts)."""
        return self.cgroup is not None and self.cgroup.refused()

    def release(self) -> None:
        """Close sx's end of the lifeline: the kernel kills everything in the namespace."""
        for name in ("_lifeline", "_echo", "userns_fd", "pidns_fd"):
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
        """:meth:`gone` outside trio (a spare that was never used)."""
        self.release()
        self.holder.popen.wait()

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
        raise SandboxError(f"build: sandbox could not be set up: write {path}: "
                           f"{e.strerror}") from e
