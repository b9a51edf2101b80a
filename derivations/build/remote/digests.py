"""REAPI digests: a blob's hash (in the function the engine speaks) and size.

The engine names every blob by ``(hash, size)``. sx keeps BLAKE3 inside its
own store; towards the engine it uses the protocol's BLAKE3 digest function
where the engine offers it and SHA-256 otherwise (:func:`choose`). Every blob
that comes back from an engine is checked against the digest it was asked
by (:func:`verify`) before anything uses it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.store.hashing import Hasher

_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class DigestFunction:
    """A hash function of the protocol: its enum value and sx's name for it."""

    name: str
    value: re_pb.DigestFunction.Value
    algo: str
    """The :class:`~sx.store.hashing.Hasher` algorithm."""

    def hasher(self) -> Hasher:
        """A fresh streaming hasher."""
        return Hasher(self.algo)


SHA256 = DigestFunction("sha256", re_pb.DigestFunction.SHA256, "sha256")
BLAKE3 = DigestFunction("blake3", re_pb.DigestFunction.BLAKE3, "b3")
FUNCTIONS = (BLAKE3, SHA256)
"""The functions sx speaks, preferred first."""


def choose(offered: Iterable[re_pb.DigestFunction.Value]) -> DigestFunction:
    """The function to use with an engine that offers ``offered`` (enum values).

    An engine that names none speaks SHA-256 (the protocol's default).
    """
    values = set(offered) or {SHA256.value}
    for fn in FUNCTIONS:
        if fn.value in values:
            return fn
    raise RemoteError("remote: the engine offers no digest function sx speaks "
                      f"(offered: {sorted(values)}; sx speaks SHA256 and BLAKE3)")


@dataclass(frozen=True, order=True)
class BlobDigest:
    """One blob's identity: lowercase hex hash and size in bytes."""

    hash: str
    size: int

    def __post_init__(self) -> None:
        if not _HEX64.fullmatch(self.hash) or self.size < 0:
            raise RemoteError(f"remote: malformed digest {self.hash[:80]!r}/{self.size}")

    def __str__(self) -> str:
        return f"{self.hash}/{self.size}"

    def to_proto(self) -> re_pb.Digest:
        """The protocol message."""
        return re_pb.Digest(hash=self.hash, size_bytes=self.size)

    @classmethod
    def of(cls, msg: re_pb.Digest) -> BlobDigest:
        """Parse (and validate) a protocol message."""
        return cls(msg.hash, msg.size_bytes)


def digest_bytes(fn: DigestFunction, data: bytes) -> BlobDigest:
    """The digest of ``data``."""
    h = fn.hasher()
    h.update(data)
    return BlobDigest(h.digest().hex, len(data))


def digest_file(fn: DigestFunction, path: str) -> BlobDigest:
    """The digest of the regular file at ``path`` (streamed)."""
    size = os.lstat(path).st_size
    h = fn.hasher()
    h.update_file(path, size)
    return BlobDigest(h.digest().hex, size)


def verify(fn: DigestFunction, want: BlobDigest, data: bytes, what: str) -> bytes:
    """``data`` if it is the blob ``want``; :class:`RemoteError` otherwise."""
    got = digest_bytes(fn, data)
    if got != want:
        raise RemoteError(f"remote: {what}: the engine sent {got} for blob {want}")
    return data
