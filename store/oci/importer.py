"""``sx import-oci``: the store paths of an image made by sx, back into a store.

Every check happens before anything is registered: the index, manifest and
config blobs and every layer blob must match their sha256 digests and sizes,
every layer's tar its diff_id, every store path its recorded BLAKE3 archive
hash and size (and, for content-addressed kinds, its own name), and every
reference must be in the image or already valid. Then all paths are
registered in one transaction. A failure at any point leaves the store as it
was. See docs/oci.md.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast

import zstandard
from sx.store import nar
from sx.store.errors import Corrupt, HashMismatch, InvalidInput, MissingReference
from sx.store.fsutil import canonicalize
from sx.store.hashing import Digest
from sx.store.info import PathInfo
from sx.store.local import LocalStore, TempDir
from sx.store.oci import meta
from sx.store.oci.compress import MEDIA_TYPES
from sx.store.oci.layout import CONFIG, MANIFEST, REF_NAME
from sx.store.oci.reader import ImageSource, open_source, split_reference
from sx.store.path import StorePath, make_path

_CHUNK = 1 << 20


@dataclass
class _Pending:
    """A store path being unpacked from a layer."""

    info: PathInfo
    tmp: TempDir
    obj: str
    seen: bool = False


def import_image(store: LocalStore, reference: str) -> list[PathInfo]:
    """Import every store path of the image ``DIR|ARCHIVE[:TAG]``; all or nothing."""
    location, tag = split_reference(reference)
    with open_source(location) as src, ExitStack() as stack:
        manifest = _read_manifest(src, tag)
        config = _read_json_blob(src, manifest.get("config"), CONFIG)
        layers = manifest.get("layers")
        diff_ids = _diff_ids(src, config)
        if not isinstance(layers, list) or len(layers) != len(diff_ids):
            raise Corrupt(f"import-oci {src.name}: manifest has {_count(layers)} layers, "
                          f"config has {len(diff_ids)} diff_ids")
        pending: dict[StorePath, _Pending] = {}
        for desc, diff_id in zip(layers, diff_ids, strict=True):
            _import_layer(store, src, desc, diff_id, pending, stack)
        _verify_paths(store, src.name, pending)
        return store.install_many([(p.tmp, p.obj, p.info) for p in pending.values()])


def _count(value: object) -> int:
    return len(value) if isinstance(value, list) else 0


# ---- index, manifest, config ------------------------------------------------------------


def _read_manifest(src: ImageSource, tag: str | None) -> dict[str, Any]:
    index = _parse_json(src.read_file("index.json"), f"{src.name}: index.json")
    manifests = index.get("manifests")
    if not isinstance(manifests, list) or not manifests:
        raise Corrupt(f"import-oci {src.name}: index.json lists no manifests")
    if tag is not None:
        chosen = [m for m in manifests if _annotations(m).get(REF_NAME) == tag]
        if not chosen:
            raise InvalidInput(f"import-oci {src.name}: no image tagged {tag!r}")
    elif len(manifests) > 1:
        raise InvalidInput(f"import-oci {src.name}: {len(manifests)} images; "
                           "name one as DIR:TAG")
    else:
        chosen = manifests
    return _read_json_blob(src, chosen[0], MANIFEST)


def _annotations(desc: object) -> dict[str, Any]:
    ann = desc.get("annotations") if isinstance(desc, dict) else None
    return ann if isinstance(ann, dict) else {}


def _parse_json(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as e:
        raise Corrupt(f"import-oci {what}: not valid JSON: {e}") from e
    if not isinstance(value, dict):
        raise Corrupt(f"import-oci {what}: not a JSON object")
    return value


def _read_json_blob(src: ImageSource, desc: object, media_type: str) -> dict[str, Any]:
    digest, size, kind = _descriptor(src, desc, media_type)
    with src.open_blob(digest) as f:
        data = f.read(size + 1)
    _check_blob(src, digest, size, hashlib.sha256(data).hexdigest(), len(data))
    value = _parse_json(data, f"{src.name}: {digest}")
    if value.get("mediaType", kind) != kind:
        raise Corrupt(f"import-oci {src.name}: {digest} is a {value.get('mediaType')!r}, "
                      f"expected {kind}")
    return value


def _descriptor(src: ImageSource, desc: object, media_type: str | None) -> tuple[str, int, str]:
    if not isinstance(desc, dict):
        raise Corrupt(f"import-oci {src.name}: malformed descriptor {desc!r}")
    digest, size, kind = desc.get("digest"), desc.get("size"), desc.get("mediaType")
    if not isinstance(digest, str) or not isinstance(size, int) or size < 0:
        raise Corrupt(f"import-oci {src.name}: malformed descriptor {desc!r}")
    if media_type is not None and kind != media_type:
        raise Corrupt(f"import-oci {src.name}: {digest} has media type {kind!r}, "
                      f"expected {media_type}")
    return digest, size, str(kind)


def _check_blob(src: ImageSource, digest: str, size: int, got_hex: str, got_size: int) -> None:
    if got_size != size:
        raise Corrupt(f"import-oci {src.name}: blob {digest} is {got_size} bytes, "
                      f"descriptor says {size}")
    if f"sha256:{got_hex}" != digest:
        raise HashMismatch(f"import-oci {src.name}: blob {digest} hashes to sha256:{got_hex}")


def _diff_ids(src: ImageSource, config: dict[str, Any]) -> list[str]:
    rootfs = config.get("rootfs")
    ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise Corrupt(f"import-oci {src.name}: config has no rootfs.diff_ids")
    return ids


# ---- layers ---------------------------------------------------------------------------------


def _import_layer(store: LocalStore, src: ImageSource, desc: object, diff_id: str,
                  pending: dict[StorePath, _Pending], stack: ExitStack) -> None:
    digest, size, kind = _descriptor(src, desc, None)
    if kind not in MEDIA_TYPES.values():
        raise Corrupt(f"import-oci {src.name}: layer {digest}: unsupported media type {kind!r}")
    text = _annotations(desc).get(meta.PATHS_KEY)
    if not isinstance(text, str):
        raise InvalidInput(f"import-oci {src.name}: layer {digest} has no {meta.PATHS_KEY} "
                           "annotation (not an image made by sx export-oci)")
    declared: dict[str, _Pending] = {}
    for info in meta.decode_paths(text, f"{src.name}: layer {digest}"):
        if info.path in pending:
            raise Corrupt(f"import-oci {src.name}: {info.path} is declared in two layers")
        tmp = stack.enter_context(store.temp_dir())
        item = _Pending(info, tmp, os.path.join(tmp.path, "obj"))
        pending[info.path] = declared[info.path.base] = item
    _verify_blob(src, digest, size)
    with src.open_blob(digest) as blob, _tar_stream(blob, kind, src.name, digest) as tar:
        _extract(tar.tar, declared, f"{src.name}: layer {digest}")
        got = tar.finish()
    if got != diff_id:
        raise HashMismatch(f"import-oci {src.name}: layer {digest}: uncompressed tar hashes "
                           f"to {got}, config's diff_id is {diff_id}")
    for item in declared.values():
        if not item.seen:
            raise Corrupt(f"import-oci {src.name}: layer {digest}: {item.info.path} is "
                          "declared but not in the layer")


def _verify_blob(src: ImageSource, digest: str, size: int) -> None:
    sha = hashlib.sha256()
    n = 0
    with src.open_blob(digest) as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
            n += len(chunk)
    _check_blob(src, digest, size, sha.hexdigest(), n)


class _HashingReader:
    """Passes reads through and hashes what passed (the diff_id)."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.sha.update(data)
        return data


