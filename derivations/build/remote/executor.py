"""The client side: run one sandboxed build on a remote engine.

For each build (all of this off the trio thread, in worker threads):

1. the input root: the Merkle tree of the closure (:mod:`.merkle`), the
   Command and Action (:mod:`.action`);
2. ``GetActionResult``, and while it is on its way (unless the last lookup
   hit) the blobs the engine may lack: a few (those not uploaded or fetched
   before in this run, up to ``SEND_UNASKED`` bytes) are sent at once, more
   are asked about with ``FindMissingBlobs``; a successful cached result is
   used as is;
3. otherwise the missing blobs are uploaded (when they were asked about),
   then ``Execute``, following the operation until it is done; the worker
   that runs it is shown in the progress;
4. the log (the result's stdout) becomes the build's log; the outputs are
   fetched and verified into the scratch store (:mod:`.fetch`), from where
   the scheduler registers them like local build outputs.

Cancellation (Ctrl-C, a failed dependency) cancels the Execute call and
the engine's operation.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import trio
from google.protobuf import empty_pb2
from sx.derivations.build.errors import BuildError
from sx.derivations.build.logs import BuildLog
from sx.derivations.build.remote.action import make_action
from sx.derivations.build.remote.cas import CALL_TIMEOUT, SEND_UNASKED, Blob, Cas
from sx.derivations.build.remote.channel import RemoteUrl, failure, method, stream_method
from sx.derivations.build.remote.digests import BlobDigest
from sx.derivations.build.remote.errors import RemoteError, RemoteUnavailable
from sx.derivations.build.remote.fetch import fetch_outputs, output_path, prefetch
from sx.derivations.build.remote.merkle import InputTrees
from sx.derivations.build.remote.proto import longrunning_pb2 as lr_pb
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.derivations.build.sandbox import SandboxSpec
from sx.derivations.model import Derivation
from sx.store.hashing import Digest
from sx.store.path import StorePath

_EXECUTE_RESPONSE = "type.googleapis.com/build.bazel.remote.execution.v2.ExecuteResponse"
_METADATA = "type.googleapis.com/build.bazel.remote.execution.v2.ExecuteOperationMetadata"
_REATTACH = 3
_CANCEL_TIMEOUT = 5.0
# How long a cancelled build waits for the engine to name its operation (the first
# message of the Execute stream): without the name it cannot be cancelled.
_NAME_WAIT = 2.0
# An engine at its concurrency limit answers RESOURCE_EXHAUSTED: back off, up to ~2 min.
_BACKOFF = 0.05
_MAX_BACKOFF = 60.0


def _busy(delay: float) -> float:
    """Sleep ``delay`` (with jitter) and return the next, doubled delay."""
    time.sleep(delay * (0.5 + random.random()))
    return delay * 2


@dataclass
class RemoteStats:
    """What the remote path did in one realization."""

    executed: int = 0
    cached: int = 0
    uploaded: int = 0


@dataclass(frozen=True)
class RemoteBuild:
    """One build to run remotely."""

    drv: Derivation
    resolved: Digest
    spec: SandboxSpec
    outputs: Mapping[str, StorePath]
    """Scratch path per output name."""
    objs: Mapping[str, str]
    """Host path per output name where the output must end up."""
    timeout: float | None
    on_worker: Callable[[str], None]
    """Called (in the trio thread) with the worker's name once it is known."""
    fresh: bool = False
    """Run it again even if the action cache has a result (``--check``)."""
    echo: Callable[[bytes], object] | None = None
    """Shown the log's bytes (in the trio thread) as they arrive (``-L``); ``b""`` at the end."""


