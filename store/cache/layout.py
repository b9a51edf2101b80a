"""What a binary cache holds, key by key, and the byte format of each record.

A cache is a flat set of keys (docs/cache.md)::

    sx-cache-info                      text: store dir, priority, format version
    info/<path digest>                 signed path-info record (canonical msgpack)
    nar/<b3 hex>.nar.zst               an archive, zstd-compressed; the name is the
                                       BLAKE3 of the compressed file
    realisations/<drv b3 hex>.<out>    signed realisation record (canonical msgpack)

Archives are addressed by the hash of the bytes the cache stores, so any
holder (a server, a registry) can check an upload against its name without
decompressing it. The record names the archive by that hash and also
carries the uncompressed archive's BLAKE3 and size, which signatures cover.
"""

from __future__ import annotations

import re

from sx.store.encoding import pack, unpack
from sx.store.errors import Corrupt, InvalidInput
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation, parse_deps
from sx.store.path import STORE_DIR, StorePath
from sx.store.value import Value

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any

    from sx.store.cache.base import Cache

CACHE_INFO = "sx-cache-info"
FORMAT = 1
COMPRESSION = "zstd"
# Pinned so that the same archive always compresses to the same bytes (and so
# to the same key) on every machine; level 3 is zstd's own default.
ZSTD_LEVEL = 3
DEFAULT_PRIORITY = 50
# Records are small; refuse to read anything larger as one.
MAX_RECORD = 16 << 20

KEY_DIRS = ("info", "nar", "realisations")
"""The directories of keys (``sx-cache-info`` sits at the top)."""
_KEY_RE = re.compile(
    r"sx-cache-info"
    r"|info/[0-9a-df-np-sv-z]{32}"
    r"|nar/[0-9a-f]{64}\.nar\.zst"
    r"|realisations/[0-9a-f]{64}\.[A-Za-z_][A-Za-z0-9_]{0,49}"
)


def check_key(key: str) -> str:
    """Return ``key`` if it is one of the key forms above, else raise :class:`InvalidInput`."""
    if not _KEY_RE.fullmatch(key):
        raise InvalidInput(f"use cache key {key[:120]!r}: not a valid key")
    return key


def is_key(key: str) -> bool:
    """Whether ``key`` is one of the key forms above."""
    return _KEY_RE.fullmatch(key) is not None


def is_archive_key(key: str) -> bool:
    """True for ``nar/...`` keys (large objects, streamed)."""
    return key.startswith("nar/")


def info_key(path: StorePath) -> str:
    """The key of a path's record."""
    return f"info/{path.digest}"


def nar_key(file_hash: Digest) -> str:
    """The key of a compressed archive with BLAKE3 ``file_hash``."""
    if file_hash.algo != "b3":
        raise InvalidInput(f"name archive {file_hash}: archives are addressed by BLAKE3")
    return f"nar/{file_hash.hex}.nar.zst"


def realisation_key(drv_hash: Digest, output: str) -> str:
    """The key of a realisation record."""
    if drv_hash.algo != "b3":
        raise InvalidInput(f"name realisation {drv_hash}!{output}: expected a BLAKE3 hash")
    return check_key(f"realisations/{drv_hash.hex}.{output}")


# ---- cache info --------------------------------------------------------------------


class CacheInfo(Value):
    """The cache-wide facts: which store directory its paths belong to, and its priority.

    Lower priority numbers are tried first among the configured substituters.
    """

    __slots__ = _fields = ("store_dir", "priority", "format")
    store_dir: str
    priority: int
    format: int

    def __init__(self, store_dir: str = STORE_DIR, priority: int = DEFAULT_PRIORITY,
                 format: int = FORMAT) -> None:
        self._set("store_dir", store_dir)
        self._set("priority", priority)
        self._set("format", format)

    def encode(self) -> bytes:
        """The text form, one ``Key: value`` per line."""
        return (f"StoreDir: {self.store_dir}\nPriority: {self.priority}\n"
                f"Format: {self.format}\n").encode()

    @classmethod
    def decode(cls, data: bytes, where: str) -> CacheInfo:
        """Parse the text form; :class:`Corrupt` when malformed."""
        fields: dict[str, str] = {}
        try:
            for line in data.decode().splitlines():
                if line.strip():
                    k, sep, v = line.partition(":")
                    if not sep:
                        raise ValueError(f"line {line[:60]!r} has no ':'")
                    fields[k.strip()] = v.strip()
            return cls(fields.get("StoreDir", ""), int(fields.get("Priority", DEFAULT_PRIORITY)),
                       int(fields.get("Format", FORMAT)))
        except ValueError as e:
            raise Corrupt(f"read cache info of {where}: {e}") from e

    def check(self, where: str) -> None:
        """Refuse a cache for another store directory or a newer format."""
        if self.store_dir != STORE_DIR:
            raise InvalidInput(
                f"open cache {where}: it holds paths of {self.store_dir!r}, not {STORE_DIR}")
        if self.format > FORMAT:
            raise InvalidInput(f"open cache {where}: format {self.format} is newer than {FORMAT}")


