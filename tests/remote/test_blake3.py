"""The digest function BLAKE3, against an engine on 127.0.0.1 that offers it.

BuildGrid speaks SHA-256 only, so a small in-process gRPC engine plays one
that announces BLAKE3 (or only SHA-256) in its capabilities. It keeps its
CAS keyed by the digests it computes itself with the ``blake3`` package (or
``hashlib``), never with sx's code, and refuses any blob whose bytes do not
match the digest the client named. Its ``Execute`` checks the action the
client built (the Command and every directory of the input root, down to
each file) against those independent digests, then answers with an output
that the client must fetch through ByteStream (bigger than the batch limit
it announces). Every request's ``digest_function`` and every ByteStream
resource name is recorded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any, cast

import blake3
import grpc
import pytest
from fake_cas import FakeCas
from google.protobuf import any_pb2
from google.protobuf.message import Message
from sx.derivations.build.progress import Progress
from sx.derivations.build.remote.cas import Cas
from sx.derivations.build.remote.digests import BLAKE3, BlobDigest
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.materialize import InputCache
from sx.derivations.build.remote.proto import bytestream_pb2 as bs_pb
from sx.derivations.build.remote.proto import longrunning_pb2 as lr_pb
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.derivations.build.remote.proto import status_pb2
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.examples import busybox_tree
from sx.derivations.model import Derivation, Source, derivation
from sx.store.fsutil import remove_tree
from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import make_path

BUSYBOX = shutil.which("busybox") or "/bin/busybox"
FN = re_pb.DigestFunction
RE = "build.bazel.remote.execution.v2"
# Small enough that busybox goes up, and the output comes down, through ByteStream.
BATCH_LIMIT = 256 << 10
OUTPUT_SIZE = 300 << 10
NOT_FOUND, INVALID_ARGUMENT = 5, 3


def independent_digest(fn: int, data: bytes) -> str:
    """The hex digest of ``data``, computed without sx."""
    if fn == FN.BLAKE3:
        return str(blake3.blake3(data).hexdigest())
    return hashlib.sha256(data).hexdigest()


class Engine:
    """A REAPI engine speaking ``functions`` (preferred by sx: BLAKE3); see the module doc."""

    def __init__(self, functions: list[re_pb.DigestFunction.Value],
                 lie_about_output: bool = False) -> None:
        self.functions = functions
        self.fn = FN.BLAKE3 if FN.BLAKE3 in functions else FN.SHA256
        self.lie = lie_about_output
        self.blobs: dict[tuple[str, int], bytes] = {}
        self.requested_functions: list[tuple[str, int]] = []
        self.resource_names: list[str] = []
        self.refused: list[str] = []
        self.executed: list[re_pb.Action] = []
        self.checked_files = 0
        self._lock = threading.Lock()

    # ---- the CAS, keyed by its own digests ------------------------------------------

    def _put(self, d: re_pb.Digest, data: bytes) -> bool:
        if independent_digest(self.fn, data) != d.hash or len(data) != d.size_bytes:
            with self._lock:
                self.refused.append(d.hash)
            return False
        with self._lock:
            self.blobs[(d.hash, d.size_bytes)] = data
        return True

    def _get(self, d: re_pb.Digest) -> bytes | None:
        return self.blobs.get((d.hash, d.size_bytes))

    def _seen(self, rpc: str, fn: int) -> None:
        with self._lock:
            self.requested_functions.append((rpc, fn))

    def capabilities(self, req: re_pb.GetCapabilitiesRequest, ctx: object
                     ) -> re_pb.ServerCapabilities:
        return re_pb.ServerCapabilities(
            cache_capabilities=re_pb.CacheCapabilities(
                digest_functions=self.functions, max_batch_total_size_bytes=BATCH_LIMIT),
            execution_capabilities=re_pb.ExecutionCapabilities(
                digest_function=self.fn, exec_enabled=True, digest_functions=self.functions))

    def find_missing(self, req: re_pb.FindMissingBlobsRequest, ctx: object
                     ) -> re_pb.FindMissingBlobsResponse:
        self._seen("FindMissingBlobs", req.digest_function)
        return re_pb.FindMissingBlobsResponse(
            missing_blob_digests=[d for d in req.blob_digests if self._get(d) is None])

    def batch_update(self, req: re_pb.BatchUpdateBlobsRequest, ctx: object
                     ) -> re_pb.BatchUpdateBlobsResponse:
        self._seen("BatchUpdateBlobs", req.digest_function)
        out = re_pb.BatchUpdateBlobsResponse()
        for r in req.requests:
            ok = self._put(r.digest, r.data)
            out.responses.add(digest=r.digest, status=status_pb2.Status(
                code=0 if ok else INVALID_ARGUMENT, message="" if ok else "digest mismatch"))
        return out

    def batch_read(self, req: re_pb.BatchReadBlobsRequest, ctx: object
                   ) -> re_pb.BatchReadBlobsResponse:
        self._seen("BatchReadBlobs", req.digest_function)
        out = re_pb.BatchReadBlobsResponse()
        for d in req.digests:
            data = self._get(d)
            out.responses.add(digest=d, data=data or b"",
                              status=status_pb2.Status(code=0 if data is not None else NOT_FOUND))
        return out

    def _parse_resource(self, name: str, upload: bool) -> re_pb.Digest:
        """``[uploads/UUID/]blobs/[blake3/]HASH/SIZE``: the digest, or an error."""
        with self._lock:
            self.resource_names.append(name)
        parts = name.split("/")
        if upload:
            assert parts[0] == "uploads" and uuid.UUID(parts[1])
            parts = parts[2:]
        assert parts[0] == "blobs", name
        # The protocol names every function but SHA-256 in the resource name.
        want = ["blake3"] if self.fn == FN.BLAKE3 else []
        assert parts[1:-2] == want, name
        return re_pb.Digest(hash=parts[-2], size_bytes=int(parts[-1]))

    def bs_write(self, reqs: Iterator[bs_pb.WriteRequest], ctx: grpc.ServicerContext
                 ) -> bs_pb.WriteResponse:
        chunks: list[bytes] = []
        digest = None
        for r in reqs:
            if digest is None:
                digest = self._parse_resource(r.resource_name, upload=True)
            chunks.append(r.data)
        assert digest is not None
        if not self._put(digest, b"".join(chunks)):
            ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "digest mismatch")
        return bs_pb.WriteResponse(committed_size=digest.size_bytes)

    def bs_read(self, req: bs_pb.ReadRequest, ctx: grpc.ServicerContext
                ) -> Iterator[bs_pb.ReadResponse]:
        data = self._get(self._parse_resource(req.resource_name, upload=False))
        if data is None:
            ctx.abort(grpc.StatusCode.NOT_FOUND, "no such blob")
        for i in range(0, len(data), 64 << 10):
            yield bs_pb.ReadResponse(data=data[i:i + (64 << 10)])

    # ---- the action cache and execution ---------------------------------------------

    def get_result(self, req: re_pb.GetActionResultRequest, ctx: grpc.ServicerContext
                   ) -> re_pb.ActionResult:
        self._seen("GetActionResult", req.digest_function)
        ctx.abort(grpc.StatusCode.NOT_FOUND, "not cached")

    def _check_tree(self, d: re_pb.Digest) -> None:
        """Every directory and file under ``d`` is held, under its independent digest."""
        data = self._get(d)
        assert data is not None, f"input directory {d.hash} was never uploaded"
        node = re_pb.Directory.FromString(data)
        for f in node.files:
            assert self._get(f.digest) is not None, f"input file {f.name} was never uploaded"
            self.checked_files += 1
        for sub in node.directories:
            self._check_tree(sub.digest)

    def execute(self, req: re_pb.ExecuteRequest, ctx: object) -> Iterator[lr_pb.Operation]:
        self._seen("Execute", req.digest_function)
        action = re_pb.Action.FromString(self._get(req.action_digest) or b"")
        cmd_bytes = self._get(action.command_digest)
        assert cmd_bytes is not None, "the Command was never uploaded"
        command = re_pb.Command.FromString(cmd_bytes)
        self._check_tree(action.input_root_digest)
        with self._lock:
            self.executed.append(action)
        data = (command.output_paths[0].encode() * OUTPUT_SIZE)[:OUTPUT_SIZE]
        out = re_pb.Digest(hash=independent_digest(self.fn, data), size_bytes=len(data))
        self.blobs[(out.hash, out.size_bytes)] = b"x" + data[1:] if self.lie else data
        result = re_pb.ActionResult(exit_code=0)
        result.output_files.add(path=command.output_paths[0], digest=out)
        resp = any_pb2.Any()
        resp.Pack(re_pb.ExecuteResponse(result=result))
        yield lr_pb.Operation(name=f"operations/{uuid.uuid4()}", done=True, response=resp)

    def serve(self) -> tuple[grpc.Server, int]:
        def unary(fn: Callable[..., Any], req: type[Message]
                  ) -> grpc.RpcMethodHandler[Any, Any]:
            return grpc.unary_unary_rpc_method_handler(
                fn, request_deserializer=req.FromString,
                response_serializer=lambda m: m.SerializeToString())

        server = grpc.server(futures.ThreadPoolExecutor(8))
        server.add_generic_rpc_handlers([
            grpc.method_handlers_generic_handler(f"{RE}.Capabilities", {
                "GetCapabilities": unary(self.capabilities, re_pb.GetCapabilitiesRequest)}),
            grpc.method_handlers_generic_handler(f"{RE}.ContentAddressableStorage", {
                "FindMissingBlobs": unary(self.find_missing, re_pb.FindMissingBlobsRequest),
                "BatchUpdateBlobs": unary(self.batch_update, re_pb.BatchUpdateBlobsRequest),
                "BatchReadBlobs": unary(self.batch_read, re_pb.BatchReadBlobsRequest)}),
            grpc.method_handlers_generic_handler(f"{RE}.ActionCache", {
                "GetActionResult": unary(self.get_result, re_pb.GetActionResultRequest)}),
            grpc.method_handlers_generic_handler(f"{RE}.Execution", {
                "Execute": grpc.unary_stream_rpc_method_handler(
                    self.execute, request_deserializer=re_pb.ExecuteRequest.FromString,
                    response_serializer=lr_pb.Operation.SerializeToString)}),
            grpc.method_handlers_generic_handler("google.bytestream.ByteStream", {
                "Read": grpc.unary_stream_rpc_method_handler(
                    self.bs_read, request_deserializer=bs_pb.ReadRequest.FromString,
                    response_serializer=bs_pb.ReadResponse.SerializeToString),
                "Write": grpc.stream_unary_rpc_method_handler(
                    self.bs_write, request_deserializer=bs_pb.WriteRequest.FromString,
                    response_serializer=bs_pb.WriteResponse.SerializeToString)}),
        ])
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        return server, port


@pytest.fixture(scope="module")
def bb(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A static busybox as a source tree (its binary is bigger than the batch limit)."""
    return busybox_tree(str(tmp_path_factory.mktemp("busybox")), BUSYBOX)


