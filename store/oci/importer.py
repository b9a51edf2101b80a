"""``sx import-oci``: the store paths of an image made by sx, back into a store.

The layout must follow the OCI image spec (v1.0/v1.1) where it says MUST:
an ``oci-layout`` file with ``imageLayoutVersion`` 1.x, ``schemaVersion`` 2
in the index and the manifest, a ``mediaType`` on every descriptor and, where
a document carries one, the right one. The index, manifest and config blobs
and every layer blob must match their sha256 digests and sizes (small
documents are refused above 16 MiB before they are read), and every layer's
tar its diff_id. Layers are unpacked by :mod:`sx.store.oci.unlayer`, which
bounds what they may write; every path then goes through the store's
registration, which checks its archive hash, content address and references.
The config's roots must all be in the image. All paths are registered in
one transaction: a failure at any point leaves the store as it was. See
docs/oci.md.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import ExitStack
from typing import Any

from sx.store.errors import Corrupt, HashMismatch, InvalidInput, MissingReference
from sx.store.fsutil import canonicalize
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.oci import meta
from sx.store.oci.compress import MEDIA_TYPES
from sx.store.oci.layout import CONFIG, INDEX, MANIFEST, REF_NAME
from sx.store.oci.reader import SMALL_LIMIT, ImageSource, open_source, split_reference
from sx.store.oci.unlayer import Pending, extract, layer_limit, open_layer
from sx.store.path import StorePath
from sx.store.registration import Prepared

_CHUNK = 1 << 20


def import_image(store: LocalStore, reference: str) -> list[PathInfo]:
    """Import every store path of the image ``DIR|ARCHIVE[:TAG]``; all or nothing."""
    location, tag = split_reference(reference)
    with open_source(location) as src, ExitStack() as stack:
        _check_layout(src)
        manifest = _read_manifest(src, tag)
        config = _read_json_blob(src, manifest.get("config"), CONFIG, None)
        layers = manifest.get("layers")
        diff_ids = _diff_ids(src, config)
        if not isinstance(layers, list) or len(layers) != len(diff_ids):
            raise Corrupt(f"import-oci {src.name}: manifest has {_count(layers)} layers, "
                          f"config has {len(diff_ids)} diff_ids")
        pending: dict[StorePath, Pending] = {}
        for desc, diff_id in zip(layers, diff_ids, strict=True):
            _import_layer(store, src, desc, diff_id, pending, stack)
        _check_roots(src, config, pending)
        _check_references(store, src.name, pending)
        items = []
        for p in pending.values():
            canonicalize(p.obj)
            items.append(Prepared(p.tmp, p.obj, p.info))
        return store.install_many(items, f"import-oci {src.name}:")


def _count(value: object) -> int:
    return len(value) if isinstance(value, list) else 0


# ---- layout, index, manifest, config -----------------------------------------------------


def _check_layout(src: ImageSource) -> None:
    value = _parse_json(src.read_file("oci-layout", 4096), f"{src.name}: oci-layout")
    version = value.get("imageLayoutVersion")
    if not isinstance(version, str) or not version.startswith("1."):
        raise Corrupt(f"import-oci {src.name}: oci-layout: imageLayoutVersion {version!r} "
                      "is not 1.x")


def _check_schema(src: ImageSource, value: dict[str, Any], media_type: str, what: str) -> None:
    if value.get("schemaVersion") != 2:
        raise Corrupt(f"import-oci {src.name}: {what}: schemaVersion "
                      f"{value.get('schemaVersion')!r} is not 2")
    # The spec makes a document's own mediaType optional, but binding when present.
    kind = value.get("mediaType", media_type)
    if kind != media_type:
        raise Corrupt(f"import-oci {src.name}: {what} is a {str(kind)[:80]!r}, "
                      f"expected {media_type}")


def _read_manifest(src: ImageSource, tag: str | None) -> dict[str, Any]:
    index = _parse_json(src.read_file("index.json"), f"{src.name}: index.json")
    _check_schema(src, index, INDEX, "index.json")
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
    manifest = _read_json_blob(src, chosen[0], MANIFEST, "manifest")
    return manifest


def _annotations(desc: object) -> dict[str, Any]:
    ann = desc.get("annotations") if isinstance(desc, dict) else None
    return ann if isinstance(ann, dict) else {}


def _parse_json(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise Corrupt(f"import-oci {what}: not valid JSON: {str(e)[:200]}") from e
    if not isinstance(value, dict):
        raise Corrupt(f"import-oci {what}: not a JSON object")
    return value


def _read_json_blob(src: ImageSource, desc: object, media_type: str,
                    document: str | None) -> dict[str, Any]:
    """A small JSON blob, checked against its descriptor (and, for ``document``, its schema)."""
    digest, size, _ = _descriptor(src, desc, media_type)
    if size > SMALL_LIMIT:
        raise Corrupt(f"import-oci {src.name}: {digest}: a {media_type} of {size} bytes is "
                      f"larger than {SMALL_LIMIT}")
    with src.open_blob(digest) as f:
        data = f.read(size + 1)
    _check_blob(src, digest, size, hashlib.sha256(data).hexdigest(), len(data))
    value = _parse_json(data, f"{src.name}: {digest}")
    if document is not None:
        _check_schema(src, value, media_type, f"{document} {digest}")
    return value


def _descriptor(src: ImageSource, desc: object, media_type: str | None) -> tuple[str, int, str]:
    if not isinstance(desc, dict):
        raise Corrupt(f"import-oci {src.name}: malformed descriptor {str(desc)[:200]}")
    digest, size, kind = desc.get("digest"), desc.get("size"), desc.get("mediaType")
    if (not isinstance(digest, str) or not isinstance(size, int) or isinstance(size, bool)
            or not 0 <= size < 1 << 63):
        raise Corrupt(f"import-oci {src.name}: malformed descriptor {str(desc)[:200]}")
    if not isinstance(kind, str):
        raise Corrupt(f"import-oci {src.name}: descriptor of {digest[:80]} has no mediaType")
    if media_type is not None and kind != media_type:
        raise Corrupt(f"import-oci {src.name}: {digest[:80]} has media type {kind[:80]!r}, "
                      f"expected {media_type}")
    return digest, size, kind


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


def _check_roots(src: ImageSource, config: dict[str, Any],
                 pending: dict[StorePath, Pending]) -> None:
    """The paths the config names as the image's roots must all be in its layers."""
    inner = config.get("config")
    labels = inner.get("Labels") if isinstance(inner, dict) else None
    text = labels.get(meta.ROOTS_KEY) if isinstance(labels, dict) else None
    if text is None:
        return
    if not isinstance(text, str):
        raise Corrupt(f"import-oci {src.name}: config label {meta.ROOTS_KEY} is not a string")
    for word in text.split():
        try:
            root = StorePath.parse(word)
        except InvalidInput as e:
            raise Corrupt(f"import-oci {src.name}: config label {meta.ROOTS_KEY}: {e}") from e
        if root not in pending:
            raise Corrupt(f"import-oci {src.name}: the image claims root {root}, "
                          "but no layer holds it")