class _LayerTar:
    def __init__(self, reader: _HashingReader, tar: tarfile.TarFile) -> None:
        self.reader = reader
        self.tar = tar

    def finish(self) -> str:
        """Read to the end (the end-of-archive blocks count too) and return the diff_id."""
        while self.reader.read(_CHUNK):
            pass
        return f"sha256:{self.reader.sha.hexdigest()}"


@contextmanager
def _tar_stream(blob: IO[bytes], kind: str, name: str, digest: str) -> Iterator[_LayerTar]:
    raw: IO[bytes] = blob
    if kind.endswith("+gzip"):
        raw = cast(IO[bytes], gzip.GzipFile(fileobj=blob, mode="rb"))
    elif kind.endswith("+zstd"):
        raw = zstandard.ZstdDecompressor().stream_reader(blob, read_across_frames=True)
    reader = _HashingReader(raw)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            yield _LayerTar(reader, tar)
    except (tarfile.TarError, EOFError, zlib.error, zstandard.ZstdError,
            gzip.BadGzipFile) as e:
        raise Corrupt(f"import-oci {name}: layer {digest}: unreadable: {e}") from e


# ---- unpacking one layer -------------------------------------------------------------------


def _extract(tar: tarfile.TarFile, declared: dict[str, _Pending], what: str) -> None:
    for member in tar:
        parts = _member_parts(member.name, what)
        if parts[0] != "sx":
            continue  # the --link symlinks: part of the image, not of the store
        if len(parts) <= 2:
            if parts != ["sx", "store"][: len(parts)] or not member.isdir():
                raise Corrupt(f"import-oci {what}: unexpected entry {member.name!r}")
            continue
        item = declared.get(parts[2])
        if item is None:
            raise Corrupt(f"import-oci {what}: {member.name!r} belongs to no declared path")
        if len(parts) == 3:
            if item.seen:
                raise Corrupt(f"import-oci {what}: {member.name!r} appears twice")
            item.seen = True
        elif not item.seen:
            raise Corrupt(f"import-oci {what}: {member.name!r} comes before its store path")
        dest = os.path.join(item.obj, *parts[3:])
        _create(tar, member, dest, what)


