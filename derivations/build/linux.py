"""The bubblewrap sandbox engine (Linux namespaces, set up by ``bwrap``).

bubblewrap is the sandbox Flatpak relies on; sx drives it rather than
writing namespace code of its own. The command line is a fixed template plus
one entry per input path. Whether the builder actually started is read from
bwrap's ``--json-status-fd`` report: an ``exit-code`` record exists only
when the builder ran, so a set-up failure (namespaces refused, a bind that
failed) is never mistaken for a failing builder.

Each build first gets its own user and pid namespace from
:class:`~sx.derivations.build.buildns.BuildNamespaces`; bwrap joins them and
unshares the rest (mount, pid again, ipc, uts, cgroup, and net unless the
holder made the network namespace: sx as root). Killing that holder kills
the whole build, and sx waits until it is gone.

Two modes:

* **mapped** (sx runs as root): build uid 1000 / gid 100 are the host
  build user :data:`HOST_BUILD_UID` / :data:`HOST_BUILD_GID` (see
  :mod:`.buildns` for the maps): not the store's owner, and not root, so
  store files (root's, modes 0444/0555) are read-only to the builder by
  plain permissions and the pids limit applies. Single-file inputs are hard
  links in the build's ``/sx/store`` (no mount at all) and only directory
  inputs are bind-mounted; bwrap re-reads the mount table for every bind,
  so this keeps builds with thousands of inputs linear instead of
  quadratic. bwrap's set-up runs as host root (mapped in the namespace) and
  can reach any directory of root's; a store below another user's private
  directory is not reachable, and builds there run plain.
* **plain** (sx is not root, or the mapped mode cannot reach the store):
  the caller is mapped to 1000 and owns the store files; every input is a
  read-only bind mount.

Either way a store path that is a symlink appears as the same symlink.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import shutil
import stat
from collections.abc import Sequence

from sx.derivations.build.buildns import BuildNamespaces
from sx.derivations.build.cgroup import PidsCgroup
from sx.derivations.build.errors import BuildError
from sx.derivations.build.limits import Limits
from sx.derivations.build.process import Child
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
_LIFETIME = ["--new-session", "--clearenv"]
_PROBE_TIMEOUT = 30
# Tasks of the build's user (RLIMIT_NPROC) or cgroup that are not the
# builder's: at most the holder, bwrap's outer process and its pid 1 (one to spare).
_NPROC_SLACK = 4


@functools.cache
def _may_set_limits() -> bool:
    """Whether sx may lower the limits of another user's process (``CAP_SYS_RESOURCE``).

    Read once: sx never changes its own capabilities.
    """
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> 24 & 1)  # CAP_SYS_RESOURCE is 24
    return False


class BwrapSandbox:
    """Runs builders under ``bwrap`` in namespaces made for each build."""

    name = "bubblewrap"
    overhead = 1  # bwrap's pid 1

    def __init__(self, bwrap: str | None = None, mapped: bool | None = None) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or "bwrap"
        self.mapped = os.geteuid() == 0 if mapped is None else mapped
        self.ids: tuple[int, int] | None = None
        """Host ids the sandbox runs as (mapped mode), None: as sx."""
        self._net: dict[tuple[int, int] | None, bool | None] = {}
        """Per build identity probed: whether its builds enter a network namespace their
        holder made (see buildns), rather than bwrap making one; None: no sandbox starts."""
        self._checked = False
        self._reachable_dirs: dict[str, bool] = {}
        self._spares: dict[tuple[int, int] | None, BuildNamespaces] = {}
        self._dying: list[BuildNamespaces] = []
        self._last_ids: tuple[int, int] | None = None

    # ---- set-up -----------------------------------------------------------------

    def _probe(self, ids: tuple[int, int] | None, net: bool = False) -> tuple[int, str]:
        """Start bwrap with ``true`` in fresh namespaces: its exit status and its last line.

        The probe sees the host's root read-only: it only tests that the
        namespaces can be made and joined, with a program that surely exists.
        With ``net``, bwrap's start enters the holder's network namespace, as
        builds then do (see :mod:`.buildns`), instead of bwrap making one.
        """
        true = shutil.which("true") or "/bin/true"
        ns = BuildNamespaces(ids, net)
        try:
            out_r, out_w = os.pipe()
        except OSError as e:
            ns.gone_blocking()
            raise SandboxError.because(e) from e
        try:
            try:
                net_args, netns = _network(ns, isolated=True)
                argv = [self.bwrap, "--userns", str(ns.userns_fd), "--pidns", str(ns.pidns_fd),
                        *_UNSHARE, *net_args, *_IDENTITY,
                        "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", true]
                try:
                    proc = Child.start(argv, stdout=out_w, stderr=out_w, pass_fds=ns.fds,
                                       netns=netns)
                finally:
                    os.close(out_w)
                code = proc.wait_for(_PROBE_TIMEOUT)
                if code is None:
                    proc.kill()
                    proc.wait_blocking()
                    raise SandboxError.because(f"bwrap did not finish within {_PROBE_TIMEOUT} s")
            except OSError as e:
                raise SandboxError.because(e) from e
            finally:
                ns.gone_blocking()  # nothing that could hold the pipe is left
            said = os.read(out_r, 1 << 16).decode(errors="replace").strip().splitlines()
        finally:
            os.close(out_r)
        return code, said[-1] if said else f"bwrap exited {code}"

    def _works(self, ids: tuple[int, int] | None, net: bool) -> bool:
        try:
            return self._probe(ids, net)[0] == 0
        except SandboxError:
            return False

    def check(self) -> None:
        """Fail with :class:`SandboxError` unless an empty sandbox can be started here.

        As root, the network namespace made ahead by the holder is tried
        first (see :mod:`.buildns`); where it fails, or for anyone else,
        bwrap makes it.
        """
        if self._checked:
            return
        if not os.path.isfile(self.bwrap) or not os.access(self.bwrap, os.X_OK):
            raise SandboxError.because("bubblewrap (bwrap) is not installed")
        if self.mapped and self._choose((HOST_BUILD_UID, HOST_BUILD_GID)) is not None:
            self.ids = (HOST_BUILD_UID, HOST_BUILD_GID)
        elif self._choose(None) is None:
            code, said = self._probe(None)  # again, for what bwrap said
            if code != 0:
                raise SandboxError.because(said)
            self._net[None] = False
        self._checked = True

    def _choose(self, ids: tuple[int, int] | None) -> bool | None:
        """Whether builds as ``ids`` enter the holder's network namespace (probed once).

        None when no sandbox starts as ``ids`` either way. Only root may enter
        a namespace it made (``CAP_SYS_ADMIN`` over it), so only root tries.
        """
        if ids not in self._net:
            if os.geteuid() == 0 and self._works(ids, net=True):
                self._net[ids] = True
            elif self._works(ids, net=False):
                self._net[ids] = False
            else:
                self._net[ids] = None  # not probed again: its builds fail as they start
        return self._net[ids]

    def own_net(self, ids: tuple[int, int] | None) -> bool:
        """Whether builds as ``ids`` enter a network namespace their holder made.

        A build that falls back from the mapped ids to plain ones (a store
        the mapped user cannot reach) probes that identity on first use.
        """
        return bool(self._choose(ids))

    def _mapped_for(self, spec: SandboxSpec) -> bool:
        if self.ids is None:
            return False
        dirs = {os.path.dirname(spec.store_dir), os.path.dirname(spec.build_dir)}
        dirs |= {os.path.dirname(host) for host, _ in spec.inputs}
        dirs |= {p for p in spec.runtime if not os.path.islink(p)}
        return all(self._reachable(d) for d in dirs)

    async def isolate(self, spec: SandboxSpec, limits: Limits) -> BuildNamespaces:
        """The user and pid namespace of the build of ``spec`` (see :mod:`.buildns`).

        Made one build ahead when it can be (:meth:`prepare`), so their
        set-up is off the build's path.
        """
        ids = self.ids if self._mapped_for(spec) else None
        self._last_ids = ids
        ns = self._spares.pop(ids, None) or BuildNamespaces(ids, self.own_net(ids))
        try:
            self._plan_limits(ns, limits)
        except BaseException:
            await ns.gone()
            ns.close()
            raise
        return ns

    def prepare(self) -> None:
        """Start a spare holder like the last one, for the next build."""
        self._reap()
        ids = self._last_ids
        if ids not in self._spares:
            try:
                self._spares[ids] = BuildNamespaces(ids, self.own_net(ids))
            except SandboxError:
                pass  # the next build makes its own, and reports the failure

    def dispose(self, iso: Isolation) -> None:
        """End the holder of a build that has no process left; reaped later."""
        assert isinstance(iso, BuildNamespaces)
        iso.release()
        self._dying.append(iso)

    def _reap(self) -> None:
        self._dying = [ns for ns in self._dying if ns.holder.poll() is None]

    def _plan_limits(self, ns: BuildNamespaces, limits: Limits) -> None:
        """How ``limits`` will be enforced for ``ns``: a cgroup, rlimits, or both.

        ``RLIMIT_NPROC`` on the sandbox's pid 1 (counted per build: each has
        its own user namespace). It does not bind host root, so a build whose
        builder is root's (plain mode as root) gets a pids cgroup instead,
        where sx can make one. (Moving a process into a cgroup v1 costs an
        RCU grace period, milliseconds to tens of them on a busy machine:
        too slow for every build.) The rlimits are set with ``prlimit(2)`` by
        sx before the builder starts; where sx may not (its ids differ from
        the build user's and it lacks ``CAP_SYS_RESOURCE``), they are set on
        bwrap's outer process as it starts, and the sandbox inherits them
        (:meth:`_start_limits`).
        """
        if limits.pids is not None and ns.ids is None and os.geteuid() == 0:
            ns.cgroup = PidsCgroup.create(limits.pids + _NPROC_SLACK)
        if limits.pids is not None and ns.cgroup is None:
            ns.rlimits[resource.RLIMIT_NPROC] = limits.pids + _NPROC_SLACK
        if limits.memory is not None:
            ns.rlimits[resource.RLIMIT_AS] = limits.memory

    def close(self) -> None:
        """End the spare namespaces made ahead, and wait for the ended ones (the run is over)."""
        spares, self._spares = self._spares, {}
        for ns in [*spares.values(), *self._dying]:
            ns.gone_blocking()
        self._dying = []

    # ---- the command line ---------------------------------------------------------

    def _reachable(self, directory: str) -> bool:
        """Whether bwrap's set-up in a mapped build's namespace can reach ``directory``.

        It runs there as host root mapped (uid 1001), with capabilities that
        override permissions on files of mapped owners: every directory from
        ``/`` down must be root's or searchable by others.
        """
        known = self._reachable_dirs.get(directory)
        if known is None:
            parent = os.path.dirname(directory)
            try:
                st = os.stat(directory)
                ok = st.st_uid == 0 or bool(st.st_mode & stat.S_IXOTH)
            except OSError:
                ok = False
            known = ok and (parent == directory or self._reachable(parent))
            self._reachable_dirs[directory] = known
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

    @staticmethod
    def _start_limits(ns: BuildNamespaces) -> tuple[tuple[int, int], ...]:
        """The rlimits sx may not set on the sandbox itself (see above), for bwrap's start.

        Only in mapped mode: bwrap's outer process is then host root's, which
        ``RLIMIT_NPROC`` does not bind, so only the build user's tasks count.
        """
        if ns.ids is None or not ns.rlimits or _may_set_limits():
            return ()
        limits, ns.rlimits = tuple(sorted(ns.rlimits.items())), {}
        return limits

    def command(self, spec: SandboxSpec, status_fd: int, block_fd: int, iso: Isolation,
                limits: Limits) -> Launch:
        """The command for ``spec`` in the namespaces ``iso``.

        bwrap reports on ``status_fd`` and waits for a byte on ``block_fd``
        before it starts the builder (the caller confines it meanwhile).

        Also puts the inputs that need no mount (symlinks; in mapped mode,
        single files as hard links) into ``spec.store_dir``.
        """
        assert isinstance(iso, BuildNamespaces)
        userns, pidns = iso.fds
        rlimits = self._start_limits(iso)
        net_args, netns = _network(iso, isolated=not spec.network)
        argv = [self.bwrap, "--userns", str(userns), "--pidns", str(pidns), *_UNSHARE, *net_args]
        argv += _IDENTITY
        argv += _LIFETIME
        argv += ["--json-status-fd", str(status_fd)]
        blocks = iso.cgroup is not None or bool(iso.rlimits)
        if blocks:
            argv += ["--block-fd", str(block_fd)]
        argv += ["--bind", spec.store_dir, STORE_DIR]
        argv += self._materialize(spec, iso.ids)
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
        return Launch(argv, (status_fd, block_fd, userns, pidns), blocks, rlimits, netns)

    def outcome(self, spec: SandboxSpec, status: str, returncode: int, log_tail: bytes,
                unreported: float | None = None) -> int:
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
        if lines:
            why = lines[-1][len("bwrap: "):]
        elif unreported is not None:
            why = (f"bwrap did not report the builder's status within {unreported:g} s of "
                   "the sandbox's end, and was killed")
        else:
            why = f"bwrap exited {returncode}"
        if why.startswith("execvp"):
            raise BuildError(f"start builder {spec.builder}: {why.partition(': ')[2] or why}")
        raise SandboxError.because(why)


def _network(ns: BuildNamespaces, isolated: bool) -> tuple[list[str], int]:
    """bwrap's network option, and the namespace its start enters (-1: sx's own).

    An isolated build enters the network namespace its holder made ahead,
    if it made one, or else bwrap makes one (``--unshare-net``); a
    fixed-output build keeps the host's network.
    """
    if not isolated:
        return [], -1
    if ns.netns_fd >= 0:
        return [], ns.netns_fd
    return ["--unshare-net"], -1


def _runtime_binds(paths: Sequence[str]) -> list[str]:
    """Host paths at the same place, read-only; a symlink (``/lib -> usr/lib``) as itself."""
    argv: list[str] = []
    for p in paths:
        if os.path.islink(p):
            argv += ["--symlink", os.readlink(p), p]
        else:
            argv += ["--ro-bind", p, p]
    return argv

