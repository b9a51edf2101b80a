"""Binary caches: signed path records and compressed archives reached by URL.

:func:`open_cache` turns a URL into a backend (``file://``, ``http(s)://``
served by ``sx serve``, ``oci://`` for any OCI registry); the algorithms
that upload and download closures are written once over the small
:class:`~sx.store.cache.base.Cache` interface.
"""

from __future__ import annotations

import os

from sx.store.cache.base import Cache, CacheError
from sx.store.errors import InvalidInput

__all__ = ["Cache", "CacheError", "open_cache"]


def open_cache(url: str, token: str | None = None, timeout: float | None = None) -> Cache:
    """The backend for ``url``. ``token`` authorises uploads to ``sx serve``.

    Without ``token``, ``$SX_UPLOAD_TOKEN`` is used for http(s) caches.
    ``timeout``: seconds a network cache may stay silent (default 60).
    """
    wait = 60.0 if timeout is None else timeout
    scheme = url.partition("://")[0] if "://" in url else ""
    if scheme == "file":
        from sx.store.cache.file import FileCache

        path = url[len("file://"):]
        if not path.startswith("/"):
            raise InvalidInput(f"open cache {url}: expected file:///absolute/dir")
        return FileCache(path)
    if scheme in ("http", "https"):
        from sx.store.cache.http import HttpCache

        return HttpCache(url, token or os.environ.get("SX_UPLOAD_TOKEN") or None, wait)
    if scheme == "oci":
        from sx.store.cache.oci import OciCache

        return OciCache(url, wait)
    raise InvalidInput(f"open cache {url!r}: unknown scheme (use file://, http://, oci://)")
