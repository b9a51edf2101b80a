"""Reading an image layout, from a directory or from an oci-archive tar.

Both sources answer the same three questions: the bytes of ``index.json``,
whether a blob exists, and a stream of a blob's bytes. Nothing here checks
digests; importer.py does, while reading.
"""

from __future__ import annotations

import os
import re
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Protocol

from sx.store.errors import Corrupt, InvalidInput

_DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
SMALL_LIMIT = 16 << 20


class ImageSource(Protocol):
    """Where an image's files are read from."""

    name: str

    def read_file(self, rel: str, limit: int = SMALL_LIMIT) -> bytes:
        """A small file of the layout (``index.json``, ``oci-layout``)."""
        ...

    def open_blob(self, digest: str) -> IO[bytes]:
        """A stream of the blob named by a ``sha256:<hex>`` digest."""
        ...


def blob_name(digest: str, what: str) -> str:
    """``blobs/sha256/<hex>`` for a digest; only sha256 is accepted (as by the OCI spec)."""
    if not isinstance(digest, str) or not _DIGEST_RE.fullmatch(digest):
        raise Corrupt(f"import-oci {what}: bad digest {digest!r} (expected sha256:<64 hex>)")
    return "blobs/sha256/" + digest.split(":", 1)[1]


class DirSource:
    """An image layout directory."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.name = root

    def read_file(self, rel: str, limit: int = SMALL_LIMIT) -> bytes:
        """Read ``rel`` (at most ``limit`` bytes)."""
        try:
            with open(os.path.join(self.root, rel), "rb") as f:
                data = f.read(limit + 1)
        except FileNotFoundError:
            raise Corrupt(f"import-oci {self.name}: {rel} is missing") from None
        if len(data) > limit:
            raise Corrupt(f"import-oci {self.name}: {rel} is larger than {limit} bytes")
        return data

    def open_blob(self, digest: str) -> IO[bytes]:
        """Open a blob file."""
        path = os.path.join(self.root, blob_name(digest, self.name))
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise Corrupt(f"import-oci {self.name}: blob {digest} is missing") from None


class ArchiveSource:
    """An oci-archive: the layout packed in a tar file (members read in place)."""

    def __init__(self, tar: tarfile.TarFile, name: str) -> None:
        self.tar = tar
        self.name = name
        self.members = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isfile()}

    def _open(self, rel: str, what: str) -> IO[bytes]:
        member = self.members.get(rel)
        f = self.tar.extractfile(member) if member is not None else None
        if f is None:
            raise Corrupt(f"import-oci {self.name}: {what} is missing")
        return f

    def read_file(self, rel: str, limit: int = SMALL_LIMIT) -> bytes:
        """Read a member (at most ``limit`` bytes)."""
        data = self._open(rel, rel).read(limit + 1)
        if len(data) > limit:
            raise Corrupt(f"import-oci {self.name}: {rel} is larger than {limit} bytes")
        return data

    def open_blob(self, digest: str) -> IO[bytes]:
        """Open a blob member."""
        return self._open(blob_name(digest, self.name), f"blob {digest}")


@contextmanager
def open_source(location: str) -> Iterator[ImageSource]:
    """Open a layout directory or an oci-archive file."""
    if os.path.isdir(location):
        yield DirSource(location)
        return
    if not os.path.isfile(location):
        raise InvalidInput(f"import-oci {location}: no such directory or file")
    try:
        tar = tarfile.open(location, "r:")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError) as e:
        raise Corrupt(f"import-oci {location}: not an image layout or oci-archive: {e}") from e
    with tar:
        yield ArchiveSource(tar, location)


def split_reference(text: str) -> tuple[str, str | None]:
    """Split ``DIR|ARCHIVE[:TAG]`` into the location and the tag (None when absent)."""
    if os.path.exists(text):
        return text, None
    # A tag may hold colons itself (``img:repo/name:1``): the location is the
    # longest prefix before a colon that exists.
    cuts = [i for i, c in enumerate(text) if c == ":" and i > 0]
    for i in reversed(cuts):
        if os.path.exists(text[:i]):
            return text[:i], text[i + 1:]
    raise InvalidInput(f"import-oci {text}: no such directory or file")
