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
* if isolation cannot be set up the build fails with :class:`SandboxError`:
  there is no unsandboxed fallback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sx.derivations.build.errors import BuildError

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
    """


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


class Sandbox(Protocol):
    """A sandbox engine."""

    name: str

    def check(self) -> None:
        """Raise :class:`SandboxError` when this engine cannot run here."""

    def extra_fds(self) -> tuple[int, ...]:
        """Descriptors the sandbox process must inherit (besides the status fd)."""

    def command(self, spec: SandboxSpec, status_fd: int) -> list[str]:
        """The argv that runs ``spec.builder`` isolated; status is written to ``status_fd``.

        May prepare ``spec.store_dir`` (inputs that need no mount).
        """

    def outcome(self, spec: SandboxSpec, status: str, returncode: int, log_tail: bytes) -> int:
        """The builder's exit status; :class:`SandboxError` if it never started."""


def default_sandbox(mode: str = "auto") -> Sandbox:
    """The engine for this machine (bubblewrap on Linux).

    ``mode`` is the ``sandbox`` setting: ``auto`` (mapped ids when running
    as root, else plain), ``mapped`` or ``plain`` (see :mod:`.linux`).
    """
    from sx.derivations.build.linux import BwrapSandbox

    return BwrapSandbox(mapped={"auto": None, "mapped": True, "plain": False}[mode])
