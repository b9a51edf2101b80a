"""The engine's content-addressable storage: which blobs it lacks, upload, download.

:class:`Cas` is synchronous (callers run it in worker threads) and safe to
use from several threads at once. Small blobs travel in batches of at most
the engine's ``max_batch_total_size_bytes``; bigger ones through ByteStream.
Every blob read is checked against its digest before it is returned or
written; a blob the engine lacks or answers wrongly is :class:`RemoteError`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import grpc
from sx.derivations.build.remote.channel import (
    RemoteUrl,
    client_stream_method,
    failure,
    method,
    open_channel,
    stream_method,
)
from sx.derivations.build.remote.digests import (
    BLAKE3,
    BlobDigest,
    DigestFunction,
    choose,
    digest_bytes,
    verify,
)
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.proto import bytestream_pb2 as bs_pb
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.store.fdio import write_all

# Below this many bytes a blob goes in a batch; engines accept at least 4 MiB.
DEFAULT_BATCH = 4 << 20
# Room for the request's own framing inside the engine's batch limit.
_BATCH_SLACK = 64 << 10
_STREAM_CHUNK = 1 << 20
_FIND_CHUNK = 10_000
CONNECT_TIMEOUT = 10.0
SEND_UNASKED = 1 << 20
"""Up to this many bytes, blobs the engine may lack are sent without asking
``FindMissingBlobs`` first: resending a few KiB costs less than a round trip."""
CALL_TIMEOUT = 300.0


@dataclass(frozen=True)
class Blob:
    """Something to upload: its digest and where its bytes are (in memory or a file)."""

    digest: BlobDigest
    data: bytes | None = None
    path: str | None = None

    def read(self) -> bytes:
        """All the bytes (files are read whole: only small ones go in batches)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open(self.path, "rb") as f:
            return f.read()


def blob_of(fn: DigestFunction, data: bytes) -> Blob:
    """An in-memory blob."""
    return Blob(digest_bytes(fn, data), data=data)


