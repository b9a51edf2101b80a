"""Reading and rewriting OCI image layouts independently of sx (for tests that forge images)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from typing import Any

import zstandard


def read_json(path: str) -> Any:
    """Parse a JSON file."""
    with open(path, "rb") as f:
        return json.load(f)


def blob(layout: str, digest: str) -> str:
    """The file of a blob."""
    algo, hexdigest = digest.split(":")
    return os.path.join(layout, "blobs", algo, hexdigest)


def image(layout: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(index, manifest, config) of a single-image layout."""
    index = read_json(os.path.join(layout, "index.json"))
    manifest = read_json(blob(layout, index["manifests"][0]["digest"]))
    config = read_json(blob(layout, manifest["config"]["digest"]))
    return index, manifest, config


def layer_tar(layout: str, desc: dict[str, Any]) -> bytes:
    """The uncompressed tar bytes of a layer."""
    with open(blob(layout, desc["digest"]), "rb") as f:
        data = f.read()
    if desc["mediaType"].endswith("+gzip"):
        return gzip.decompress(data)
    if desc["mediaType"].endswith("+zstd"):
        return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    return data


def write_blob(layout: str, data: bytes) -> str:
    """Store bytes as a blob; returns the digest."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob(layout, digest), "wb") as f:
        f.write(data)
    return digest


def replace_layer(layout: str, index: int, data: bytes, fix_digests: bool = True) -> None:
    """Replace layer ``index``'s blob by ``data`` (uncompressed layers only).

    With ``fix_digests`` the new digest is chained up through the config's
    diff_ids, the manifest and index.json, as a careful forger would; without
    it the new bytes are written under the old digest.
    """
    idx, manifest, config = image(layout)
    old = manifest["layers"][index]
    if not fix_digests:
        path = blob(layout, old["digest"])
        os.chmod(path, 0o644)
        with open(path, "wb") as f:
            f.write(data)
        return
    digest = write_blob(layout, data)
    old["digest"], old["size"] = digest, len(data)
    config["rootfs"]["diff_ids"][index] = digest
    cfg = json.dumps(config).encode()
    manifest["config"]["digest"], manifest["config"]["size"] = write_blob(layout, cfg), len(cfg)
    man = json.dumps(manifest).encode()
    idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = write_blob(layout, man), len(man)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(idx, f)


def rewrite_manifest(layout: str, manifest: dict[str, Any]) -> None:
    """Store a changed manifest and point index.json at it."""
    idx = read_json(os.path.join(layout, "index.json"))
    man = json.dumps(manifest).encode()
    idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = write_blob(layout, man), len(man)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(idx, f)
