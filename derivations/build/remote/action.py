"""How a sandboxed build is written as an REAPI Action, and read back by a worker.

One format, both directions: :func:`make_action` (the client) turns the
:class:`~sx.derivations.build.sandbox.SandboxSpec` of a build into a
``Command`` and an ``Action``; :func:`read_command` (the worker) turns a
``Command`` back into what the sandbox needs, refusing anything that the
client would never have written.

The mapping:

* ``Command.arguments`` = builder and arguments (store paths already
  substituted); ``environment_variables`` = the derivation's environment,
  sorted (the sandbox adds its fixed variables on the worker);
* the input root holds the closure under ``sx/store`` (:mod:`.merkle`);
  ``output_paths`` = ``sx/store/<scratch base>`` per output, sorted;
* ``Action.salt`` = ``sx-action-v1`` and the derivation's *resolved hash*, so
  the action digest is a function of the resolved derivation and the bytes
  of its input closure: the same build asks the engine's action cache the
  same question from any machine;
* the platform (Action and Command): ``OSFamily``, ``ISA`` from the
  derivation's system, and ``sx-sandbox=bwrap``: only a worker that offers
  all three runs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sx.derivations.build.remote.cas import Blob, blob_of
from sx.derivations.build.remote.digests import DigestFunction
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.merkle import STORE_PREFIX
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.derivations.build.sandbox import SandboxSpec
from sx.store.errors import InvalidInput
from sx.store.hashing import Digest
from sx.store.path import StorePath

SALT_PREFIX = b"sx-action-v1 "
SANDBOX_KEY = "sx-sandbox"
SANDBOX = "bwrap"
_ISA = {"x86_64-linux": "x86-64", "i686-linux": "x86-32"}


def platform_for(system: str) -> dict[str, str]:
    """The platform properties a derivation of ``system`` asks a worker for."""
    isa = _ISA.get(system)
    if isa is None:
        raise RemoteError(f"remote: system {system!r} cannot be built remotely")
    return {"OSFamily": "linux", "ISA": isa, SANDBOX_KEY: SANDBOX}


def _platform(props: Mapping[str, str]) -> re_pb.Platform:
    return re_pb.Platform(properties=[re_pb.Platform.Property(name=k, value=props[k])
                                      for k in sorted(props)])


@dataclass(frozen=True)
class ActionBlobs:
    """The serialized Command and Action of one build."""

    command: Blob
    action: Blob


def make_action(fn: DigestFunction, spec: SandboxSpec, outputs: Sequence[StorePath],
                resolved: Digest, input_root: Blob, system: str,
                timeout: float | None = None) -> ActionBlobs:
    """The Command and Action of the build ``spec`` whose outputs go to ``outputs``."""
    props = platform_for(system)
    cmd = re_pb.Command(
        arguments=[spec.builder, *spec.args],
        environment_variables=[re_pb.Command.EnvironmentVariable(name=k, value=spec.env[k])
                               for k in sorted(spec.env)],
        output_paths=sorted(f"{STORE_PREFIX}/{p.base}" for p in outputs),
        platform=_platform(props))
    command = blob_of(fn, cmd.SerializeToString(deterministic=True))
    act = re_pb.Action(command_digest=command.digest.to_proto(),
                       input_root_digest=input_root.digest.to_proto(),
                       salt=SALT_PREFIX + str(resolved).encode(),
                       platform=_platform(props))
    if timeout:
        act.timeout.FromNanoseconds(int(timeout * 1e9))
    return ActionBlobs(command, blob_of(fn, act.SerializeToString(deterministic=True)))


@dataclass(frozen=True)
class WorkerCommand:
    """What a worker runs: builder, arguments, environment, and the outputs' bases."""

    builder: str
    args: tuple[str, ...]
    env: dict[str, str]
    outputs: tuple[str, ...]


def read_command(cmd: re_pb.Command) -> WorkerCommand:
    """Check a Command that claims to be sx's and return what it asks for."""
    if not cmd.arguments:
        raise RemoteError("remote action: command has no arguments")
    if cmd.working_directory not in ("", "."):
        raise RemoteError(f"remote action: working directory {cmd.working_directory!r}: "
                          "sx builds run in /build")
    env: dict[str, str] = {}
    for v in cmd.environment_variables:
        if not v.name or "=" in v.name or "\0" in v.name or "\0" in v.value:
            raise RemoteError(f"remote action: invalid environment variable {v.name[:40]!r}")
        if v.name in env:
            raise RemoteError(f"remote action: environment variable {v.name!r} twice")
        env[v.name] = v.value
    outs = []
    for p in cmd.output_paths:
        prefix, _, base = p.rpartition("/")
        try:
            ok = prefix == STORE_PREFIX and StorePath.parse(f"/sx/store/{base}").base == base
        except InvalidInput:
            ok = False
        if not ok:
            raise RemoteError(f"remote action: output path {p[:80]!r} is not "
                              f"{STORE_PREFIX}/<store path base>")
        outs.append(base)
    if not outs or len(set(outs)) != len(outs):
        raise RemoteError("remote action: outputs missing or repeated")
    if any("\0" in a for a in cmd.arguments):
        raise RemoteError("remote action: argument with a NUL byte")
    return WorkerCommand(cmd.arguments[0], tuple(cmd.arguments[1:]), env, tuple(outs))
