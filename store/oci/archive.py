"""The oci-archive format: an image layout directory packed in one tar file.

Entries in byte order (``blobs/``, ``blobs/sha256/``, the blobs by digest,
``index.json``, ``oci-layout``), files 0644 and directories 0755, the same
fixed mtime as the layers; see tarstream.py for the header rules.
"""

from __future__ import annotations

import os

from sx.store.fdio import write_all
from sx.store.oci.tarstream import TarWriter

_FILE_MODE = 0o644
_DIR_MODE = 0o755


class _FdWriter:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes | memoryview) -> int:
        write_all(self.fd, data)
        return len(data)


def write_archive(layout_dir: str, dest: str, mtime: int) -> None:
    """Pack the layout at ``layout_dir`` into the new file ``dest`` (fsynced)."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    try:
        os.fchmod(fd, _FILE_MODE)
        tar = TarWriter(_FdWriter(fd), mtime)
        tar.directory(b"blobs", _DIR_MODE)
        tar.directory(b"blobs/sha256", _DIR_MODE)
        blob_dir = os.path.join(layout_dir, "blobs", "sha256")
        for name in sorted(os.listdir(blob_dir)):
            _add_file(tar, os.path.join(blob_dir, name), f"blobs/sha256/{name}")
        for name in ("index.json", "oci-layout"):
            _add_file(tar, os.path.join(layout_dir, name), name)
        tar.close()
        os.fsync(fd)
    finally:
        os.close(fd)


def _add_file(tar: TarWriter, path: str, name: str) -> None:
    tar.file(name.encode(), path, os.stat(path).st_size, _FILE_MODE)
