"""Writing an OCI image layout: content-addressed blobs, ``index.json``, ``oci-layout``.

A blob is written to a temp file inside ``blobs/sha256/`` while its sha256
is computed, then renamed to its digest: a blob file under its final name is
always complete, and writing the same content twice is harmless. The whole
layout is itself built in a temp directory by the caller (see image.py) and
renamed into place, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

LAYOUT_VERSION = {"imageLayoutVersion": "1.0.0"}
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"
_FILE_MODE = 0o644
_DIR_MODE = 0o755


def canonical_json(value: Any) -> bytes:
    """The one byte form sx writes JSON in: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Descriptor:
    """An OCI content descriptor: what a blob is, its sha256 digest and size."""

    media_type: str
    digest: str
    size: int
    annotations: dict[str, str] = field(default_factory=dict)
    platform: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The descriptor object as it appears in a manifest or index."""
        out: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest,
                               "size": self.size}
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.platform:
            out["platform"] = dict(self.platform)
        return out


class BlobSink:
    """A blob being written: bytes go to a temp file and into sha256 at once."""

    def __init__(self, blob_dir: str) -> None:
        self.blob_dir = blob_dir
        self.tmp = os.path.join(blob_dir, f".tmp-{secrets.token_hex(8)}")
        self.fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        """Append bytes (a file-like ``write``, so compressors can write here)."""
        self.sha.update(data)
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered here; present for file-like callers."""

    def finish(self, media_type: str, annotations: dict[str, str] | None = None) -> Descriptor:
        """Close the blob, move it to ``blobs/sha256/<hex>`` and describe it."""
        os.fchmod(self.fd, _FILE_MODE)  # the umask must not show in the layout
        os.close(self.fd)
        self.fd = -1
        hexdigest = self.sha.hexdigest()
        os.replace(self.tmp, os.path.join(self.blob_dir, hexdigest))
        return Descriptor(media_type, f"sha256:{hexdigest}", self.size, annotations or {})

    def abort(self) -> None:
        """Drop a blob that will not be finished."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass


class LayoutWriter:
    """Builds an image layout in an empty directory ``root``."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.blob_dir = os.path.join(root, "blobs", "sha256")
        for d in (root, os.path.join(root, "blobs"), self.blob_dir):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, _DIR_MODE)
        _write_file(os.path.join(root, "oci-layout"), canonical_json(LAYOUT_VERSION))

    def blob(self) -> BlobSink:
        """Start a new blob; call :meth:`BlobSink.finish` (or ``abort``) on it."""
        return BlobSink(self.blob_dir)

    def add_json(self, value: Any, media_type: str,
                 annotations: dict[str, str] | None = None) -> Descriptor:
        """Write a JSON document (config, manifest) as a blob."""
        sink = self.blob()
        sink.write(canonical_json(value))
        return sink.finish(media_type, annotations)

    def write_index(self, manifests: list[Descriptor]) -> None:
        """Write ``index.json`` listing ``manifests``."""
        index = {"schemaVersion": 2, "mediaType": INDEX,
                 "manifests": [m.to_json() for m in manifests]}
        _write_file(os.path.join(self.root, "index.json"), canonical_json(index))


def _write_file(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _FILE_MODE)
    try:
        os.fchmod(fd, _FILE_MODE)
        os.write(fd, data)
    finally:
        os.close(fd)
