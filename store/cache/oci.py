"""A cache inside any OCI registry: ``oci://host:port/repository``.

Each cache key becomes a tag of the repository (``/`` replaced by ``.``,
e.g. ``info.<path digest>``) whose manifest is an OCI artifact with one
layer: the object itself, stored as a blob (archives, records and
realisations alike). The registry addresses blobs by sha256, as the image
spec requires; the BLAKE3 of each blob is kept in its descriptor's
annotations. A blob is uploaded (and checked by the registry against its
digest) before the manifest that makes it visible is pushed, so an
interrupted upload never shows.

Loopback registries are spoken to over plain HTTP, others over HTTPS.
Registries that require authentication are not supported.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any, BinaryIO

import blake3
from sx.store.cache.base import Cache, CacheError, data_size
from sx.store.cache.layout import CACHE_INFO, MAX_RECORD, check_key
from sx.store.cache.transport import Reply, Transport, error_text
from sx.store.errors import Corrupt, InvalidInput

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY_CONFIG = b"{}"
EMPTY_DIGEST = "sha256:" + hashlib.sha256(EMPTY_CONFIG).hexdigest()
EMPTY = {"mediaType": "application/vnd.oci.empty.v1+json", "digest": EMPTY_DIGEST, "size": 2}
# key prefix -> (artifact type, layer media type)
KINDS = {
    "nar": ("application/vnd.sx.archive.v1", "application/vnd.sx.nar.v1+zstd"),
    "info": ("application/vnd.sx.path-info.v1", "application/vnd.sx.path-info.v1+msgpack"),
    "realisations": ("application/vnd.sx.realisation.v1",
                     "application/vnd.sx.realisation.v1+msgpack"),
    CACHE_INFO: ("application/vnd.sx.cache-info.v1", "text/plain"),
}
_REPO_RE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*")
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_CHUNK = 1 << 20


def key_to_tag(key: str) -> str:
    """``info/<digest>`` -> ``info.<digest>`` (keys never hold a dot before the slash)."""
    return check_key(key).replace("/", ".", 1)


def tag_to_key(tag: str) -> str | None:
    """The inverse of :func:`key_to_tag`; None for tags that are not cache keys."""
    prefix, dot, rest = tag.partition(".")
    key = f"{prefix}/{rest}" if dot and prefix in KINDS else tag
    try:
        return check_key(key)
    except InvalidInput:
        return None


def _sha256(data: bytes | BinaryIO) -> tuple[str, str, int]:
    """(sha256 digest, BLAKE3 text, size) of ``data``; a file is read to its end and rewound."""
    if isinstance(data, bytes):
        return ("sha256:" + hashlib.sha256(data).hexdigest(),
                "b3:" + blake3.blake3(data).hexdigest(), len(data))
    start = data.tell()
    s, b, n = hashlib.sha256(), blake3.blake3(), 0
    while chunk := data.read(_CHUNK):
        s.update(chunk)
        b.update(chunk)
        n += len(chunk)
    data.seek(start)
    return "sha256:" + s.hexdigest(), "b3:" + b.hexdigest(), n


class OciCache(Cache):
    """A cache stored as artifacts in one registry repository."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        u = urllib.parse.urlsplit(url)
        repo = u.path.strip("/")
        if u.scheme != "oci" or not u.netloc or not _REPO_RE.fullmatch(repo):
            raise InvalidInput(f"open cache {url}: expected oci://host:port/repository "
                               "(lower-case repository name)")
        self.url = f"oci://{u.netloc}/{repo}"
        self.repo = repo
        scheme = "http" if u.hostname in _LOOPBACK or u.netloc.startswith("[::1]") else "https"
        self._http = Transport(scheme, u.netloc, timeout)
        self._have_empty = False

    # ---- reading ------------------------------------------------------------------

    def has(self, key: str) -> bool:
        """HEAD the tag's manifest."""
        r = self._http.call("HEAD", f"/v2/{self.repo}/manifests/{key_to_tag(key)}",
                            headers={"Accept": MANIFEST}, what=f"query {key} in {self.url}")
        if r.status in (200, 404):
            return r.status == 200
        raise CacheError(f"query {key} in {self.url}: HTTP {r.status}")

    def _tags(self) -> list[str]:
        tags: list[str] = []
        target: str | None = f"/v2/{self.repo}/tags/list?n=1000"
        while target:
            r = self._http.call("GET", target, what=f"list tags of {self.url}")
            if r.status == 404:
                return []  # the repository does not exist yet
            if r.status != 200:
                raise CacheError(f"list tags of {self.url}: HTTP {r.status}: "
                                 f"{error_text(r.body)}")
            try:
                tags.extend(json.loads(r.body).get("tags") or [])
            except (ValueError, AttributeError) as e:
                raise CacheError(f"list tags of {self.url}: bad answer: {e}") from e
            target = _next_link(r.header("Link"))
        return tags

    def has_many(self, keys: Iterable[str]) -> set[str]:
        """One listing of the repository's tags (paginated) instead of a request per key."""
        present = {tag_to_key(t) for t in self._tags()}
        return {k for k in keys if k in present}

    def keys(self, prefix: str) -> list[str]:
        """Keys among the repository's tags."""
        keys = (tag_to_key(t) for t in self._tags())
        return sorted(k for k in keys if k is not None and k.startswith(prefix))

    def _layer(self, key: str) -> dict[str, Any] | None:
        r = self._http.call("GET", f"/v2/{self.repo}/manifests/{key_to_tag(key)}",
                            headers={"Accept": MANIFEST}, what=f"read {key} from {self.url}")
        if r.status == 404:
            return None
        if r.status != 200:
            raise CacheError(f"read {key} from {self.url}: HTTP {r.status}: "
                             f"{error_text(r.body)}")
        try:
            layer: dict[str, Any] = json.loads(r.body)["layers"][0]
            if not str(layer["digest"]).startswith("sha256:"):
                raise ValueError(f"unexpected digest {layer['digest']!r}")
            return layer
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise Corrupt(f"read {key} from {self.url}: malformed manifest: {e}") from e

    def get_bytes(self, key: str, limit: int = MAX_RECORD) -> bytes | None:
        """A small object over this thread's kept-alive connection."""
        layer = self._layer(key)
        if layer is None:
            return None
        if int(layer.get("size", 0)) > limit:
            raise Corrupt(f"read {key} from {self.url}: larger than {limit} bytes")
        r = self._http.call("GET", f"/v2/{self.repo}/blobs/{layer['digest']}",
                            what=f"read {key} from {self.url}", limit=limit)
        _expect(r, 200, f"read {key} from {self.url}: blob {layer['digest']}")
        return r.body

    def get(self, key: str, limit: int | None = None) -> BinaryIO | None:
        """The blob behind the tag's manifest (see :meth:`Cache.get` for ``limit``)."""
        layer = self._layer(key)
        if layer is None:
            return None
        what = f"read {key} from {self.url}"
        if limit is not None and int(layer.get("size", 0)) > limit:
            raise Corrupt(f"{what}: larger than {limit} bytes (its manifest says "
                          f"{layer['size']})")
        status, stream, body = self._http.stream(
            "GET", f"/v2/{self.repo}/blobs/{layer['digest']}", what=what, limit=limit)
        if stream is None:
            # A manifest whose blob is gone: the object is unusable, say so.
            raise CacheError(f"{what}: blob {layer['digest']}: HTTP {status}: {error_text(body)}")
        return stream

    # ---- writing ------------------------------------------------------------------

    def _upload_blob(self, data: bytes | BinaryIO, digest: str, what: str) -> None:
        head = self._http.call("HEAD", f"/v2/{self.repo}/blobs/{digest}", what=what)
        if head.status == 200:
            return
        r = self._http.call("POST", f"/v2/{self.repo}/blobs/uploads/", b"",
                            {"Content-Length": "0"}, what)
        location = r.header("Location")
        if r.status != 202 or not location:
            raise CacheError(f"{what}: start blob upload: HTTP {r.status}: {error_text(r.body)}")
        sep = "&" if "?" in location else "?"
        q = urllib.parse.urlencode({"digest": digest})
        r = self._http.call("PUT", f"{location}{sep}{q}", data,
                            {"Content-Length": str(data_size(data)),
                             "Content-Type": "application/octet-stream"}, what)
        _expect(r, 201, f"{what}: blob {digest}")

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Upload the blob, then push the manifest that tags it."""
        tag = key_to_tag(key)
        what = f"upload {key} to {self.url}"
        digest, b3, size = _sha256(data)
        if not self._have_empty:
            self._upload_blob(EMPTY_CONFIG, EMPTY_DIGEST, what)
            self._have_empty = True
        self._upload_blob(data, digest, what)
        artifact, media = KINDS[key.partition("/")[0]]
        manifest = {
            "schemaVersion": 2, "mediaType": MANIFEST, "artifactType": artifact, "config": EMPTY,
            "layers": [{"mediaType": media, "digest": digest, "size": size,
                        "annotations": {"org.opencontainers.image.title": key,
                                        "dev.sx.blake3": b3}}],
        }
        body = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
        r = self._http.call("PUT", f"/v2/{self.repo}/manifests/{tag}", body,
                            {"Content-Type": MANIFEST}, what)
        _expect(r, 201, f"{what}: manifest")

    def close(self) -> None:
        """Close this thread's connection."""
        self._http.close()


def _expect(r: Reply, status: int, what: str) -> None:
    if r.status != status:
        raise CacheError(f"{what}: HTTP {r.status}: {error_text(r.body)}")


def _next_link(link: str) -> str | None:
    """The target of a ``Link: <...>; rel="next"`` header, if any."""
    m = re.match(r'\s*<([^>]+)>\s*;\s*rel="?next"?', link)
    return m.group(1) if m else None