class RemoteExecutor:
    """Runs builds on the engine at one URL (see the module docstring)."""

    def __init__(self, url: RemoteUrl, jobs: int = 64) -> None:
        self.url = url
        self.cas = Cas(url)
        ch = self.cas.channel
        f = re_pb.DESCRIPTOR
        self._get_result = method(ch, f, "ActionCache", "GetActionResult", re_pb.ActionResult)
        self._execute = stream_method(ch, f, "Execution", "Execute", lr_pb.Operation)
        self._wait = stream_method(ch, f, "Execution", "WaitExecution", lr_pb.Operation)
        self._cancel = method(ch, lr_pb.DESCRIPTOR, "Operations", "CancelOperation",
                              empty_pb2.Empty)
        self.trees: InputTrees | None = None
        self.known: set[BlobDigest] = set()
        self._known_lock = threading.Lock()
        self._expect_hit = False
        """Whether the last action cache lookup found a result (see :meth:`_lookup`)."""
        self.stats = RemoteStats()
        self.threads = trio.CapacityLimiter(jobs + 2)
        self.jobs = trio.CapacityLimiter(jobs)

    def connect(self) -> None:
        """Check the engine is there and executes; :class:`RemoteUnavailable` otherwise."""
        self.cas.connect()
        if not self.cas.can_execute:
            raise RemoteError(f"remote {self.url}: the engine does not execute actions "
                              "(a cache only)")
        self.trees = InputTrees(self.cas.fn)

    @staticmethod
    def accepts(drv: Derivation) -> bool:
        """Whether ``drv`` is built remotely: sandboxed builds without network access.

        Builtins (fetch, unpack, write) and fixed-output builds (which reach the
        network) stay local.
        """
        return not drv.builder.startswith("builtin:") and not drv.is_fixed_output

    def close(self) -> None:
        """Close the connection."""
        self.cas.close()

    # ---- one build ------------------------------------------------------------

    async def build(self, b: RemoteBuild, log: BuildLog) -> None:
        """Run ``b`` remotely; its outputs end up at ``b.objs``, its log in ``log``.

        :class:`BuildError` when the builder failed (the log says why),
        :class:`RemoteError` when the engine did.
        """
        action, blobs = await trio.to_thread.run_sync(self._prepare, b, limiter=self.threads,
                                                      abandon_on_cancel=True)
        result = await trio.to_thread.run_sync(self._lookup, action, blobs, b.fresh,
                                               limiter=self.threads, abandon_on_cancel=True)
        if result is None:
            result = await self._run(action, b)
            self.stats.executed += 1
        else:
            self.stats.cached += 1
            meta = result.execution_metadata
            b.on_worker(f"{meta.worker or 'a worker'} (cached)")
        await trio.to_thread.run_sync(self._finish, b, result, log, limiter=self.threads,
                                      abandon_on_cancel=True)

    def _prepare(self, b: RemoteBuild) -> tuple[BlobDigest, list[Blob]]:
        assert self.trees is not None, "connect() first"
        root = self.trees.root(b.spec.inputs)
        assert root.node.digest is not None
        root_blob = root.blobs[root.node.digest]
        ab = make_action(self.cas.fn, b.spec, list(b.outputs.values()), b.resolved, root_blob,
                         b.drv.system, b.timeout)
        blobs = [*root.blobs.values(), ab.command, ab.action]
        return ab.action.digest, blobs

    def _lookup(self, action: BlobDigest, blobs: Sequence[Blob],
                fresh: bool) -> re_pb.ActionResult | None:
        """The action cache's successful result (None: the action must run, and every
        blob of it is in the engine's CAS).

        While the last lookup missed, the blobs go on the wire together with
        GetActionResult (sent, or asked about when many bytes): one round trip
        instead of three. While lookups hit (a fresh client realizing what was built
        before), nothing is sent before the answer, since nothing needs to be.
        """
        with self._known_lock:
            todo = [b for b in blobs if b.digest not in self.known]
        req = re_pb.GetActionResultRequest(instance_name=self.url.instance,
                                           action_digest=action.to_proto(),
                                           digest_function=self.cas.fn.value)
        pending = None if fresh else self._get_result.future(req, timeout=CALL_TIMEOUT)
        ahead = pending is None or not self._expect_hit
        later: list[Blob] = []
        try:
            if ahead:
                later = self._offer(todo)
            result = self._cached(action, req, pending) if pending is not None else None
        finally:
            if pending is not None:
                pending.cancel()  # a no-op once it is done
        if pending is not None:
            self._expect_hit = result is not None
        if result is None:
            self._send(later if ahead else self._offer(todo))
        return result

    def _offer(self, todo: Sequence[Blob]) -> list[Blob]:
        """Send ``todo`` now when it is small (returns nothing left), else ask which of
        it the engine lacks (returns those, to send if the action must run)."""
        if sum(b.digest.size for b in todo) <= SEND_UNASKED:
            self._send(todo)
            return []
        missing = self.cas.find_missing(b.digest for b in todo)
        with self._known_lock:
            self.known.update(b.digest for b in todo if b.digest not in missing)
        return [b for b in todo if b.digest in missing]

    def _send(self, blobs: Sequence[Blob]) -> None:
        if not blobs:
            return
        self.cas.upload(blobs)
        with self._known_lock:
            self.known.update(b.digest for b in blobs)
            self.stats.uploaded += len(blobs)

    def _cached(self, action: BlobDigest, req: re_pb.GetActionResultRequest,
                pending: Any) -> re_pb.ActionResult | None:
        """The answer of the GetActionResult call ``pending`` (asked again while the
        engine is saturated); a failed result counts as none."""
        delay = _BACKOFF
        while True:
            try:
                result: re_pb.ActionResult = pending.result() if pending is not None else \
                    self._get_result(req, timeout=CALL_TIMEOUT)
                break
            except grpc.RpcError as e:
                code = e.code() if isinstance(e, grpc.Call) else None
                if code == grpc.StatusCode.NOT_FOUND:
                    return None
                if code != grpc.StatusCode.RESOURCE_EXHAUSTED or delay > _MAX_BACKOFF:
                    raise failure(self.url, f"get action result {action}", e) from None
            pending = None
            delay = _busy(delay)
        # A cached failure is not trusted to be deterministic: run it again.
        return result if result.exit_code == 0 else None

    async def _run(self, action: BlobDigest, b: RemoteBuild) -> re_pb.ActionResult:
        state = _Call()
        try:
            resp = await trio.to_thread.run_sync(self._follow, action, b, state,
                                                 limiter=self.threads, abandon_on_cancel=True)
        except (trio.Cancelled, KeyboardInterrupt):  # Ctrl-C may be raised in this task
            with trio.CancelScope(shield=True):
                name = await trio.to_thread.run_sync(state.cancel, _NAME_WAIT)
                await trio.to_thread.run_sync(self._cancel_operation, name)
            raise
        if resp.status.code != 0:
            raise RemoteError(f"remote {self.url}: execute {b.drv.drv_path}: status "
                              f"{resp.status.code}: {resp.status.message or 'failed'}")
        return resp.result

    def _cancel_operation(self, name: str | None) -> None:
        if not name:
            return
        try:
            self._cancel(lr_pb.CancelOperationRequest(name=name), timeout=_CANCEL_TIMEOUT)
        except grpc.RpcError:
            pass  # best effort: the engine may have finished or forgotten it

    def _follow(self, action: BlobDigest, b: RemoteBuild, state: _Call) -> re_pb.ExecuteResponse:
        """Execute, follow the operation to its end (reattaching if the stream breaks)."""
        req = re_pb.ExecuteRequest(instance_name=self.url.instance,
                                   action_digest=action.to_proto(), skip_cache_lookup=b.fresh,
                                   digest_function=self.cas.fn.value)
        tries = 0
        busy = _BACKOFF
        while True:
            if state.name is None:
                call = self._execute(req)
            else:
                call = self._wait(re_pb.WaitExecutionRequest(name=state.name))
            state.attach(call)
            try:
                done = self._watch(call, b, state)
            except grpc.RpcError as e:
                if state.cancelled:
                    raise RemoteError(f"remote {self.url}: execute cancelled") from None
                if isinstance(e, grpc.Call) and e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED \
                        and busy <= _MAX_BACKOFF:
                    busy = _busy(busy)  # the engine is saturated: ask again a little later
                    continue
                err = failure(self.url, f"execute {b.drv.drv_path}", e)
                tries += 1
                if state.name is None or tries > _REATTACH or \
                        not isinstance(err, RemoteUnavailable):
                    raise err from None
                continue
            if done is not None:
                return done
            raise RemoteError(f"remote {self.url}: execute {b.drv.drv_path}: the operation "
                              "stream ended before the operation was done")

    def _watch(self, ops: Iterator[lr_pb.Operation], b: RemoteBuild,
               state: _Call) -> re_pb.ExecuteResponse | None:
        shown = ""
        for op in ops:
            state.named(op.name)
            if op.metadata.type_url == _METADATA:
                meta = re_pb.ExecuteOperationMetadata.FromString(op.metadata.value)
                worker = meta.partial_execution_metadata.worker
                if worker and worker != shown:
                    shown = worker
                    try:
                        trio.from_thread.run_sync(b.on_worker, worker)
                    except (trio.Cancelled, trio.RunFinishedError):
                        pass  # the build is being cancelled: nothing to show
            if not op.done:
                continue
            if op.HasField("error") and op.error.code != 0:
                raise RemoteError(f"remote {self.url}: execute {b.drv.drv_path}: status "
                                  f"{op.error.code}: {op.error.message or 'failed'}")
            if op.response.type_url != _EXECUTE_RESPONSE:
                raise RemoteError(f"remote {self.url}: execute {b.drv.drv_path}: the operation "
                                  f"ended with {op.response.type_url or 'no response'}")
            return re_pb.ExecuteResponse.FromString(op.response.value)
        return None

    def _finish(self, b: RemoteBuild, result: re_pb.ActionResult, log: BuildLog) -> None:
        # The log and the outputs' first blobs in one round trip, not one each (a failed
        # build's outputs are not wanted).
        try:
            pre = prefetch(self.cas, result if result.exit_code == 0 else re_pb.ActionResult(),
                           [d for d in self._log_blobs(result, log) if d is not None])
        except RemoteError:
            # A blob failed its check: the outputs are refused, but the log (read on its
            # own, and checked too) still tells what the build printed.
            with contextlib.suppress(RemoteError):
                self._log(result, log, b.echo, {})
            raise
        self._log(result, log, b.echo, pre)
        if result.exit_code != 0:
            raise BuildError(f"build {b.drv.drv_path}: builder failed with exit code "
                             f"{result.exit_code} (remotely, on "
                             f"{result.execution_metadata.worker or 'an unnamed worker'})")
        dests = {output_path(b.outputs[o].base): b.objs[o] for o in b.outputs}
        fetch_outputs(self.cas, result, dests, pre)
        # The engine holds what it just returned: a next action using these outputs as
        # inputs need not send them (when they registered unchanged, same digests).
        with self._known_lock:
            self.known.update(BlobDigest.of(f.digest) for f in result.output_files)

    @staticmethod
    def _log_blobs(result: re_pb.ActionResult, log: BuildLog) -> list[BlobDigest | None]:
        """The stdout and stderr blobs to read (None: inline, absent or over the limit)."""
        out: list[BlobDigest | None] = []
        for raw, digest in ((result.stdout_raw, result.stdout_digest),
                            (result.stderr_raw, result.stderr_digest)):
            d = BlobDigest.of(digest) if digest.hash and not raw else None
            out.append(None if d is not None and log.limit is not None and
                       d.size > log.limit + (1 << 20) else d)
        return out

    def _log(self, result: re_pb.ActionResult, log: BuildLog,
             echo: Callable[[bytes], object] | None, pre: Mapping[BlobDigest, bytes]) -> None:
        """The remote builder's stdout and stderr into the local log, within its limit
        (and shown through ``echo``); ``pre``: blobs already read."""
        def write(data: bytes) -> None:
            log.write(data)
            if echo is not None:
                trio.from_thread.run_sync(echo, data)

        blobs = self._log_blobs(result, log)
        for raw, digest, d in ((result.stdout_raw, result.stdout_digest, blobs[0]),
                               (result.stderr_raw, result.stderr_digest, blobs[1])):
            if raw:
                write(raw)
            elif d is not None:
                if d in pre:
                    write(pre[d])
                else:
                    self.cas.read_to(d, write)
            elif digest.hash:
                log.note(f"sx: remote log of {digest.size_bytes} bytes not fetched\n")
        if echo is not None:
            trio.from_thread.run_sync(echo, b"")


class _Call:
    """The state of one Execute, shared by the thread that follows the operation and the
    task that may cancel it: the operation's name and the live gRPC call."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.call: Any = None
        self.cancelled = False
        self._lock = threading.Lock()
        self._named = threading.Event()

    def attach(self, call: Any) -> None:
        """``call`` follows the operation now (cancelled at once if the build was)."""
        with self._lock:
            self.call = call
            if self.cancelled:
                call.cancel()

    def named(self, name: str) -> None:
        """The engine named the operation."""
        if self.name is None and name:
            self.name = name
            self._named.set()

    def cancel(self, wait: float) -> str | None:
        """Stop following; the operation's name for CancelOperation, or None.

        A call the engine has not named its operation in yet is given up to ``wait``
        seconds to do so: cancelled unnamed, the operation would run on unseen.
        """
        with self._lock:
            live = self.call is not None and self.call.is_active()
        if self.name is None and live:
            self._named.wait(wait)
        with self._lock:
            self.cancelled = True
            if self.call is not None:
                self.call.cancel()
        return self.name
