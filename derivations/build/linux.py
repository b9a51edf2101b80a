"""The bubblewrap sandbox engine (Linux namespaces, set up by ``bwrap``).

bubblewrap is the sandbox Flatpak relies on; sx drives it rather than
writing namespace code of its own. The command line is a fixed template plus
one entry per input path. Whether the builder actually started is read from
bwrap's ``--json-status-fd`` report: an ``exit-code`` record exists only
when the builder ran, so a set-up failure (namespaces refused, a bind that
failed) is never mistaken for a failing builder.

Each build first gets its own user and pid namespace from
:class:`~sx.derivations.build.buildns.BuildNamespaces`; bwrap joins them and
unshares the rest (mount, pid again, ipc, uts, net, cgroup). Killing that
holder kills the whole build, and sx waits until it is gone.

Two modes:

* **mapped** (sx runs as root): build uid 1000 / gid 100 are the host
  build user :data:`HOST_BUILD_UID` / :data:`HOST_BUILD_GID` (see
  :mod:`.buildns` for the maps): not the store's owner, and not root, so
  store files (root's, modes 0444/0555) are read-only to the builder by
  plain permissions and the pids limit applies. Single-file inputs are hard links
  in the build's ``/sx/store`` (no mount at all) and only directory inputs
  are bind-mounted; bwrap re-reads the mount table for every bind, so this
  keeps builds with thousands of inputs linear instead of quadratic. bwrap
  resolves bind sources as the build user, so this mode needs every
  directory above the store and its ``tmp/`` searchable by others.
* **plain** (sx is not root, the store is in a private directory, or the
  build user cannot be used): the caller is mapped to 1000 and owns the
  store files; every input is a read-only bind mount.

Either way a store path that is a symlink appears as the same symlink.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess

from sx.derivations.build.buildns import BuildNamespaces
from sx.derivations.build.cgroup import PidsCgroup
from sx.derivations.build.errors import BuildError
from sx.derivations.build.limits import Limits
from sx.derivations.build.sandbox import (
    BUILD_DIR,
    BUILD_GID,
    BUILD_UID,
    FIXED_ENV,
    Isolation,
    Launch,
    SandboxError,
    SandboxSpec,
)
from sx.store.path import STORE_DIR

HOST_BUILD_UID = 30000
HOST_BUILD_GID = 30000
_UNSHARE = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
_IDENTITY = ["--uid", str(BUILD_UID), "--gid", str(BUILD_GID), "--hostname", "localhost"]
_LIFETIME = ["--die-with-parent", "--new-session", "--clearenv"]
_PROBE_TIMEOUT = 30
# Tasks of the build's user (RLIMIT_NPROC) or cgroup that are not the
# builder's: at most unshare, cat, bwrap's outer process and its pid 1.
_NPROC_SLACK = 4


class BwrapSandbox:
    """Runs builders under ``bwrap`` in namespaces made for each build."""

    name = "bubblewrap"
    overhead = 1  # bwrap's pid 1

    def __init__(self, bwrap: str | None = None, mapped: bool | None = None) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or "bwrap"
        self.prlimit = shutil.which("prlimit") or "/usr/bin/prlimit"
        self.mapped = os.geteuid() == 0 if mapped is None else mapped
        self.ids: tuple[int, int] | None = None
        """Host ids the sandbox runs as (mapped mode), None: as sx."""
        self._checked = False
        self._reachable: dict[str, bool] = {}

    # ---- set-up -----------------------------------------------------------------

    def _probe(self, ids: tuple[int, int] | None) -> subprocess.CompletedProcess[bytes]:
        # The probe sees the host's root read-only: it only tests that the
        # namespaces can be made and joined, with a program that surely exists.
        true = shutil.which("true") or "/bin/true"
        ns = BuildNamespaces(ids)
        try:
            ns.ready_blocking()
            probe = [self.bwrap, "--userns", str(ns.userns_fd), "--pidns", str(ns.pidns_fd),
                     *_UNSHARE, "--unshare-net", *_IDENTITY, "--die-with-parent",
                     "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", true]
            return subprocess.run(probe, capture_output=True, timeout=_PROBE_TIMEOUT,
                                  check=False, pass_fds=ns.fds)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SandboxError(f"build: sandbox could not be set up: {e}") from e
        finally:
            ns.release()
            ns.holder.popen.wait()

    def check(self) -> None:
        """Fail with :class:`SandboxError` unless an empty sandbox can be started here."""
        if self._checked:
            return
        for tool in (self.bwrap, self.prlimit):
            if not os.path.isfile(tool) or not os.access(tool, os.X_OK):
                what = "bubblewrap (bwrap)" if tool == self.bwrap else tool
                raise SandboxError(f"build: sandbox could not be set up: {what} is not installed")
        if self.mapped:
            try:
                ok = self._probe((HOST_BUILD_UID, HOST_BUILD_GID)).returncode == 0
            except SandboxError:
                ok = False
            self.ids = (HOST_BUILD_UID, HOST_BUILD_GID) if ok else None
        if self.ids is None:
            proc = self._probe(None)
            if proc.returncode != 0:
                msg = proc.stderr.decode(errors="replace").strip().splitlines()
                raise SandboxError("build: sandbox could not be set up: "
                                   + (msg[-1] if msg else f"bwrap exited {proc.returncode}"))
        self._checked = True

    def _mapped_for(self, spec: SandboxSpec) -> bool:
        if self.ids is None:
            return False
        dirs = {os.path.dirname(spec.store_dir), os.path.dirname(spec.build_dir)}
        dirs |= {os.path.dirname(host) for host, _ in spec.inputs}
        return all(self._others_reach(d) for d in dirs)

    async def isolate(self, spec: SandboxSpec, limits: Limits) -> BuildNamespaces:
        """The user and pid namespace of the build of ``spec`` (see :mod:`.buildns`).

        sx as root also puts the build in a pids cgroup where it can: it is
        the only pids limit when the builder runs as host root (plain mode:
        ``RLIMIT_NPROC`` does not bind root), and says exactly when a fork
        was refused.
        """
        ids = self.ids if self._mapped_for(spec) else None
        cgroup = None
        if os.geteuid() == 0 and limits.pids is not None:
            cgroup = PidsCgroup.create(limits.pids + _NPROC_SLACK)
        return await BuildNamespaces.start(ids, cgroup)

    # ---- the command line ---------------------------------------------------------

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

    @staticmethod
    def _materialize(spec: SandboxSpec, ids: tuple[int, int] | None) -> list[str]:
        """Create link-type inputs in the scratch store; return the binds still needed."""
        binds: list[str] = []
        mapped = ids is not None
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
        if ids is not None:
            for d in (spec.store_dir, spec.build_dir):
                os.chown(d, *ids)
        return binds

    def _limits(self, limits: Limits) -> list[str]:
        """The ``prlimit`` prefix that makes the kernel refuse what exceeds ``limits``."""
        opts: list[str] = []
        if limits.pids is not None:
            n = limits.pids + _NPROC_SLACK
            opts.append(f"--nproc={n}:{n}")
        if limits.memory is not None:
            opts.append(f"--as={limits.memory}:{limits.memory}")
        return [self.prlimit, *opts, "--"] if opts else []

    def command(self, spec: SandboxSpec, status_fd: int, iso: Isolation,
                limits: Limits) -> Launch:
        """The command for ``spec`` in the namespaces ``iso`` (status on ``status_fd``).

        Also puts the inputs that need no mount (symlinks; in mapped mode,
        single files as hard links) into ``spec.store_dir``.
        """
        assert isinstance(iso, BuildNamespaces)
        userns, pidns = iso.fds
        enter = iso.cgroup.enter_argv() if iso.cgroup is not None else []
        argv = [*enter, *self._limits(limits), self.bwrap, "--userns", str(userns),
                "--pidns", str(pidns), *_UNSHARE]
        if not spec.network:
            argv.append("--unshare-net")
        argv += _IDENTITY
        argv += _LIFETIME
        argv += ["--json-status-fd", str(status_fd)]
        argv += ["--bind", spec.store_dir, STORE_DIR]
        argv += self._materialize(spec, iso.ids)
        argv += ["--bind", spec.build_dir, BUILD_DIR, "--chdir", BUILD_DIR,
                 "--dev", "/dev", "--proc", "/proc"]
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
        return Launch(argv, (status_fd, userns, pidns))

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