@pytest.fixture
def root() -> Iterator[str]:
    base = tempfile.mkdtemp(prefix="sx-blake3-")
    yield os.path.join(base, "root")
    remove_tree(base)


def two_step(bb: Source, tag: str) -> Derivation:
    first = derivation(f"first-{tag}", f"{bb}/bin/sh", ["-c", "echo > $out"], srcs=[bb])
    return derivation(f"second-{tag}", f"{bb}/bin/sh", ["-c", "cat $in > $out"], srcs=[bb],
                      inputs=[first], env={"in": first.out})


def realize_on(engine: Engine, root: str, drv: Derivation) -> LocalStore:
    server, port = engine.serve()
    store = LocalStore(root)
    try:
        realize(store, [drv], BuildOptions(progress=Progress(quiet=True, live=False),
                                           remote=f"grpc://127.0.0.1:{port}"))
    finally:
        store.temp_roots.close()
        server.stop(None)
    return store


@pytest.mark.parametrize("offered", [[FN.SHA256, FN.BLAKE3], [FN.BLAKE3], [FN.SHA256], []],
                         ids=["both", "blake3", "sha256", "unnamed"])
def test_the_client_speaks_what_the_engine_offers(
        bb: Source, root: str, offered: list[re_pb.DigestFunction.Value]) -> None:
    engine = Engine(offered)
    drv = two_step(bb, "speak-" + "-".join(map(str, offered)))
    store = realize_on(engine, root, drv)
    want = FN.BLAKE3 if FN.BLAKE3 in offered else FN.SHA256
    assert engine.fn == want
    # Every request named the function, and no blob was refused by its independent digest.
    rpcs = {rpc for rpc, _ in engine.requested_functions}
    assert {"GetActionResult", "Execute", "BatchUpdateBlobs"} <= rpcs
    assert {fn for _, fn in engine.requested_functions} == {want}
    assert engine.refused == []
    # Both actions ran; their Command, input root and every input file checked out.
    assert len(engine.executed) == 2
    assert engine.checked_files >= 2
    # busybox went up, and the 300 KiB outputs came down, through ByteStream.
    assert any(n.startswith("uploads/") for n in engine.resource_names)
    assert any(n.startswith("blobs/") for n in engine.resource_names)
    busybox = Path(BUSYBOX).read_bytes()
    named = f"/{independent_digest(want, busybox)}/{len(busybox)}"
    assert any(n.endswith(named) for n in engine.resource_names if n.startswith("uploads/"))
    # The output registered in the store is the bytes the engine made.
    out = store.real_path(store.derivation_outputs(drv.drv_path)["out"])
    assert Path(out).stat().st_size == OUTPUT_SIZE
    assert store.verify(check_contents=True) == []


