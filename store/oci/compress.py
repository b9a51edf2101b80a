"""Layer compression, pinned so that the same tar always gives the same blob.

``none`` (the default) writes the tar itself: its sha256 is both the layer
digest and the diff_id. ``gzip`` uses zlib level 6 with a header holding no
file name, mtime 0 and OS byte 255; ``zstd`` uses level 3, one thread, no
checksum and no content size. Compressed bytes still depend on the zlib or
zstd build; the diff_id (the uncompressed tar) never does.
"""

from __future__ import annotations

import gzip
import hashlib
from typing import IO, Protocol, cast

import zstandard
from sx.store.errors import InvalidInput
from sx.store.oci.layout import LAYER

COMPRESSIONS = ("none", "gzip", "zstd")
MEDIA_TYPES = {"none": LAYER, "gzip": LAYER + "+gzip", "zstd": LAYER + "+zstd"}
GZIP_LEVEL = 6
ZSTD_LEVEL = 3


class Sink(Protocol):
    """The blob the compressed bytes end up in."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class LayerStream:
    """Takes the tar bytes of a layer, feeds the blob, and knows the diff_id."""

    def __init__(self, sink: Sink, compression: str) -> None:
        if compression not in COMPRESSIONS:
            raise InvalidInput(f"export-oci: unknown compression {compression!r} "
                               f"(choose from {', '.join(COMPRESSIONS)})")
        self.compression = compression
        self.media_type = MEDIA_TYPES[compression]
        self._sink = sink
        self._diff = hashlib.sha256() if compression != "none" else None
        self._gz: gzip.GzipFile | None = None
        self._zst: zstandard.ZstdCompressionWriter | None = None
        if compression == "gzip":
            # filename='' and mtime=0 keep the host out of the gzip header.
            self._gz = gzip.GzipFile(filename="", mode="wb", compresslevel=GZIP_LEVEL,
                                     fileobj=sink, mtime=0)
        elif compression == "zstd":
            cctx = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=0,
                                            write_checksum=False, write_content_size=False)
            self._zst = cctx.stream_writer(cast(IO[bytes], sink), closefd=False)

    def write(self, data: bytes) -> int:
        """Feed uncompressed tar bytes."""
        if self._diff is None:
            return self._sink.write(data)
        self._diff.update(data)
        if self._gz is not None:
            self._gz.write(data)
        elif self._zst is not None:
            self._zst.write(data)
        return len(data)

    def finish(self) -> str | None:
        """End the stream; the diff_id (``sha256:...`` of the tar), None when uncompressed.

        Uncompressed, the diff_id is the blob's own digest.
        """
        if self._gz is not None:
            self._gz.close()
        if self._zst is not None:
            self._zst.close()  # type: ignore[no-untyped-call]  # ends the frame; closefd=False leaves the blob open
        if self._diff is None:
            return None
        return f"sha256:{self._diff.hexdigest()}"
