"""The sandbox interface: how a builder is isolated, independent of the engine.

A :class:`SandboxSpec` says what the build may see; an engine turns it into
the command that runs the builder isolated (see :mod:`.linux` for the
bubblewrap engine). The contract every engine keeps:

* the file system root holds only the input closure (read-only) at
  ``/sx/store/<base>``, the writable store scratch dir at ``/sx/store`` (where
  the builder creates its outputs), ``/build`` (the working directory), and a
  minimal ``/dev`` and ``/proc`` (sx's own sandboxed builtins also see
  ``runtime``, the interpreter's files, read-only);
* the environment is exactly :data:`FIXED_ENV` plus the derivation's;
* new user, mount, pid, network, uts and ipc namespaces, hostname
  ``localhost``, uid :data:`BUILD_UID`, gid :data:`BUILD_GID`; the network
  namespace is shared only when ``network`` is set (fixed-output builds);
* the build is one process tree that dies as one: :meth:`Isolation.gone`
  returns only when no process of it is left, and a crash of sx kills it too;
* the :class:`~sx.derivations.build.limits.Limits` given to
  :meth:`Sandbox.command` are enforced by the kernel where it can refuse;
* if isolation cannot be set up the build fails with :class:`SandboxError`:
  there is no unsandboxed fallback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sx.derivations.build.errors import BuildError

if TYPE_CHECKING:
    from sx.derivations.build.limits import Limits

BUILD_UID = 1000
BUILD_GID = 100
BUILD_DIR = "/build"
FIXED_ENV: Mapping[str, str] = {
    "PATH": "/path-not-set",
    "HOME": "/homeless-shelter",
    "TMPDIR": BUILD_DIR,
    "TMP": BUILD_DIR,
    "TEMP": BUILD_DIR,
    "TEMPDIR": BUILD_DIR,
    "NIX_BUILD_TOP": BUILD_DIR,
    "TZ": "UTC",
    "LC_ALL": "C",
    "SOURCE_DATE_EPOCH": "1",
}


class SandboxError(BuildError):
    """The sandbox could not be set up (engine missing, namespaces refused, a bind failed).

    Raised instead of ever running a builder unsandboxed. Not raised when the
    builder itself fails inside a working sandbox (that is :class:`BuildError`).
    Made with :meth:`because`, so that every such error reads the same way.
    """

    @classmethod
    def because(cls, cause: str | OSError) -> SandboxError:
        """``build: sandbox could not be set up: <cause>`` (an OS error in its own words)."""
        if isinstance(cause, OSError):
            cause = cause.strerror or str(cause)
        return cls(f"build: sandbox could not be set up: {cause}")


@dataclass(frozen=True)
class SandboxSpec:
    """Everything one sandboxed build sees."""

    builder: str
    args: Sequence[str]
    env: Mapping[str, str]
    inputs: Sequence[tuple[str, str]]
    """(host path, store base) of every path of the input closure."""
    store_dir: str
    """Host scratch dir that appears writable at ``/sx/store``."""
    build_dir: str
    """Host scratch dir that appears at ``/build``."""
    network: bool = False
    runtime: Sequence[str] = ()
    """Host paths bound read-only at their own place: the interpreter that runs sx's
    builtins (:mod:`.runtime`). Empty for every recipe's builder."""


@dataclass(frozen=True)
class Launch:
    """How to start one sandbox."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    """Descriptors it inherits besides stdio."""
    blocks: bool = True
    """Whether it waits for the go-ahead byte before the builder starts."""
    rlimits: tuple[tuple[int, int], ...] = ()
    """Resource limits (``resource.RLIMIT_*``, value) set on it as it starts."""
    netns: int = -1
    """A network namespace it enters as it starts (a descriptor; -1: its own doing)."""


class Isolation(Protocol):
    """The namespaces of one build, alive until :meth:`gone`."""

    def confine(self, pid: int) -> None:
        """Apply the limits to the sandbox's pid 1 before it starts the builder."""

    def refused(self) -> bool:
        """Whether the kernel refused a fork for the pids limit, where it says so."""

    def release(self) -> None:
        """Start killing every process of the build (does not wait)."""

    async def gone(self) -> None:
        """Kill every process of the build; return when none is left (shielded)."""

    def close(self) -> None:
        """Free what is left once the sandbox process is gone too (idempotent)."""


class Sandbox(Protocol):
    """A sandbox engine."""

    name: str
    overhead: int
    """Tasks of the sandbox itself in the ``/proc`` of the build's pid namespace."""

    def check(self) -> None:
        """Raise :class:`SandboxError` when this engine cannot run here."""

    async def isolate(self, spec: SandboxSpec, limits: Limits) -> Isolation:
        """Fresh namespaces for the build of ``spec`` under ``limits``."""

    def command(self, spec: SandboxSpec, status_fd: int, block_fd: int, iso: Isolation,
                limits: Limits) -> Launch:
        """How to run ``spec.builder`` isolated in ``iso``.

        Status is written to ``status_fd``, first the host pid of the
        sandbox's pid 1; when the isolation has something to confine, the
        builder starts only once a byte arrives on ``block_fd``. May prepare
        ``spec.store_dir`` (inputs that need no mount).
        """

    def prepare(self) -> None:
        """Start making the namespaces of a next build (a build has just started)."""

    def dispose(self, iso: Isolation) -> None:
        """End ``iso``, whose build has no process left, without waiting for it."""

    def close(self) -> None:
        """Free what the engine keeps between builds (the run is over)."""

    def outcome(self, spec: SandboxSpec, status: str, returncode: int, log_tail: bytes,
                unreported: float | None = None) -> int:
        """The builder's exit status; :class:`SandboxError` if it never started.

        ``unreported``: the engine was killed after its sandbox had ended, when it
        had said nothing for that many seconds."""


def default_sandbox(mode: str = "auto") -> Sandbox:
    """The engine for this machine (bubblewrap on Linux).

    ``mode`` is the ``sandbox`` setting: ``auto`` (mapped ids when running
    as root, else plain), ``mapped`` or ``plain`` (see :mod:`.linux`).
    """
    from sx.derivations.build.linux import BwrapSandbox

    return BwrapSandbox(mapped={"auto": None, "mapped": True, "plain": False}[mode])