class Cas:
    """The CAS (and capabilities) of one engine at ``url``."""

    def __init__(self, url: RemoteUrl, channel: grpc.Channel | None = None) -> None:
        self.url = url
        self.channel = channel or open_channel(url)
        ch, f = self.channel, re_pb.DESCRIPTOR
        self._caps = method(ch, f, "Capabilities", "GetCapabilities", re_pb.ServerCapabilities)
        self._find = method(ch, f, "ContentAddressableStorage", "FindMissingBlobs",
                            re_pb.FindMissingBlobsResponse)
        self._update = method(ch, f, "ContentAddressableStorage", "BatchUpdateBlobs",
                              re_pb.BatchUpdateBlobsResponse)
        self._read = method(ch, f, "ContentAddressableStorage", "BatchReadBlobs",
                            re_pb.BatchReadBlobsResponse)
        self._bs_read = stream_method(ch, bs_pb.DESCRIPTOR, "ByteStream", "Read",
                                      bs_pb.ReadResponse)
        self._bs_write = client_stream_method(ch, bs_pb.DESCRIPTOR, "ByteStream", "Write",
                                              bs_pb.WriteResponse)
        self.fn: DigestFunction = BLAKE3
        self.batch = DEFAULT_BATCH
        self.caps = re_pb.ServerCapabilities()

    # ---- capabilities -----------------------------------------------------------

    def connect(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Ask the engine what it speaks; choose the digest function and batch size.

        :class:`RemoteUnavailable` when it cannot be reached within ``timeout``.
        """
        try:
            caps = self._caps(re_pb.GetCapabilitiesRequest(instance_name=self.url.instance),
                              timeout=timeout)
        except grpc.RpcError as e:
            raise failure(self.url, "get capabilities", e) from None
        self.caps = caps
        self.fn = choose(caps.cache_capabilities.digest_functions)
        limit = caps.cache_capabilities.max_batch_total_size_bytes
        if limit > 0:
            self.batch = max(_BATCH_SLACK * 2, min(limit, DEFAULT_BATCH * 4) - _BATCH_SLACK)
        else:
            self.batch = DEFAULT_BATCH - _BATCH_SLACK

    @property
    def can_execute(self) -> bool:
        """Whether the engine says it executes actions (not just a cache)."""
        return bool(self.caps.execution_capabilities.exec_enabled)

    # ---- what is missing, uploads ---------------------------------------------------

    def find_missing(self, digests: Iterable[BlobDigest]) -> set[BlobDigest]:
        """The digests among ``digests`` that the engine does not have."""
        todo = sorted(set(digests))
        missing: set[BlobDigest] = set()
        for i in range(0, len(todo), _FIND_CHUNK):
            req = re_pb.FindMissingBlobsRequest(
                instance_name=self.url.instance, digest_function=self.fn.value,
                blob_digests=[d.to_proto() for d in todo[i:i + _FIND_CHUNK]])
            try:
                resp = self._find(req, timeout=CALL_TIMEOUT)
            except grpc.RpcError as e:
                raise failure(self.url, "find missing blobs", e) from None
            asked = set(todo[i:i + _FIND_CHUNK])
            for m in resp.missing_blob_digests:
                d = BlobDigest.of(m)
                if d not in asked:
                    raise RemoteError(f"remote {self.url}: find missing blobs: answer names "
                                      f"blob {d} that was not asked about")
                missing.add(d)
        return missing

    def upload(self, blobs: Iterable[Blob]) -> None:
        """Upload ``blobs`` (those the engine lacks: see :meth:`find_missing`)."""
        batch: list[Blob] = []
        size = 0
        for b in sorted(blobs, key=lambda b: b.digest):
            if b.digest.size > self.batch:
                self._write(b)
                continue
            if size + b.digest.size > self.batch:
                self._update_batch(batch)
                batch, size = [], 0
            batch.append(b)
            size += b.digest.size
        if batch:
            self._update_batch(batch)

    def upload_missing(self, blobs: Iterable[Blob]) -> int:
        """Upload those of ``blobs`` that the engine lacks (all of them, unasked, when
        they are up to :data:`SEND_UNASKED` bytes); returns how many were sent."""
        by_digest = {b.digest: b for b in blobs}
        if sum(d.size for d in by_digest) <= SEND_UNASKED:
            self.upload(by_digest.values())
            return len(by_digest)
        missing = self.find_missing(by_digest)
        self.upload(by_digest[d] for d in missing)
        return len(missing)

    def _update_batch(self, batch: list[Blob]) -> None:
        req = re_pb.BatchUpdateBlobsRequest(
            instance_name=self.url.instance, digest_function=self.fn.value,
            requests=[re_pb.BatchUpdateBlobsRequest.Request(digest=b.digest.to_proto(),
                                                            data=b.read()) for b in batch])
        try:
            resp = self._update(req, timeout=CALL_TIMEOUT)
        except grpc.RpcError as e:
            raise failure(self.url, "upload blobs", e) from None
        for r in resp.responses:
            if r.status.code != 0:
                raise RemoteError(f"remote {self.url}: upload blob {BlobDigest.of(r.digest)}: "
                                  f"status {r.status.code}: {r.status.message}")

    def _resource(self, d: BlobDigest, upload: bool) -> str:
        parts = [self.url.instance] if self.url.instance else []
        if upload:
            parts += ["uploads", str(uuid.uuid4())]
        parts.append("blobs")
        if self.fn is BLAKE3:
            parts.append("blake3")  # 64 hex digits alone would read as SHA-256
        parts += [d.hash, str(d.size)]
        return "/".join(parts)

    def _write(self, b: Blob) -> None:
        name = self._resource(b.digest, upload=True)

        def chunks() -> Iterator[bs_pb.WriteRequest]:
            offset = 0
            f = open(b.path, "rb") if b.path is not None else None  # noqa: SIM115
            try:
                while True:
                    if f is not None:
                        data = f.read(_STREAM_CHUNK)
                    else:
                        assert b.data is not None
                        data = b.data[offset:offset + _STREAM_CHUNK]
                    last = offset + len(data) >= b.digest.size
                    yield bs_pb.WriteRequest(resource_name=name if offset == 0 else "",
                                             write_offset=offset, data=data, finish_write=last)
                    offset += len(data)
                    if last or not data:
                        return
            finally:
                if f is not None:
                    f.close()

        try:
            resp = self._bs_write(chunks(), timeout=CALL_TIMEOUT)
        except grpc.RpcError as e:
            raise failure(self.url, f"upload blob {b.digest}", e) from None
        if resp.committed_size not in (b.digest.size, -1):
            raise RemoteError(f"remote {self.url}: upload blob {b.digest}: engine committed "
                              f"{resp.committed_size} bytes")

    # ---- downloads --------------------------------------------------------------

    def read_blobs(self, digests: Iterable[BlobDigest]) -> dict[BlobDigest, bytes]:
        """The verified bytes of each of ``digests`` (small ones batched, big ones streamed)."""
        out: dict[BlobDigest, bytes] = {}
        batch: list[BlobDigest] = []
        size = 0
        for d in sorted(set(digests)):
            if d.size > self.batch:
                out[d] = b"".join(self.stream_blob(d))
                continue
            if size + d.size > self.batch:
                out.update(self._read_batch(batch))
                batch, size = [], 0
            batch.append(d)
            size += d.size
        if batch:
            out.update(self._read_batch(batch))
        return out

    def read_blob(self, d: BlobDigest) -> bytes:
        """The verified bytes of one blob."""
        return self.read_blobs([d])[d]

    def _read_batch(self, batch: list[BlobDigest]) -> dict[BlobDigest, bytes]:
        req = re_pb.BatchReadBlobsRequest(instance_name=self.url.instance,
                                          digest_function=self.fn.value,
                                          digests=[d.to_proto() for d in batch])
        try:
            resp = self._read(req, timeout=CALL_TIMEOUT)
        except grpc.RpcError as e:
            raise failure(self.url, "read blobs", e) from None
        got: dict[BlobDigest, bytes] = {}
        wanted = set(batch)
        for r in resp.responses:
            d = BlobDigest.of(r.digest)
            if d not in wanted:
                raise RemoteError(f"remote {self.url}: read blobs: answer has blob {d} "
                                  "that was not asked for")
            if r.status.code != 0:
                raise RemoteError(f"remote {self.url}: read blob {d}: status {r.status.code}: "
                                  f"{r.status.message or 'missing'}")
            got[d] = verify(self.fn, d, r.data, f"read blob {d}")
        lost = wanted - set(got)
        if lost:
            raise RemoteError(f"remote {self.url}: read blob {min(lost)}: not in the answer")
        return got

    def stream_blob(self, d: BlobDigest) -> Iterator[bytes]:
        """The bytes of one blob in chunks; the last chunk is yielded only after the
        whole blob verified (so a consumer never sees all of a wrong blob)."""
        h = self.fn.hasher()
        size = 0
        pending = b""
        try:
            for resp in self._bs_read(bs_pb.ReadRequest(
                    resource_name=self._resource(d, upload=False)), timeout=CALL_TIMEOUT):
                size += len(resp.data)
                if size > d.size:
                    raise RemoteError(f"remote {self.url}: read blob {d}: more than "
                                      f"{d.size} bytes")
                h.update(resp.data)
                if pending:
                    yield pending
                pending = resp.data
        except grpc.RpcError as e:
            raise failure(self.url, f"read blob {d}", e) from None
        if size != d.size or h.digest().hex != d.hash:
            raise RemoteError(f"remote {self.url}: read blob {d}: the engine sent "
                              f"{h.digest().hex}/{size}")
        if pending:
            yield pending

    def read_to_file(self, d: BlobDigest, fd: int) -> None:
        """Write the verified bytes of one blob to ``fd``."""

        def write(chunk: bytes) -> None:
            write_all(fd, chunk)

        self.read_to(d, write)

    def read_to(self, d: BlobDigest, write: Callable[[bytes], object]) -> None:
        """Hand the verified bytes of one blob to ``write``, in chunks."""
        chunks = self.stream_blob(d) if d.size > self.batch else iter([self.read_blob(d)])
        for chunk in chunks:
            write(chunk)

    def close(self) -> None:
        """Close the channel."""
        self.channel.close()