def _member_parts(name: str, what: str) -> list[str]:
    parts = name.split("/")
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise Corrupt(f"import-oci {what}: unsafe entry name {name!r}")
    return parts


def _create(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: str, what: str) -> None:
    parent = os.path.dirname(dest)
    try:
        if not stat.S_ISDIR(os.lstat(parent).st_mode):
            raise Corrupt(f"import-oci {what}: {member.name!r} is not inside a directory")
        if member.isdir():
            os.mkdir(dest, 0o755)
        elif member.issym():
            os.symlink(member.linkname, dest)
        elif member.isreg():
            _write_file(tar, member, dest)
        else:
            raise Corrupt(f"import-oci {what}: {member.name!r}: unsupported entry type")
    except FileNotFoundError:
        raise Corrupt(f"import-oci {what}: {member.name!r} comes before its directory") from None
    except FileExistsError:
        raise Corrupt(f"import-oci {what}: {member.name!r} appears twice") from None


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: str) -> None:
    src = tar.extractfile(member)
    assert src is not None
    mode = 0o755 if member.mode & 0o100 else 0o644
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        while chunk := src.read(_CHUNK):
            os.write(fd, chunk)
    finally:
        os.close(fd)


# ---- checking what was unpacked ------------------------------------------------------------


def _verify_paths(store: LocalStore, name: str, pending: dict[StorePath, _Pending]) -> None:
    missing = [r for p in pending.values() for r in p.info.references
               if r not in pending and not store.is_valid(r)]
    if missing:
        raise MissingReference(f"import-oci {name}: referenced path {missing[0]} is neither "
                               "in the image nor valid in the store")
    for item in pending.values():
        _verify_path(name, item)


def _verify_path(name: str, item: _Pending) -> None:
    info = item.info
    canonicalize(item.obj)
    got, size = nar.hash_path(item.obj)
    if info.nar_hash.algo != "b3" or got != info.nar_hash:
        raise HashMismatch(f"import-oci {name}: {info.path}: archive hash {got}, "
                           f"expected {info.nar_hash}")
    if size != info.nar_size:
        raise Corrupt(f"import-oci {name}: {info.path}: archive is {size} bytes, "
                      f"recorded {info.nar_size}")
    kind, _, text = (info.ca or "").partition(":")
    if kind in ("source", "drv"):
        want = make_path(kind, Digest.parse(text), info.path.name, info.references)
        if want != info.path:
            raise HashMismatch(f"import-oci {name}: {info.path}: content address gives {want}")
