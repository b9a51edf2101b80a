"""A ``pids`` cgroup for a build started by root.

``RLIMIT_NPROC`` never binds the host's root user, so a build running as
root (sx as root with its store below another user's private directory:
the *plain* mode of :mod:`.linux`) gets its pids limit from a cgroup
instead, which also says exactly when a fork was refused. The cgroup is a
directory
``sx-<sx pid>-<n>`` in the cgroup v1 ``pids`` hierarchy, next to sx's own
cgroup, with ``pids.max`` set. The sandbox's pid 1 is moved into it before it starts
the builder (see :meth:`PidsCgroup.add`), and ``pids.events`` says whether
a fork was refused. cgroup v2 is not used: its ``pids`` controller
can only be enabled for a child of a cgroup without processes of its own,
which sx's own cgroup is not.

Where there is no writable ``pids`` hierarchy, a root build has no kernel
pids limit; sx's sampling still stops it (see :mod:`.limits`).
"""

from __future__ import annotations

import contextlib
import itertools
import os

_ids = itertools.count()
_swept = False


def _pids_dir() -> str | None:
    """sx's own cgroup in the v1 ``pids`` hierarchy, if there is one."""
    mount = None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            for line in f:
                pre, _, post = line.partition(" - ")
                fields, opts = pre.split(), post.split()
                if len(opts) >= 3 and opts[0] == "cgroup" and "pids" in opts[2].split(","):
                    mount = fields[4]
                    break
        if mount is None:
            return None
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                if "pids" in controllers.split(","):
                    return os.path.join(mount, path.lstrip("/"))
    except (OSError, ValueError):
        return None
    return None


def _sweep(parent: str) -> None:
    """Remove the cgroups of sx processes that are gone (they crashed)."""
    global _swept
    if _swept:
        return
    _swept = True
    for name in os.listdir(parent):
        parts = name.split("-")
        stale = (len(parts) == 3 and parts[0] == "sx" and parts[1].isdigit()
                 and not os.path.exists(f"/proc/{parts[1]}"))
        if stale:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(parent, name))


class PidsCgroup:
    """One build's ``pids`` cgroup."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def create(cls, limit: int) -> PidsCgroup | None:
        """A fresh cgroup allowing ``limit`` tasks, or None where sx cannot make one."""
        parent = _pids_dir()
        if parent is None or not os.access(parent, os.W_OK):
            return None
        try:
            _sweep(parent)
            path = os.path.join(parent, f"sx-{os.getpid()}-{next(_ids)}")
            os.mkdir(path)
        except OSError:
            return None
        cg = cls(path)
        try:
            with open(os.path.join(path, "pids.max"), "w", encoding="ascii") as f:
                f.write(str(limit))
        except OSError:
            cg.remove()
            return None
        return cg

    def add(self, pid: int) -> None:
        """Move process ``pid`` into this cgroup (its later children are born there)."""
        with open(os.path.join(self.path, "cgroup.procs"), "w", encoding="ascii") as f:
            f.write(str(pid))

    def refused(self) -> bool:
        """Whether a fork was refused for the limit."""
        try:
            with open(os.path.join(self.path, "pids.events"), encoding="ascii") as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "max":
                        return int(value) > 0
        except (OSError, ValueError):
            pass
        return False

    def remove(self) -> None:
        """Remove the (empty) cgroup; a leftover is swept by a later sx."""
        with contextlib.suppress(OSError):
            os.rmdir(self.path)
