"""Reading an image layout, from a directory or from an oci-archive tar.

Both sources answer the same three questions: the bytes of ``index.json``,
whether a blob exists, and a stream of a blob's bytes. Nothing here checks
digests; importer.py does, while reading.
"""

from __future__ import annotations

import os
import re
import stat
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Protocol, cast

from sx.store.errors import Corrupt, InvalidInput

_DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
SMALL_LIMIT = 16 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


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


class _Source:
    """What both sources share: bounded small files and blobs by digest, over ``_open``."""

    name: str

    def _open(self, rel: str, what: str) -> IO[bytes]:
        raise NotImplementedError

    def read_file(self, rel: str, limit: int = SMALL_LIMIT) -> bytes:
        """Read ``rel`` (at most ``limit`` bytes)."""
        with self._open(rel, rel) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise Corrupt(f"import-oci {self.name}: {rel} is larger than {limit} bytes")
        return data

    def open_blob(self, digest: str) -> IO[bytes]:
        """Open the blob named by ``digest``."""
        return self._open(blob_name(digest, self.name), f"blob {digest}")


class DirSource(_Source):
    """An image layout directory. Its files are opened without following symlinks
    (a layout is someone else's directory: ``blobs/sha256/<hex> -> /etc/shadow``
    must not be read)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.name = root

    def _open(self, rel: str, what: str) -> IO[bytes]:
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            parts = rel.split("/")
            for part in parts[:-1]:
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = nxt
            out = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
        except FileNotFoundError:
            raise Corrupt(f"import-oci {self.name}: {what} is missing") from None
        except OSError as e:
            raise Corrupt(f"import-oci {self.name}: {what}: {e.strerror} "
                          "(not a regular file inside the layout?)") from None
        finally:
            os.close(fd)
        if not stat.S_ISREG(os.fstat(out).st_mode):
            os.close(out)
            raise Corrupt(f"import-oci {self.name}: {what} is not a regular file")
        return os.fdopen(out, "rb")


class _Member:
    """A member's bytes read in place; a read error of the archive is :class:`Corrupt`."""

    def __init__(self, f: IO[bytes], what: str) -> None:
        self.f = f
        self.what = what

    def read(self, n: int = -1) -> bytes:
        try:
            return self.f.read(n)
        except (tarfile.TarError, EOFError, OSError) as e:
            raise Corrupt(f"import-oci {self.what}: unreadable: {e}") from e

    def __enter__(self) -> _Member:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()


class ArchiveSource(_Source):
    """An oci-archive: the layout packed in a tar file (members read in place).

    Every member must lie within the file: an archive cut inside a member is
    refused when opened, not half-way through an import.
    """

    def __init__(self, tar: tarfile.TarFile, name: str, file_size: int) -> None:
        self.tar = tar
        self.name = name
        self.members: dict[str, tarfile.TarInfo] = {}
        for m in tar.getmembers():
            if m.isfile():
                if m.offset_data + m.size > file_size:
                    raise Corrupt(f"import-oci {name}: truncated inside {m.name[:200]!r}")
                self.members[m.name.removeprefix("./")] = m

    def _open(self, rel: str, what: str) -> IO[bytes]:
        member = self.members.get(rel)
        f = self.tar.extractfile(member) if member is not None else None
        if f is None:
            raise Corrupt(f"import-oci {self.name}: {what} is missing")
        return cast(IO[bytes], _Member(f, self.name))



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
    except (tarfile.TarError, EOFError) as e:
        raise Corrupt(f"import-oci {location}: not an image layout or oci-archive: "
                      f"{str(e)[:200]}") from e
    except OSError as e:
        raise InvalidInput(f"import-oci {location}: {e.strerror}") from e
    with tar:
        try:
            source = ArchiveSource(tar, location, os.path.getsize(location))
        except (tarfile.TarError, EOFError) as e:
            raise Corrupt(f"import-oci {location}: unreadable archive: {str(e)[:200]}") from e
        yield source


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
