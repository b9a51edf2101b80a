"""``sx worker``: a bot of the Remote Workers API that runs sx actions in the sandbox.

The bot opens a session with the engine (its platform properties on its
primary device, its capacity as the ``capacity`` config) and keeps it alive
with ``UpdateBotSession`` calls that long-poll for leases. Each lease's
payload is an Action (or its digest); the worker

1. reads the Command (:func:`~.action.read_command`) and checks the
   platform the action asks for is one this worker offers;
2. materializes the input root from the CAS (:class:`~.materialize.InputCache`);
3. runs the builder in the same bubblewrap sandbox as a local build
   (:func:`~sx.derivations.build.runner.run_sandboxed`);
4. uploads the outputs (files, directory trees, symlinks) and the log, and
   completes the lease with the ``ActionResult``.

A worker that dies loses its session when the engine's keepalive timeout
passes; the engine then hands its leases to another worker. Faults of the
worker's own (its sandbox cannot start) are reported as UNAVAILABLE, which
engines retry elsewhere; a bad action is INVALID_ARGUMENT or
FAILED_PRECONDITION; a builder that fails is a result with its exit code.
"""

from __future__ import annotations

import functools
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
import trio
from google.protobuf.message import DecodeError
from sx.derivations.build.errors import (
    BuilderFailed,
    BuildError,
    BuildTimeout,
    LogLimitExceeded,
)
from sx.derivations.build.logs import BuildLog
from sx.derivations.build.remote.action import (
    SANDBOX,
    SANDBOX_KEY,
    WorkerCommand,
    read_command,
)
from sx.derivations.build.remote.cas import Blob, Cas, blob_of
from sx.derivations.build.remote.channel import RemoteUrl, failure, method
from sx.derivations.build.remote.digests import BlobDigest, digest_file
from sx.derivations.build.remote.errors import RemoteError, RemoteUnavailable
from sx.derivations.build.remote.fetch import output_path
from sx.derivations.build.remote.materialize import InputCache
from sx.derivations.build.remote.merkle import Tree, tree_of
from sx.derivations.build.remote.proto import bots_pb2 as bots_pb
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.derivations.build.runner import run_sandboxed
from sx.derivations.build.sandbox import Sandbox, SandboxError, SandboxSpec, default_sandbox
from sx.store.errors import StoreError
from sx.store.fsutil import remove_tree
from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import make_path

_ACTION = "type.googleapis.com/build.bazel.remote.execution.v2.Action"
_DIGEST = "type.googleapis.com/build.bazel.remote.execution.v2.Digest"
_RESULT = "type.googleapis.com/build.bazel.remote.execution.v2.ActionResult"
# google.rpc.Code values.
OK, INVALID_ARGUMENT, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED = 0, 3, 4, 8
FAILED_PRECONDITION, INTERNAL, UNAVAILABLE = 9, 13, 14
# Long polls last at most this long, and at most half the session's remaining life.
_MAX_POLL = 30.0
_MIN_POLL = 1.0
_RETRY = 1.0
# How often a worker at capacity reports to the engine: how soon it learns of a
# withdrawn lease (a cancelled client).
_BUSY_POLL = 0.5


def default_properties() -> dict[str, list[str]]:
    """What this machine offers: Linux, its ISA(s), and sx's bubblewrap sandbox."""
    machine = os.uname().machine
    isa = {"x86_64": ["x86-64", "x86-32"], "i686": ["x86-32"]}.get(machine, [machine])
    return {"OSFamily": ["linux"], "ISA": isa, SANDBOX_KEY: [SANDBOX]}


@dataclass
class WorkerOptions:
    """How the worker runs."""

    name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    jobs: int = 1
    properties: Mapping[str, list[str]] = field(default_factory=default_properties)
    max_log_size: int | None = 1 << 30
    cache_size: int | None = 10 << 30
    """Bound of the input cache in bytes (None: unbounded)."""
    sandbox: Sandbox | None = None
    log: Any = None
    """Callable taking one line (what the worker did), or None."""


