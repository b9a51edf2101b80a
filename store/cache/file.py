"""A cache in a local directory: ``file:///srv/sx-cache``.

Each key is a file under the directory. Writes go to ``.tmp/`` in the same
directory, are synced, and are renamed into place, so a reader sees either
nothing or the whole object. Leftovers in ``.tmp/`` are never visible.
"""

from __future__ import annotations

import errno
import os
from typing import BinaryIO

from sx.store.cache.base import Cache, CacheError, capped
from sx.store.cache.layout import KEY_DIRS, check_key, is_key
from sx.store.fsutil import fsync_dir, syncfs

_TMP = ".tmp"


class FileCache(Cache):
    """A cache directory on this machine."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.url = f"file://{self.root}"

    def _file(self, key: str) -> str:
        return os.path.join(self.root, check_key(key))

    def has(self, key: str) -> bool:
        """Whether the key's file exists."""
        return os.path.exists(self._file(key))

    def get(self, key: str, limit: int | None = None) -> BinaryIO | None:
        """The key's file opened for reading (at most ``limit + 1`` bytes of it), or None."""
        try:
            f = open(self._file(key), "rb")  # noqa: SIM115 - returned open
        except FileNotFoundError:
            return None
        except OSError as e:
            raise CacheError(f"read {key} from {self.url}: {e.strerror}") from e
        return capped(f, limit)

    def keys(self, prefix: str) -> list[str]:
        """Keys under ``prefix`` (a directory part such as ``realisations/``).

        Only the cache's own directories are ever listed: any other prefix
        (``/etc/``, ``../``) has no keys, whether or not such a path exists.
        """
        top, _, start = prefix.rpartition("/")
        if top and top not in KEY_DIRS:
            return []
        try:
            names = os.listdir(os.path.join(self.root, top)) if top else os.listdir(self.root)
        except FileNotFoundError:
            return []
        keys = (f"{top}/{n}" if top else n for n in names if n.startswith(start))
        return sorted(k for k in keys if is_key(k))

    def scratch_dir(self) -> str:
        """``.tmp/`` inside the cache: files written there can be renamed into place."""
        path = os.path.join(self.root, _TMP)
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise CacheError(f"write to {self.url}: {e.strerror}") from e
        return path

    def _temp(self) -> str:
        # os.urandom, not secrets: the same bytes without importing hmac and random.
        return os.path.join(self.scratch_dir(), os.urandom(8).hex())

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Write to a temp file, sync it, rename it into place."""
        dest = self._file(key)
        tmp = self._temp()
        try:
            with open(tmp, "wb") as f:
                if isinstance(data, bytes):
                    f.write(data)
                else:
                    import shutil  # here: it loads zlib, bz2 and lzma, which a fetch never needs

                    shutil.copyfileobj(data, f, 1 << 20)
                f.flush()
                os.fsync(f.fileno())
            self._publish(tmp, dest)
        except OSError as e:
            raise CacheError(f"write {key} to {self.url}: {e.strerror}") from e
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)

    def put_many(self, items: list[tuple[str, bytes]]) -> None:
        """Write every object to a temp file, sync them all at once, rename them in order."""
        temps: list[tuple[str, str]] = []
        try:
            for key, data in items:
                tmp = self._temp()
                temps.append((tmp, self._file(key)))
                with open(tmp, "wb") as f:
                    f.write(data)
            if temps:
                syncfs(self.root)
            dirs = set()
            for tmp, dest in temps:
                self._publish(tmp, dest, sync=False)
                dirs.add(os.path.dirname(dest))
            for d in sorted(dirs):
                fsync_dir(d)
        except OSError as e:
            raise CacheError(f"write {len(items)} records to {self.url}: {e.strerror}") from e
        finally:
            for tmp, _ in temps:
                if os.path.lexists(tmp):
                    os.unlink(tmp)

    def put_file(self, key: str, path: str) -> None:
        """Move ``path`` into place when it is on the same file system, else copy it."""
        dest = self._file(key)
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            self._publish(path, dest)
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise CacheError(f"write {key} to {self.url}: {e.strerror}") from e
            super().put_file(key, path)

    def _publish(self, tmp: str, dest: str, sync: bool = True) -> None:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.chmod(tmp, 0o644)
        os.rename(tmp, dest)
        if sync:
            fsync_dir(os.path.dirname(dest))