# ---- layers ---------------------------------------------------------------------------------


def _import_layer(store: LocalStore, src: ImageSource, desc: object, diff_id: str,
                  pending: dict[StorePath, Pending], stack: ExitStack) -> None:
    digest, size, kind = _descriptor(src, desc, None)
    if kind not in MEDIA_TYPES.values():
        raise Corrupt(f"import-oci {src.name}: layer {digest}: unsupported media type "
                      f"{kind[:80]!r}")
    text = _annotations(desc).get(meta.PATHS_KEY)
    if not isinstance(text, str):
        raise InvalidInput(f"import-oci {src.name}: layer {digest} has no {meta.PATHS_KEY} "
                           "annotation (not an image made by sx export-oci)")
    what = f"{src.name}: layer {digest}"
    declared: dict[str, Pending] = {}
    infos = meta.decode_paths(text, what)
    for info in infos:
        if info.path in pending:
            raise Corrupt(f"import-oci {src.name}: {info.path} is declared in two layers")
        tmp = stack.enter_context(store.temp_dir())
        item = Pending(info, tmp, os.path.join(tmp.path, "obj"))
        pending[info.path] = declared[info.path.base] = item
    _verify_blob(src, digest, size)
    with src.open_blob(digest) as blob, \
            open_layer(blob, kind, layer_limit(infos), what) as (tar, reader):
        extract(tar, declared, what)
        got = reader.finish()
    if got != diff_id:
        raise HashMismatch(f"import-oci {src.name}: layer {digest}: uncompressed tar hashes "
                           f"to {got}, config's diff_id is {diff_id}")
    for item in declared.values():
        if item.ex is None:
            raise Corrupt(f"import-oci {src.name}: layer {digest}: {item.info.path} is "
                          "declared but not in the layer")


def _verify_blob(src: ImageSource, digest: str, size: int) -> None:
    sha = hashlib.sha256()
    n = 0
    with src.open_blob(digest) as f:
        while chunk := f.read(_CHUNK):
            n += len(chunk)
            if n > size:
                break
            sha.update(chunk)
    _check_blob(src, digest, size, sha.hexdigest(), n)


def _check_references(store: LocalStore, name: str, pending: dict[StorePath, Pending]) -> None:
    missing = [r for p in pending.values() for r in p.info.references
               if r not in pending and not store.is_valid(r)]
    if missing:
        raise MissingReference(f"import-oci {name}: referenced path {missing[0]} is neither "
                               "in the image nor valid in the store")
