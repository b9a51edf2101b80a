"""An in-memory CAS standing in for a hostile engine in the unit tests."""

from __future__ import annotations

import os
from collections.abc import Iterable

from sx.derivations.build.remote.channel import RemoteUrl
from sx.derivations.build.remote.digests import SHA256, BlobDigest, digest_bytes, verify
from sx.derivations.build.remote.errors import RemoteError


class FakeCas:
    """Holds blobs by digest; ``lie`` maps a digest to the wrong bytes it will answer."""

    def __init__(self) -> None:
        self.url = RemoteUrl.parse("grpc://127.0.0.1:1")
        self.fn = SHA256
        self.batch = 1 << 20
        self.blobs: dict[BlobDigest, bytes] = {}
        self.lie: dict[BlobDigest, bytes] = {}
        self.reads: list[int] = []
        """Blobs asked for, per read request."""

    def put(self, data: bytes) -> BlobDigest:
        d = digest_bytes(self.fn, data)
        self.blobs[d] = data
        return d

    def read_blobs(self, digests: Iterable[BlobDigest]) -> dict[BlobDigest, bytes]:
        out = {}
        digests = list(digests)
        self.reads.append(len(set(digests)))
        for d in digests:
            if d not in self.blobs:
                raise RemoteError(f"remote {self.url}: read blob {d}: missing")
            out[d] = verify(self.fn, d, self.lie.get(d, self.blobs[d]), f"read blob {d}")
        return out

    def read_blob(self, d: BlobDigest) -> bytes:
        return self.read_blobs([d])[d]

    def stream_blob(self, d: BlobDigest) -> Iterable[bytes]:
        yield self.read_blob(d)

    def read_to_file(self, d: BlobDigest, fd: int) -> None:
        os.write(fd, self.read_blob(d))
