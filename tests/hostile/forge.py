"""What a forger does to the formats sx imports, written without sx's own readers.

Each helper edits one file's bytes in a valid export stream, cache or image
and then fixes every hash and size that covers them (as a careful forger
would), so only the store's own checks of the contents stand in the way. The
``ca`` field is then kept, set to null, or set to the forged archive's hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import tarfile
from typing import Any

import blake3
import msgpack
import zstandard
from layout_tools import image, layer_tar, read_json, replace_layer

CA_MODES = ("kept", "null", "forged")


def b3(data: bytes) -> str:
    """``b3:<hex>`` of ``data``."""
    return "b3:" + blake3.blake3(data).hexdigest()


def _ca(mode: str, old: str | None, new_nar: bytes) -> str | None:
    if mode == "kept":
        return old
    if mode == "null":
        return None
    kind = (old or "source:").split(":", 1)[0]
    return f"{kind}:{b3(new_nar)}"


def swap(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with its one occurrence of ``old`` replaced (same length: the format holds)."""
    assert len(old) == len(new) and data.count(old) == 1, (old, data.count(old))
    return data.replace(old, new)


# ---- export streams -------------------------------------------------------------------------


def split_stream(data: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """The (header, archive) entries of an export stream."""
    assert data.startswith(b"sx-export-1\n")
    pos = len(b"sx-export-1\n")
    out = []
    while data[pos] == 1:
        (n,) = struct.unpack("<I", data[pos + 1:pos + 5])
        header = msgpack.unpackb(data[pos + 5:pos + 5 + n])
        start = pos + 5 + n
        out.append((header, data[start:start + header["size"]]))
        pos = start + header["size"]
    assert data[pos:] == b"\0"
    return out


def canonical(value: Any) -> bytes:
    """Canonical msgpack (sorted keys, the smallest forms), as sx requires of records."""
    def sort(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: sort(v[k]) for k in sorted(v)}
        if isinstance(v, list):
            return [sort(x) for x in v]
        return v
    return msgpack.packb(sort(value), use_bin_type=True)  # type: ignore[no-any-return]


def join_stream(entries: list[tuple[Any, bytes]]) -> bytes:
    """An export stream of (header, archive) entries (maps canonical, other values as given)."""
    out = [b"sx-export-1\n"]
    for header, nar in entries:
        packed = canonical(header)
        out += [struct.pack("<BI", 1, len(packed)), packed, nar]
    out.append(b"\0")
    return b"".join(out)


def forge_stream(data: bytes, old: bytes, new: bytes, ca_mode: str) -> bytes:
    """The export stream with ``old`` swapped for ``new`` in the archive that holds it."""
    entries = []
    for header, nar in split_stream(data):
        if old in nar:
            nar = swap(nar, old, new)
            header = {**header, "nar": b3(nar), "size": len(nar),
                      "ca": _ca(ca_mode, header.get("ca"), nar)}
        entries.append((header, nar))
    return join_stream(entries)


# ---- file caches ----------------------------------------------------------------------------


def forge_cache(cache: str, digest: str, old: bytes, new: bytes, ca_mode: str,
                sign: Any = None) -> None:
    """Swap bytes in the archive of the path ``digest`` in the file cache ``cache``.

    The record gets the new archive's hash and size and the new compressed
    file's hash and size; ``sign(fingerprint) -> str`` (a trusted key the
    forger holds) re-signs it.
    """
    info_file = os.path.join(cache, "info", digest)
    with open(info_file, "rb") as f:
        rec = msgpack.unpackb(f.read())
    with open(os.path.join(cache, "nar", rec["file"]["hash"][3:] + ".nar.zst"), "rb") as f:
        nar = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(f.read())).read()
    nar = swap(nar, old, new)
    packed = zstandard.ZstdCompressor(level=3).compress(nar)
    with open(os.path.join(cache, "nar", blake3.blake3(packed).hexdigest() + ".nar.zst"),
              "wb") as f:
        f.write(packed)
    rec.update(nar=b3(nar), size=len(nar), ca=_ca(ca_mode, rec.get("ca"), nar),
               file={"hash": b3(packed), "size": len(packed), "compression": "zstd"})
    if sign is not None:
        refs = ",".join(f"/sx/store/{r}" for r in sorted(rec["refs"]))
        fp = f"sx-path-info-1;/sx/store/{rec['path']};{rec['nar']};{rec['size']};{refs}"
        rec["sigs"] = [sign(fp.encode())]
    os.chmod(info_file, 0o644)
    with open(info_file, "wb") as f:
        f.write(canonical(rec))


# ---- image layouts --------------------------------------------------------------------------


def forge_image(layout: str, old: bytes, new: bytes, ca_mode: str) -> None:
    """Swap bytes in a file of an (uncompressed) layer and fix the record and every digest.

    The new archive hashes come from :func:`nar_of_layer`, a small archive
    writer of this file.
    """
    _, manifest, _ = image(layout)
    for i, desc in enumerate(manifest["layers"]):
        tar = layer_tar(layout, desc)
        if old not in tar:
            continue
        forged = swap(tar, old, new)
        records = json.loads(desc["annotations"]["dev.sx.store.paths"])
        for rec in records:
            base = rec["path"].removeprefix("/sx/store/")
            nar = nar_of_layer(forged, f"sx/store/{base}")
            if nar != nar_of_layer(tar, f"sx/store/{base}"):
                rec.update(narHash=b3(nar), narSize=len(nar),
                           ca=_ca(ca_mode, rec.get("ca"), nar))
        desc["annotations"]["dev.sx.store.paths"] = json.dumps(records)
        _save_manifest(layout, manifest)
        replace_layer(layout, i, forged)
        return
    raise AssertionError(f"{old!r} is in no layer")


def _save_manifest(layout: str, manifest: dict[str, Any]) -> None:
    idx = read_json(os.path.join(layout, "index.json"))
    data = json.dumps(manifest).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest[7:]), "wb") as f:
        f.write(data)
    idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = digest, len(data)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(idx, f)


def _s(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data + b"\0" * (-len(data) % 8)


def nar_of_layer(tar: bytes, top: str) -> bytes:
    """The archive (NAR) of the tree ``top`` inside a layer tar, built from the members."""
    nodes: dict[str, tarfile.TarInfo] = {}
    data: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        for m in t.getmembers():
            if m.name == top or m.name.startswith(top + "/"):
                nodes[m.name] = m
                if m.isreg():
                    f = t.extractfile(m)
                    assert f is not None
                    data[m.name] = f.read()

    def node(name: str) -> bytes:
        m = nodes[name]
        if m.issym():
            return _s(b"(") + _s(b"type") + _s(b"symlink") + _s(b"target") + \
                _s(m.linkname.encode()) + _s(b")")
        if m.isreg():
            ex = _s(b"executable") + _s(b"") if m.mode & 0o100 else b""
            return _s(b"(") + _s(b"type") + _s(b"regular") + ex + _s(b"contents") + \
                _s(data[name]) + _s(b")")
        children = sorted(n[len(name) + 1:] for n in nodes
                          if n.startswith(name + "/") and "/" not in n[len(name) + 1:])
        body = b"".join(_s(b"entry") + _s(b"(") + _s(b"name") + _s(c.encode()) + _s(b"node")
                        + node(f"{name}/{c}") + _s(b")") for c in sorted(
                            children, key=lambda c: c.encode()))
        return _s(b"(") + _s(b"type") + _s(b"directory") + body + _s(b")")

    return _s(b"nix-archive-1") + node(top)