class Worker:
    """One bot session with the engine at ``url``, running up to ``jobs`` leases."""

    def __init__(self, url: RemoteUrl, store: LocalStore, opts: WorkerOptions) -> None:
        self.url = url
        self.store = store
        self.opts = opts
        self.cas = Cas(url)
        ch = self.cas.channel
        f = bots_pb.DESCRIPTOR
        self._create = method(ch, f, "Bots", "CreateBotSession", bots_pb.BotSession)
        self._update: grpc.UnaryUnaryMultiCallable[Any, bots_pb.BotSession] = ch.unary_unary(
            "/google.devtools.remoteworkers.v1test2.Bots/UpdateBotSession",
            request_serializer=lambda m: m.SerializeToString(deterministic=True),
            response_deserializer=bots_pb.BotSession.FromString)
        self.sandbox = opts.sandbox or default_sandbox()
        self.cache: InputCache | None = None
        self.running: dict[str, trio.CancelScope] = {}
        self.done: dict[str, bots_pb.Lease] = {}
        self.gone: set[str] = set()
        self._changed = trio.Event()
        self.executed = 0

    def _say(self, text: str) -> None:
        if self.opts.log is not None:
            self.opts.log(f"worker {self.opts.name}: {text}")

    # ---- the session ----------------------------------------------------------

    def _session(self) -> bots_pb.BotSession:
        props = [bots_pb.Device.Property(key=k, value=v)
                 for k in sorted(self.opts.properties) for v in self.opts.properties[k]]
        worker = bots_pb.Worker(
            devices=[bots_pb.Device(handle=self.opts.name, properties=props)],
            configs=[bots_pb.Worker.Config(key="capacity", value=str(self.opts.jobs))])
        return bots_pb.BotSession(bot_id=self.opts.name, status=bots_pb.OK, worker=worker)

    async def run(self, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Serve leases until cancelled (waiting for the engine while it is unreachable)."""
        self.sandbox.check()
        session = await self._open()
        self._say(f"session {session.name} on {self.url}")
        task_status.started(session.name)
        with self.store.temp_dir() as area:
            async with trio.open_nursery() as nursery:
                fresh: bots_pb.BotSession | None = session
                while True:
                    # CreateBotSession may already carry leases: start them first. Only a
                    # session just received says which leases are live.
                    if fresh is not None:
                        session = fresh
                        self._start_new(nursery, session, area.path)
                    await self._idle_at_capacity()
                    fresh = await self._sync(session)

    async def _idle_at_capacity(self) -> None:
        """At capacity the engine answers at once (it has nothing to offer): rather than
        spin, report again when a lease ends, or after a while (the session's keepalive,
        leases the engine withdrew)."""
        if len(self.running) >= self.opts.jobs and not self.done:
            with trio.move_on_after(_BUSY_POLL):
                await self._changed.wait()

    async def _open(self) -> bots_pb.BotSession:
        """Connect and create the bot session, retrying while the engine is unreachable."""
        said = False
        while True:
            try:
                await trio.to_thread.run_sync(self.cas.connect, abandon_on_cancel=True)
                self.cache = InputCache(os.path.join(self.store.root, "var", "remote-cache"),
                                        self.cas, self.opts.cache_size)
                req = bots_pb.CreateBotSessionRequest(parent=self.url.instance,
                                                      bot_session=self._session())
                try:
                    return await trio.to_thread.run_sync(
                        functools.partial(self._create, req, timeout=_MAX_POLL),
                        abandon_on_cancel=True)
                except grpc.RpcError as e:
                    raise failure(self.url, "create bot session", e) from None
            except RemoteUnavailable as e:
                if not said:
                    self._say(f"{e}; waiting for it")
                    said = True
                await trio.sleep(_RETRY)

    def _start_new(self, nursery: trio.Nursery, session: bots_pb.BotSession, area: str) -> None:
        live = set()
        for lease in session.leases:
            live.add(lease.id)
            if lease.id in self.running or lease.id in self.done or lease.id in self.gone:
                continue
            if lease.state not in (bots_pb.PENDING, bots_pb.ACTIVE):
                continue
            scope = trio.CancelScope()
            self.running[lease.id] = scope
            nursery.start_soon(self._lease, lease, scope, area)
        for lid, scope in list(self.running.items()):
            if lid not in live:
                self._say(f"lease {lid} withdrawn by the engine; cancelling it")
                self.gone.add(lid)
                scope.cancel()

    def _report(self, session: bots_pb.BotSession) -> bots_pb.BotSession:
        s = bots_pb.BotSession()
        s.CopyFrom(session)
        del s.leases[:]
        for lid in self.running:
            s.leases.add(id=lid, state=bots_pb.ACTIVE)
        for lease in self.done.values():
            s.leases.append(lease)
        return s

    async def _sync(self, session: bots_pb.BotSession) -> bots_pb.BotSession | None:
        """One UpdateBotSession: report, long-poll for work; returns early when a lease ends.

        Returns the engine's answer, or None when there was none (an idle long poll
        timed out, a finished lease cut it short, or the engine was unreachable).
        """
        self._changed = trio.Event()
        sent = dict(self.done)
        req = bots_pb.UpdateBotSessionRequest(name=session.name,
                                              bot_session=self._report(session))
        left = (session.expire_time.ToSeconds() - time.time()
                if session.HasField("expire_time") else _MAX_POLL)
        # The engine refreshes the session's expiry when it starts waiting, and waits
        # only when the call leaves it time (BuildGrid: 80% of the deadline, at least
        # 3 s); a short poll would return at once, without work.
        poll = max(_MIN_POLL, min(_MAX_POLL, left * 0.9))
        fut = self._update.future(req, timeout=poll)
        try:
            async with trio.open_nursery() as n:
                async def interrupt() -> None:
                    await self._changed.wait()
                    fut.cancel()  # a lease ended: report it at once

                n.start_soon(interrupt)
                got = await trio.to_thread.run_sync(_outcome, fut, abandon_on_cancel=True)
                n.cancel_scope.cancel()
        except BaseException:
            fut.cancel()
            raise
        if isinstance(got, bots_pb.BotSession):
            for lid in sent:
                self.done.pop(lid, None)
            return got
        if got is None:
            return None
        if isinstance(got, grpc.Call) and got.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            return None  # an idle long poll
        err = failure(self.url, "update bot session", got)
        if not isinstance(err, RemoteUnavailable):
            raise err
        self._say(f"{err}; retrying")
        await trio.sleep(_RETRY)
        return None

    # ---- one lease ------------------------------------------------------------

    async def _lease(self, lease: bots_pb.Lease, scope: trio.CancelScope, area: str) -> None:
        work = os.path.join(area, lease.id.replace("/", "_"))
        kept: list[Tree] = []
        try:
            await self._lease_in(lease, scope, work, kept)
        finally:
            # After the engine may know the lease ended: the client need not wait for this.
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(self._keep, kept, work)

    def _keep(self, outputs: list[Tree], work: str) -> None:
        """The outputs just uploaded into the input cache (the next action of a chain
        takes them as inputs), the lease's scratch directory removed, and the cache
        back under its bound (its blobs are no longer linked from the scratch)."""
        try:
            if self.cache is not None:
                for out in outputs:
                    self.cache.keep(out)
        except OSError as e:  # the result is reported already: only the cache missed out
            self._say(f"input cache: outputs not kept: {e}")
        remove_tree(work)
        if outputs and self.cache is not None:
            freed = self.cache.evict()
            if freed:
                self._say(f"input cache: evicted {freed} bytes")

    async def _lease_in(self, lease: bots_pb.Lease, scope: trio.CancelScope, work: str,
                        kept: list[Tree]) -> None:
        with scope:
            self._say(f"lease {lease.id}: started")
            result: re_pb.ActionResult | None
            try:
                result = await self._execute(lease, work, kept)
                status = (OK, "")
            except _LeaseFailure as e:
                result, status = e.result, (e.code, str(e))
            except (OSError, StoreError) as e:
                # The worker's own trouble (disk, its cache): another worker may do better.
                result, status = None, (INTERNAL, f"worker {self.opts.name}: {e}")
            done = bots_pb.Lease(id=lease.id, state=bots_pb.COMPLETED)
            done.status.code, done.status.message = status
            if result is not None:
                done.result.type_url = _RESULT
                done.result.value = result.SerializeToString(deterministic=True)
            self.done[lease.id] = done
            self.executed += 1
            self._say(f"lease {lease.id} done: status {status[0]}, exit code "
                      f"{result.exit_code if result is not None else '-'}")
        if scope.cancelled_caught:
            self._say(f"lease {lease.id}: cancelled")
        self.running.pop(lease.id, None)
        self._changed.set()

    async def _execute(self, lease: bots_pb.Lease, work: str,
                       kept: list[Tree]) -> re_pb.ActionResult:
        meta = re_pb.ExecutedActionMetadata(worker=self.opts.name)
        meta.worker_start_timestamp.GetCurrentTime()
        action_bytes, action = await self._action(lease)
        assert self.cache is not None
        # Fetching starts with the Command: engines stamp their own time of assignment
        # over worker_start, so this stamp is the one that tells when the worker had it.
        meta.input_fetch_start_timestamp.GetCurrentTime()
        try:
            # The Command and the input root's top in one round trip.
            cmd_d = BlobDigest.of(action.command_digest)
            root_d = BlobDigest.of(action.input_root_digest)
            got = await trio.to_thread.run_sync(self.cas.read_blobs, [cmd_d, root_d],
                                                abandon_on_cancel=True)
            wc = read_command(re_pb.Command.FromString(got[cmd_d]))
            self._check_platform(action)
            self._say(f"lease {lease.id}: running {wc.outputs[0]}")
            inputs = await trio.to_thread.run_sync(
                functools.partial(self.cache.materialize, root_d, got[root_d]),
                abandon_on_cancel=True)
        except (RemoteError, DecodeError) as e:
            raise _LeaseFailure(FAILED_PRECONDITION, str(e)) from None
        meta.input_fetch_completed_timestamp.GetCurrentTime()
        try:
            freed = await trio.to_thread.run_sync(self.cache.evict)
            if freed:
                self._say(f"input cache: evicted {freed} bytes")
            return await self._run(wc, inputs.paths, action, action_bytes, meta, work, kept)
        finally:
            self.cache.release(inputs)

    async def _run(self, wc: WorkerCommand, inputs: list[tuple[str, str]], action: re_pb.Action,
                   action_bytes: bytes, meta: re_pb.ExecutedActionMetadata,
                   work: str, kept: list[Tree]) -> re_pb.ActionResult:
        """Run the checked command in the sandbox under ``work``; the result, uploaded
        (the outputs' trees added to ``kept``)."""
        os.mkdir(work, 0o711)
        store_dir, build_dir = os.path.join(work, "store"), os.path.join(work, "build")
        os.mkdir(store_dir)
        os.mkdir(build_dir, 0o700)
        spec = SandboxSpec(wc.builder, wc.args, wc.env, inputs, store_dir, build_dir)
        label = make_path("output", Digest.b3(action_bytes), "remote-action")
        log = BuildLog(os.path.join(work, "logs"), label, os.path.join(work, "log"),
                       self.opts.max_log_size)
        timeout = action.timeout.ToNanoseconds() / 1e9 if action.HasField("timeout") \
            else None
        meta.execution_start_timestamp.GetCurrentTime()
        code, failure_status = await self._sandboxed(spec, work, log, timeout or None)
        meta.execution_completed_timestamp.GetCurrentTime()
        meta.output_upload_start_timestamp.GetCurrentTime()
        result = await trio.to_thread.run_sync(self._outputs, wc.outputs, store_dir,
                                               log.raw, code, kept)
        meta.output_upload_completed_timestamp.GetCurrentTime()
        meta.worker_completed_timestamp.GetCurrentTime()
        result.execution_metadata.CopyFrom(meta)
        if failure_status is not None:
            raise _LeaseFailure(failure_status[0], failure_status[1], result)
        return result

    async def _action(self, lease: bots_pb.Lease) -> tuple[bytes, re_pb.Action]:
        p = lease.payload
        try:
            if p.type_url == _ACTION:
                return p.value, re_pb.Action.FromString(p.value)
            if p.type_url == _DIGEST:
                d = BlobDigest.of(re_pb.Digest.FromString(p.value))
                data = await trio.to_thread.run_sync(self.cas.read_blob, d)
                return data, re_pb.Action.FromString(data)
        except (RemoteError, DecodeError) as e:
            raise _LeaseFailure(INVALID_ARGUMENT, f"lease payload: {e or 'not an Action'}"
                                ) from None
        raise _LeaseFailure(INVALID_ARGUMENT, f"lease payload {p.type_url!r} is not an Action")

    def _check_platform(self, action: re_pb.Action) -> None:
        for prop in action.platform.properties:
            if prop.value not in self.opts.properties.get(prop.name, []):
                raise _LeaseFailure(FAILED_PRECONDITION,
                                    f"worker {self.opts.name} does not offer platform property "
                                    f"{prop.name}={prop.value}")

    async def _sandboxed(self, spec: SandboxSpec, work: str, log: BuildLog,
                         timeout: float | None) -> tuple[int, tuple[int, str] | None]:
        """The builder's exit code, and a failure status for what is not the builder's."""
        try:
            await run_sandboxed(self.sandbox, spec, log, log.drv_path, timeout)
        except SandboxError as e:
            raise _LeaseFailure(UNAVAILABLE, f"worker {self.opts.name}: {e}") from None
        except BuildTimeout:
            return 124, (DEADLINE_EXCEEDED, f"timed out after {timeout} s on {self.opts.name}")
        except LogLimitExceeded:
            return 125, (RESOURCE_EXHAUSTED, f"log exceeded {log.limit} bytes on "
                         f"{self.opts.name}")
        except BuilderFailed as e:
            return e.exit_code or 1, None
        except BuildError as e:  # the builder could not be started
            log.note(f"sx worker: {e}\n")
            return 127, None
        return 0, None

    def _outputs(self, bases: tuple[str, ...], store_dir: str, log_raw: str,
                 code: int, kept: list[Tree]) -> re_pb.ActionResult:
        """Upload the outputs and the log; the ActionResult naming them. The outputs'
        trees are added to ``kept`` once uploaded."""
        result = re_pb.ActionResult(exit_code=code)
        blobs: dict[BlobDigest, Blob] = {}
        trees = []
        if code == 0:
            for base in bases:
                t = self._output(result, blobs, base, os.path.join(store_dir, base))
                if t is not None:
                    trees.append(t)
        if os.path.exists(log_raw) and os.path.getsize(log_raw):
            d = digest_file(self.cas.fn, log_raw)
            blobs[d] = Blob(d, path=log_raw)
            result.stdout_digest.CopyFrom(d.to_proto())
        self.cas.upload_missing(blobs.values())
        kept.extend(trees)
        return result

    def _output(self, result: re_pb.ActionResult, blobs: dict[BlobDigest, Blob], base: str,
                path: str) -> Tree | None:
        if not os.path.lexists(path):
            return None  # the client reports the missing output
        rel = output_path(base)
        try:
            t = tree_of(self.cas.fn, path, base)
        except RemoteError as e:
            raise _LeaseFailure(FAILED_PRECONDITION, f"output {base}: {e}") from None
        blobs.update(t.blobs)
        n = t.node
        if n.target is not None:
            result.output_symlinks.add(path=rel, target=n.target)
        elif not n.is_dir:
            assert n.digest is not None
            result.output_files.add(path=rel, digest=n.digest.to_proto(),
                                    is_executable=n.executable)
        else:
            assert n.digest is not None
            tree = re_pb.Tree(root=re_pb.Directory.FromString(blobs[n.digest].read()))
            for d, b in sorted(t.blobs.items()):
                if d != n.digest and b.data is not None:
                    tree.children.append(re_pb.Directory.FromString(b.data))
            data = tree.SerializeToString(deterministic=True)
            tb = blob_of(self.cas.fn, data)
            blobs[tb.digest] = tb
            result.output_directories.add(path=rel, tree_digest=tb.digest.to_proto())
        return t


class _LeaseFailure(Exception):
    """A lease that ends with a non-OK status (and perhaps a partial result)."""

    def __init__(self, code: int, message: str, result: re_pb.ActionResult | None = None):
        super().__init__(message)
        self.code = code
        self.result = result


def _outcome(fut: Any) -> bots_pb.BotSession | grpc.RpcError | None:
    """The answer of an UpdateBotSession future: the session, its error, or None if cancelled."""
    try:
        session: bots_pb.BotSession = fut.result()
        return session
    except grpc.FutureCancelledError:
        return None
    except grpc.RpcError as e:
        return e
