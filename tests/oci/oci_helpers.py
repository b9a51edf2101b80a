"""Reading and rewriting image layouts in tests (independently of sx's own reader)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import tarfile
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


def layer_members(layout: str, desc: dict[str, Any]) -> list[tarfile.TarInfo]:
    """The members of a layer, in archive order."""
    with tarfile.open(fileobj=io.BytesIO(layer_tar(layout, desc))) as t:
        return t.getmembers()


def image_files(layout: str) -> dict[str, tuple[str, bytes, bool]]:
    """Every entry of every layer: name -> (kind, content or link target, executable)."""
    out: dict[str, tuple[str, bytes, bool]] = {}
    for desc in image(layout)[1]["layers"]:
        with tarfile.open(fileobj=io.BytesIO(layer_tar(layout, desc))) as t:
            for m in t.getmembers():
                if m.isdir():
                    out[m.name] = ("dir", b"", False)
                elif m.issym():
                    out[m.name] = ("link", m.linkname.encode(), False)
                else:
                    f = t.extractfile(m)
                    assert f is not None
                    out[m.name] = ("file", f.read(), bool(m.mode & 0o100))
    return out


def tree_files(root: str, prefix: str) -> dict[str, tuple[str, bytes, bool]]:
    """The same view of a directory on disk, names under ``prefix``."""
    out: dict[str, tuple[str, bytes, bool]] = {}

    def one(path: str, name: str) -> None:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            out[name] = ("link", os.fsencode(os.readlink(path)), False)
        elif stat.S_ISDIR(st.st_mode):
            out[name] = ("dir", b"", False)
            for child in os.listdir(path):
                one(os.path.join(path, child), f"{name}/{child}")
        else:
            with open(path, "rb") as f:
                out[name] = ("file", f.read(), bool(st.st_mode & 0o100))

    one(root, prefix)
    return out


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


def all_bytes(root: str) -> dict[str, bytes]:
    """Every file under ``root`` (relative name -> bytes), for byte-identity checks."""
    out = {}
    for d, _, files in os.walk(root):
        for name in files:
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = f.read()
    return out
