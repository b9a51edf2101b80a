"""Which local files ``file://`` fetches may read: only those the invoking user named.

A recipe is code from someone else; run by root, ``fetchurl("file:///etc/shadow",
...)`` would otherwise copy any file of the machine into the (world-readable)
store, or print its hash in a mismatch error. So a ``file://`` URL must name
a file the user allowed, on the command line (``sx realize --allow-file
PATH``) or in the configuration file::

    allowed-files = ["/srv/sources/", "/home/me/hello-2.12.tar.gz"]

An entry allows that file, or everything beneath it when it is a directory.
Entries and URLs are compared by their real paths, and the check is made
again on the file actually opened (through ``/proc/self/fd``), so neither
``..`` nor a symlink inside an allowed directory leads anywhere else. The
file is opened by sx's process, as the invoking user: a file that user
cannot read is refused by the kernel, before any byte is hashed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from sx.derivations.build.errors import BuildError
from sx.store.errors import InvalidInput

CONFIG_KEY = "allowed-files"


@dataclass(frozen=True)
class AllowedFiles:
    """Real paths of the allowed files and directories."""

    entries: tuple[str, ...] = ()

    @classmethod
    def of(cls, paths: tuple[str, ...] | list[str], where: str) -> AllowedFiles:
        """Allow ``paths`` (absolute; resolved now)."""
        for p in paths:
            if not p.startswith("/"):
                raise InvalidInput(f"allow file {p!r} ({where}): not an absolute path")
        return cls(tuple(sorted({os.path.realpath(p) for p in paths})))

    def __add__(self, other: AllowedFiles) -> AllowedFiles:
        return AllowedFiles(tuple(sorted(set(self.entries) | set(other.entries))))

    def allows(self, real: str) -> bool:
        """Whether the real path ``real`` is an allowed file or lies under an allowed directory."""
        return any(real == e or real.startswith(e.rstrip("/") + "/") for e in self.entries)

    def open(self, url: str, path: str) -> int:
        """A descriptor on the allowed regular file ``path`` that ``url`` names."""
        hint = (f"fetch {url}: not an allowed file (allow it with 'sx realize --allow-file' "
                f"or in '{CONFIG_KEY}' in the configuration file)")
        if not self.allows(os.path.realpath(path)):
            raise BuildError(hint)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as e:
            raise BuildError(f"fetch {url}: {(e.strerror or str(e)).lower()}") from e
        try:
            # Checked again on what was opened: a symlink swapped in meanwhile.
            if not self.allows(os.readlink(f"/proc/self/fd/{fd}")):
                raise BuildError(hint)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise BuildError(f"fetch {url}: not a regular file")
            os.set_blocking(fd, True)
        except BaseException:
            os.close(fd)
            raise
        return fd


def configured(root: str) -> AllowedFiles:
    """The ``allowed-files`` setting in force for the store at ``root`` (file or environment)."""
    from sx.store.config import load_settings

    s = load_settings(root)
    return AllowedFiles.of(s.allowed_files, s.origin(CONFIG_KEY))
