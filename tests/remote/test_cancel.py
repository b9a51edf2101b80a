"""Cancelling a remote build before the engine has named its operation.

An in-process gRPC server on 127.0.0.1 plays an engine that is slow to answer
``Execute`` (as BuildGrid is under load: the first message of the stream
carries the operation's name). A build cancelled in that window must still
send ``CancelOperation`` for it, or the operation runs on with nobody
waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent import futures
from types import SimpleNamespace
from typing import cast

import grpc
import trio
from google.protobuf import empty_pb2
from sx.derivations.build.remote.channel import RemoteUrl
from sx.derivations.build.remote.digests import SHA256, digest_bytes
from sx.derivations.build.remote.executor import RemoteBuild, RemoteExecutor
from sx.derivations.build.remote.proto import longrunning_pb2 as lr_pb
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb

EXECUTE = "/build.bazel.remote.execution.v2.Execution/Execute"
CANCEL = "/google.longrunning.Operations/CancelOperation"


class SlowEngine:
    """Names the operation ``delay`` seconds into Execute, then keeps the stream open."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.cancelled: list[str] = []
        self.executes = 0
        self.done = threading.Event()

    def execute(self, req: re_pb.ExecuteRequest, ctx: grpc.ServicerContext
                ) -> Iterator[lr_pb.Operation]:
        self.executes += 1
        time.sleep(self.delay)
        yield lr_pb.Operation(name="operations/slow-1")
        self.done.wait(10)  # the operation runs until it is cancelled

    def cancel(self, req: lr_pb.CancelOperationRequest, ctx: grpc.ServicerContext
               ) -> empty_pb2.Empty:
        self.cancelled.append(req.name)
        self.done.set()
        return empty_pb2.Empty()

    def serve(self) -> tuple[grpc.Server, int]:
        server = grpc.server(futures.ThreadPoolExecutor(4))
        handlers = {
            "Execute": grpc.unary_stream_rpc_method_handler(
                self.execute, request_deserializer=re_pb.ExecuteRequest.FromString,
                response_serializer=lr_pb.Operation.SerializeToString)}
        server.add_generic_rpc_handlers([
            grpc.method_handlers_generic_handler("build.bazel.remote.execution.v2.Execution",
                                                 handlers),
            grpc.method_handlers_generic_handler("google.longrunning.Operations", {
                "CancelOperation": grpc.unary_unary_rpc_method_handler(
                    self.cancel, request_deserializer=lr_pb.CancelOperationRequest.FromString,
                    response_serializer=empty_pb2.Empty.SerializeToString)})])
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        return server, port


def cancelled_after(engine: SlowEngine, after: float) -> None:
    """Run one remote build against ``engine`` and cancel it ``after`` seconds in."""
    server, port = engine.serve()
    ex = RemoteExecutor(RemoteUrl.parse(f"grpc://127.0.0.1:{port}"))
    build = cast(RemoteBuild, SimpleNamespace(fresh=False, drv=SimpleNamespace(drv_path="x"),
                                              on_worker=lambda worker: None))
    action = digest_bytes(SHA256, b"an action")

    async def main() -> None:
        with trio.move_on_after(after):
            await ex._run(action, build)

    try:
        trio.run(main)
    finally:
        engine.done.set()
        ex.close()
        server.stop(None)


def test_cancelled_before_the_operation_is_named_still_cancels_it() -> None:
    engine = SlowEngine(delay=0.5)
    t0 = time.monotonic()
    cancelled_after(engine, 0.1)
    assert engine.executes == 1
    assert engine.cancelled == ["operations/slow-1"]
    assert time.monotonic() - t0 < 5, "waits for the name, not for the operation"


def test_cancelled_once_named_cancels_at_once() -> None:
    engine = SlowEngine(delay=0.0)
    t0 = time.monotonic()
    cancelled_after(engine, 0.3)
    assert engine.cancelled == ["operations/slow-1"]
    assert time.monotonic() - t0 < 2


