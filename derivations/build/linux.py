"""The bubblewrap sandbox engine (Linux namespaces, set up by ``bwrap``).

bubblewrap is the sandbox Flatpak relies on; sx drives it rather than
writing namespace code of its own. The command line is a fixed template plus
one entry per input path. Whether the builder actually started is read from
bwrap's ``--json-status-fd`` report: an ``exit-code`` record exists only
when the builder ran, so a set-up failure (namespaces refused, a bind that
failed) is never mistaken for a failing builder.

Two ways to keep inputs read-only:

* **mapped** (sx runs as root): builds run in a user namespace where build
  uid 1000 / gid 100 are host ids :data:`HOST_BUILD_UID` /
  :data:`HOST_BUILD_GID`, not the store's owner. Store files (owned by root,
  modes 0444/0555) are then read-only to the builder by plain permissions,
  so single-file inputs are hard links in the build's ``/sx/store`` (no
  mount at all) and only directory inputs are bind-mounted. bwrap re-reads
  the mount table for every bind, so this keeps builds with thousands of
  inputs linear instead of quadratic.
* **plain** (unprivileged sx, if the mapping cannot be set up, or for a build
  whose directories the host build uid could not reach — bwrap checks bind
  sources as the build user, so every directory above the store and the
  scratch area must be searchable by others): the build user is the caller
  mapped to 1000, who owns the store files; every input is a read-only bind
  mount.

Either way a store path that is a symlink appears as the same symlink.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Sequence

from sx.derivations.build.errors import BuildError
from sx.derivations.build.sandbox import (
    BUILD_DIR,
    BUILD_GID,
    BUILD_UID,
    FIXED_ENV,
    SandboxError,
    SandboxSpec,
)
from sx.store.path import STORE_DIR

HOST_BUILD_UID = 30000
HOST_BUILD_GID = 30000
_UNSHARE_ALL = ["--unshare-all"]  # user, ipc, pid, net, uts, cgroup
_UNSHARE_BUT_USER = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                     "--unshare-cgroup-try"]
_IDENTITY = ["--uid", str(BUILD_UID), "--gid", str(BUILD_GID), "--hostname", "localhost"]
_LIFETIME = ["--die-with-parent", "--new-session", "--clearenv"]


def _mapped_userns() -> int:
    """A user namespace mapping the build ids to the host build ids; returns an fd on it.

    A short-lived ``unshare -U`` process creates it; the open namespace file
    keeps it alive after that process is gone.
    """
    holder = subprocess.Popen(["unshare", "--user", "sleep", "60"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        mine = os.readlink("/proc/self/ns/user")
        deadline = time.monotonic() + 10
        while os.readlink(f"/proc/{holder.pid}/ns/user") == mine:
            if holder.poll() is not None or time.monotonic() > deadline:
                raise OSError("unshare --user did not start")
            time.sleep(0.002)
        for name, line in (("uid_map", f"{BUILD_UID} {HOST_BUILD_UID} 1\n"),
                           ("gid_map", f"{BUILD_GID} {HOST_BUILD_GID} 1\n")):
            fd = os.open(f"/proc/{holder.pid}/{name}", os.O_WRONLY)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        ns = os.open(f"/proc/{holder.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        holder.kill()
        holder.wait()
    return ns


class BwrapSandbox:
    """Runs builders under ``bwrap`` with every namespace unshared."""

    name = "bubblewrap"

    def __init__(self, bwrap: str | None = None, mapped: bool | None = None) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or "bwrap"
        self.mapped = os.geteuid() == 0 if mapped is None else mapped
        self._userns: int | None = None
        self._checked = False
        self._reachable: dict[str, bool] = {}

    def extra_fds(self) -> tuple[int, ...]:
        """Descriptors every sandbox process must inherit."""
        return () if self._userns is None else (self._userns,)

    def _namespaces(self, mapped: bool) -> list[str]:
        if not mapped or self._userns is None:
            return list(_UNSHARE_ALL)
        return ["--userns", str(self._userns), *_UNSHARE_BUT_USER]

    def _others_reach(self, directory: str) -> bool:
        """Whether every directory from ``/`` down to ``directory`` is searchable by others."""
        known = self._reachable.get(directory)
        if known is None:
            parent = os.path.dirname(directory)
            try:
                ok = bool(os.stat(directory).st_mode & stat.S_IXOTH)
            except OSError:
                ok = False
            known = ok and (parent == directory or self._others_reach(parent))
            self._reachable[directory] = known
        return known

    def _mapped_for(self, spec: SandboxSpec) -> bool:
        if self._userns is None:
            return False
        dirs = {os.path.dirname(spec.store_dir), os.path.dirname(spec.build_dir)}
        dirs |= {os.path.dirname(host) for host, _ in spec.inputs}
        dirs |= {p for p in spec.runtime if not os.path.islink(p)}
        return all(self._others_reach(d) for d in dirs)

    def _probe(self) -> subprocess.CompletedProcess[bytes]:
        # The probe sees the host's root read-only: it only tests that the
        # namespaces can be created, with a program that surely exists.
        true = shutil.which("true") or "/bin/true"
        probe = [self.bwrap, *self._namespaces(True), *_IDENTITY, "--die-with-parent",
                 "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", true]
        try:
            return subprocess.run(probe, capture_output=True, timeout=30, check=False,
                                  pass_fds=self.extra_fds())
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SandboxError(f"build: sandbox could not be set up: {e}") from e

    def check(self) -> None:
        """Fail with :class:`SandboxError` unless an empty sandbox can be started here."""
        if self._checked:
            return
        if not os.path.isfile(self.bwrap) or not os.access(self.bwrap, os.X_OK):
            raise SandboxError("build: sandbox could not be set up: bubblewrap (bwrap) is not "
                               "installed")
        if self.mapped:
            try:
                self._userns = _mapped_userns()
            except OSError:
                self._userns = None
            if self._userns is not None and self._probe().returncode != 0:
                os.close(self._userns)
                self._userns = None
        proc = self._probe()
        if proc.returncode != 0:
            msg = proc.stderr.decode(errors="replace").strip().splitlines()
            raise SandboxError("build: sandbox could not be set up: "
                               + (msg[-1] if msg else f"bwrap exited {proc.returncode}"))
        self._checked = True

    def _materialize(self, spec: SandboxSpec, mapped: bool) -> list[str]:
        """Create link-type inputs in the scratch store; return the binds still needed."""
        binds: list[str] = []
        for host, base in spec.inputs:
            st = os.lstat(host)
            inside = os.path.join(spec.store_dir, base)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(host), inside)
                continue
            if mapped and stat.S_ISREG(st.st_mode):
                try:
                    os.link(host, inside)
                    continue
                except OSError:
                    pass  # another file system: bind it instead
            binds += ["--ro-bind", host, f"{STORE_DIR}/{base}"]
        if mapped:
            for d in (spec.store_dir, spec.build_dir):
                os.chown(d, HOST_BUILD_UID, HOST_BUILD_GID)
        return binds

    def command(self, spec: SandboxSpec, status_fd: int) -> list[str]:
        """The bwrap argv for ``spec`` (status on ``status_fd``).

        Also puts the inputs that need no mount (symlinks; in mapped mode,
        single files as hard links) into ``spec.store_dir``.
        """
        mapped = self._mapped_for(spec)
        argv = [self.bwrap, *self._namespaces(mapped)]
        if spec.network:
            argv.append("--share-net")
        argv += _IDENTITY
        argv += _LIFETIME
        argv += ["--json-status-fd", str(status_fd)]
        argv += ["--bind", spec.store_dir, STORE_DIR]
        argv += self._materialize(spec, mapped)
        argv += ["--bind", spec.build_dir, BUILD_DIR, "--chdir", BUILD_DIR,
                 "--dev", "/dev", "--proc", "/proc"]
        argv += _runtime_binds(spec.runtime)
        if spec.network:
            # Name resolution for fixed-output fetchers; nothing else of /etc.
            for f in ("/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf",
                      "/etc/ssl/certs"):
                argv += ["--ro-bind-try", f, f]
        argv += ["--remount-ro", "/"]
        env = dict(FIXED_ENV)
        env.update(spec.env)
        for k in sorted(env):
            argv += ["--setenv", k, env[k]]
        argv += ["--", spec.builder, *spec.args]
        return argv

    def outcome(self, spec: SandboxSpec, status: str, returncode: int, log_tail: bytes) -> int:
        """The builder's exit status, or an error if the builder never ran."""
        for line in status.splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and "exit-code" in rec:
                return int(rec["exit-code"])
        lines = [ln for ln in log_tail.decode(errors="replace").splitlines()
                 if ln.startswith("bwrap: ")]
        why = lines[-1][len("bwrap: "):] if lines else f"bwrap exited {returncode}"
        if why.startswith("execvp"):
            raise BuildError(f"start builder {spec.builder}: {why.partition(': ')[2] or why}")
        raise SandboxError(f"build: sandbox could not be set up: {why}")


def _runtime_binds(paths: Sequence[str]) -> list[str]:
    """Host paths at the same place, read-only; a symlink (``/lib -> usr/lib``) as itself."""
    argv: list[str] = []
    for p in paths:
        if os.path.islink(p):
            argv += ["--symlink", os.readlink(p), p]
        else:
            argv += ["--ro-bind", p, p]
    return argv