def read_cache_info(cache: Cache) -> CacheInfo | None:
    """The cache's info (None for a new, empty cache); refuses caches of another store."""
    data = cache.get_bytes(CACHE_INFO)
    if data is None:
        return None
    info = CacheInfo.decode(data, cache.url)
    info.check(cache.url)
    return info


def ensure_cache_info(cache: Cache) -> CacheInfo:
    """The cache's info, written with defaults when the cache is new."""
    info = read_cache_info(cache)
    if info is None:
        info = CacheInfo()
        cache.put(CACHE_INFO, info.encode())
    return info


# ---- path records -------------------------------------------------------------------


class CachedPath(Value):
    """A path's record in a cache: its info (what signatures cover) plus where its archive is."""

    __slots__ = _fields = ("info", "file_hash", "file_size", "compression")
    info: PathInfo
    file_hash: Digest
    file_size: int
    compression: str

    def __init__(self, info: PathInfo, file_hash: Digest, file_size: int,
                 compression: str = COMPRESSION) -> None:
        self._set("info", info)
        self._set("file_hash", file_hash)
        self._set("file_size", file_size)
        self._set("compression", compression)

    @property
    def path(self) -> StorePath:
        """The store path this record describes."""
        return self.info.path

    @property
    def archive_key(self) -> str:
        """The key of the compressed archive."""
        return nar_key(self.file_hash)

    def encode(self) -> bytes:
        """The canonical record bytes (registration time is local and left out)."""
        rec = self.info.to_record()
        del rec["time"]
        rec["path"] = self.info.path.base
        rec["file"] = {"hash": str(self.file_hash), "size": self.file_size,
                       "compression": self.compression}
        return pack(rec)

    @classmethod
    def decode(cls, data: bytes, path: StorePath, where: str) -> CachedPath:
        """Parse a record fetched as ``info_key(path)``; :class:`Corrupt` when malformed."""
        what = f"record of {path} in {where}"
        rec = unpack(data, what)
        if not isinstance(rec, dict) or rec.get("v") != 1:
            raise Corrupt(f"decode {what}: not a version 1 path record")
        if rec.get("path") != path.base:
            raise Corrupt(f"decode {what}: it describes {rec.get('path')!r}")
        info = PathInfo.from_record(path, {**rec, "time": 0})
        try:
            f = rec["file"]
            file_hash = Digest.parse(f["hash"])
            size = f["size"]
            compression = f["compression"]
            if not isinstance(size, int) or size < 0 or compression != COMPRESSION:
                raise ValueError(f"bad archive size {size!r} or compression {compression!r}")
            nar_key(file_hash)
        except (KeyError, TypeError, ValueError, InvalidInput) as e:
            raise Corrupt(f"decode {what}: {e}") from e
        return cls(info, file_hash, size, compression)


# ---- realisation records -------------------------------------------------------------


def encode_realisation(r: Realisation) -> bytes:
    """The canonical realisation record (its id is repeated so a record cannot be moved)."""
    rec = r.to_record()
    rec["id"] = r.key
    return pack(rec)


def decode_realisation(data: bytes, drv_hash: Digest, output: str, where: str,
                       derivation: bool | None = None) -> Realisation:
    """Parse a realisation record fetched for ``(drv_hash, output)``.

    ``derivation`` says which kind the caller looked up (True: keyed by the
    hash modulo, with ``deps``; False: resolved, without); a record of the
    other kind is refused. None accepts either (listings, uploads).
    """
    want = f"{drv_hash}!{output}"
    what = f"realisation {want} in {where}"
    rec: Any = unpack(data, what)
    if not isinstance(rec, dict) or rec.get("v") != 1:
        raise Corrupt(f"decode {what}: not a version 1 realisation record")
    if rec.get("id") != want:
        raise Corrupt(f"decode {what}: it describes {rec.get('id')!r}")
    if derivation is not None and ("deps" in rec) != derivation:
        kind = "a resolved" if derivation else "a derivation"
        raise Corrupt(f"decode {what}: it is {kind} realisation record")
    try:
        sigs = rec["sigs"]
        if not isinstance(sigs, list) or not all(isinstance(s, str) for s in sigs):
            raise ValueError("signatures are not a list of strings")
        deps = parse_deps(rec["deps"]) if "deps" in rec else None
        return Realisation(drv_hash, output, StorePath.from_base(rec["path"]), tuple(sigs),
                           deps)
    except (KeyError, TypeError, ValueError, InvalidInput) as e:
        raise Corrupt(f"decode {what}: {e}") from e


def parse_realisation_key(key: str) -> tuple[Digest, str]:
    """``realisations/<hex>.<out>`` -> (drv hash, output)."""
    check_key(key)
    if not key.startswith("realisations/"):
        raise InvalidInput(f"use cache key {key!r}: not a realisation key")
    hexpart, _, output = key[len("realisations/"):].partition(".")
    return Digest("b3", bytes.fromhex(hexpart)), output