def test_action_digest_is_the_blake3_of_the_action(bb: Source, root: str) -> None:
    engine = Engine([FN.SHA256, FN.BLAKE3])
    realize_on(engine, root, two_step(bb, "action"))
    for action in engine.executed:
        data = action.SerializeToString(deterministic=True)
        assert (independent_digest(FN.BLAKE3, data), len(data)) in engine.blobs
        assert action.command_digest.hash == blake3.blake3(
            engine.blobs[(action.command_digest.hash, action.command_digest.size_bytes)]
        ).hexdigest()


def test_an_output_whose_bytes_do_not_match_its_blake3_is_refused(bb: Source,
                                                                   root: str) -> None:
    engine = Engine([FN.BLAKE3], lie_about_output=True)
    drv = two_step(bb, "lie")
    with pytest.raises(RemoteError, match="the engine sent"):
        realize_on(engine, root, drv)
    store = LocalStore(root)
    try:
        assert store.derivation_outputs(drv.drv_path) == {}
        assert os.listdir(store.tmp) == []
    finally:
        store.temp_roots.close()


# ---- the worker's side: its input cache under BLAKE3 ------------------------------

def test_the_worker_checks_its_inputs_by_blake3(tmp_path: Path) -> None:
    """An input root whose digests were made with the blake3 package materializes; a
    blob named by its SHA-256 (an engine that mixed functions) is refused."""
    fake = FakeCas()
    fake.fn = BLAKE3

    def put(data: bytes, fn: Callable[[bytes], str] = independent_blake3) -> BlobDigest:
        d = BlobDigest(fn(data), len(data))
        fake.blobs[d] = data
        return d

    def root_of(entry: re_pb.FileNode) -> BlobDigest:
        store = put(re_pb.Directory(files=[entry]).SerializeToString())
        sx = put(re_pb.Directory(directories=[re_pb.DirectoryNode(
            name="store", digest=store.to_proto())]).SerializeToString())
        return put(re_pb.Directory(directories=[re_pb.DirectoryNode(
            name="sx", digest=sx.to_proto())]).SerializeToString())

    base = make_path("output", Digest.b3(b"in"), "in").base
    good = root_of(re_pb.FileNode(name=base, digest=put(b"input bytes").to_proto()))
    cache = InputCache(str(tmp_path / "cache"), cast(Cas, fake))
    ((host, got_base),) = cache.materialize(good).paths
    assert got_base == base and Path(host).read_bytes() == b"input bytes"
    sha = put(b"other bytes", lambda b: hashlib.sha256(b).hexdigest())
    with pytest.raises(RemoteError, match="the engine sent"):
        InputCache(str(tmp_path / "cache2"), cast(Cas, fake)).materialize(
            root_of(re_pb.FileNode(name=base, digest=sha.to_proto())))


def independent_blake3(data: bytes) -> str:
    return str(blake3.blake3(data).hexdigest())
