"""``sx import-oci``: round trips, and every tampering caught with nothing registered."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from layout_tools import image, layer_tar, replace_layer, rewrite_manifest
from oci_helpers import Closure, RunSx
from sx.store.errors import Corrupt, HashMismatch, InvalidInput, MissingReference
from sx.store.local import LocalStore
from sx.store.oci.image import export_image
from sx.store.oci.importer import import_image
from sx.store.oci.layers import Link
from sx.store.oci.options import ImageOptions


def _export(c: Closure, out: Path, **kw: object) -> str:
    fmt = str(kw.pop("fmt", "dir"))
    return export_image(c.store, [c.root], ImageOptions(**kw), str(out), fmt).digest  # type: ignore[arg-type]


def _fresh(tmp_path: Path) -> LocalStore:
    return LocalStore(str(tmp_path / "fresh"))


def _same_infos(a: LocalStore, b: LocalStore, c: Closure) -> None:
    for p in a.closure([c.root]):
        x, y = a.require(p), b.require(p)
        assert (x.nar_hash, x.nar_size, x.references, x.deriver, x.ca) == \
            (y.nar_hash, y.nar_size, y.references, y.deriver, y.ca)


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_round_trip(closure: Closure, tmp_path: Path, compression: str) -> None:
    link = Link("/bin/tool", closure.lib, "tool.sh")  # lands in the merged layer, not the store
    _export(closure, tmp_path / "img", compression=compression, max_layers=2, links=(link,))
    fresh = _fresh(tmp_path)
    infos = import_image(fresh, str(tmp_path / "img"))
    assert {i.path for i in infos} == closure.store.closure([closure.root])
    _same_infos(closure.store, fresh, closure)
    assert fresh.verify(check_contents=True) == []
    # Importing again changes nothing.
    assert {i.path for i in import_image(fresh, str(tmp_path / "img"))} == {i.path for i in infos}


def test_archive_with_tag_via_cli(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img.tar", fmt="archive", tag="v2", links=())
    fresh = str(tmp_path / "fresh")
    code, out, err = sx(fresh, "import-oci", f"{tmp_path}/img.tar:v2")
    assert code == 0, err
    assert sorted(out.split()) == sorted(str(p) for p in closure.store.closure([closure.root]))
    code, _, err = sx(fresh, "import-oci", f"{tmp_path}/img.tar:v3")
    assert code == 1 and "no image tagged 'v3'" in err


def _nothing_registered(store: LocalStore) -> None:
    assert store.all_paths() == []
    assert os.listdir(store.store_dir) == []
    assert [n for n in os.listdir(store.tmp)] == []


def _tamper(layout: Path, fix_digests: bool) -> None:
    """Flip one byte of a file's contents in the first layer (the tar stays well formed)."""
    _, manifest, _ = image(str(layout))
    data = bytearray(layer_tar(str(layout), manifest["layers"][0]))
    pos = data.index(b"a path longer than a ustar name field")
    data[pos] ^= 0x20
    replace_layer(str(layout), 0, bytes(data), fix_digests)


def test_tampered_layer_with_fixed_digests_is_caught_by_blake3(sx: RunSx, closure: Closure,
                                                                tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    _tamper(tmp_path / "img", fix_digests=True)
    fresh = _fresh(tmp_path)
    with pytest.raises(HashMismatch, match=rf"{closure.lib}: archive hash b3:\w+, record says b3:"):
        import_image(fresh, str(tmp_path / "img"))
    _nothing_registered(fresh)
    code, _, err = sx(fresh.root, "import-oci", str(tmp_path / "img"))
    assert code == 1 and "archive hash" in err and err.count("\n") == 1


def test_tampered_layer_fails_its_sha256(closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    _tamper(tmp_path / "img", fix_digests=False)
    fresh = _fresh(tmp_path)
    with pytest.raises(HashMismatch, match=r"blob sha256:\w+ hashes to sha256:"):
        import_image(fresh, str(tmp_path / "img"))
    _nothing_registered(fresh)


def test_truncated_layer_is_refused(closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    _, manifest, _ = image(str(tmp_path / "img"))
    data = layer_tar(str(tmp_path / "img"), manifest["layers"][0])
    replace_layer(str(tmp_path / "img"), 0, data[: len(data) // 2], fix_digests=True)
    fresh = _fresh(tmp_path)
    with pytest.raises(Corrupt, match=r"unreadable|declared but not in the layer"):
        import_image(fresh, str(tmp_path / "img"))
    _nothing_registered(fresh)


def _edit_paths(layout: Path, layer: int, edit: object) -> None:
    _, manifest, _ = image(str(layout))
    ann = manifest["layers"][layer]["annotations"]
    records = json.loads(ann["dev.sx.store.paths"])
    edit(records)  # type: ignore[operator]
    ann["dev.sx.store.paths"] = json.dumps(records)
    rewrite_manifest(str(layout), manifest)


def test_reference_outside_image_and_store_is_refused(closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    ghost = str(closure.lib)[:-3] + "ghost"
    _edit_paths(tmp_path / "img", 0, lambda r: r[0]["references"].append(ghost))
    fresh = _fresh(tmp_path)
    with pytest.raises(MissingReference, match="neither in the image nor valid"):
        import_image(fresh, str(tmp_path / "img"))
    _nothing_registered(fresh)


def test_forged_content_address_is_refused(closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    # The lib layer claims no references and a different name's worth of hash: the
    # source path no longer follows from its content.
    _edit_paths(tmp_path / "img", 0, lambda r: r[0].update(ca="source:b3:" + "0" * 64))
    with pytest.raises(HashMismatch, match=r"content address b3:0+, archive hash"):
        import_image(_fresh(tmp_path), str(tmp_path / "img"))


def test_wrong_recorded_size_is_refused(closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    _edit_paths(tmp_path / "img", 0, lambda r: r[0].update(narSize=r[0]["narSize"] + 8))
    with pytest.raises(Corrupt, match="recorded"):
        import_image(_fresh(tmp_path), str(tmp_path / "img"))


def test_image_not_made_by_sx(closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    _, manifest, _ = image(str(tmp_path / "img"))
    for layer in manifest["layers"]:
        del layer["annotations"]
    rewrite_manifest(str(tmp_path / "img"), manifest)
    with pytest.raises(InvalidInput, match="not an image made by sx export-oci"):
        import_image(_fresh(tmp_path), str(tmp_path / "img"))


def test_undeclared_path_in_layer_is_refused(closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    _edit_paths(tmp_path / "img", 0, lambda r: r.clear())
    with pytest.raises(Corrupt, match="belongs to no declared path"):
        import_image(_fresh(tmp_path), str(tmp_path / "img"))


def _layer_with(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("name,kind,match", [
    ("sx/store/{base}/../../../etc/x", tarfile.REGTYPE, "unsafe entry name"),
    ("/sx/store/{base}", tarfile.DIRTYPE, "unsafe entry name"),
    ("sx/store/{base}/dev", tarfile.CHRTYPE, "unsupported entry type"),
    ("sx/store/{base}/hard", tarfile.LNKTYPE, "unsupported entry type"),
    ("sx/store/{base}/a/b", tarfile.REGTYPE, "comes before its directory"),
])
def test_hostile_tar_entries_are_refused(closure: Closure, tmp_path: Path, name: str,
                                         kind: bytes, match: str) -> None:
    _export(closure, tmp_path / "img")
    _, manifest, _ = image(str(tmp_path / "img"))
    base = json.loads(manifest["layers"][0]["annotations"]["dev.sx.store.paths"])[0]["path"][10:]
    root = tarfile.TarInfo(f"sx/store/{base}")
    root.type = tarfile.DIRTYPE
    bad = tarfile.TarInfo(name.format(base=base))
    bad.type = kind
    bad.linkname = "x" if kind == tarfile.LNKTYPE else ""
    replace_layer(str(tmp_path / "img"), 0, _layer_with([(root, b""), (bad, b"")]))
    fresh = _fresh(tmp_path)
    with pytest.raises(Corrupt, match=match):
        import_image(fresh, str(tmp_path / "img"))
    _nothing_registered(fresh)
    assert not os.path.exists(tmp_path / "etc")


def test_missing_blob_and_bad_location(closure: Closure, tmp_path: Path) -> None:
    _export(closure, tmp_path / "img")
    _, manifest, _ = image(str(tmp_path / "img"))
    os.unlink(tmp_path / "img" / "blobs" / "sha256" / manifest["layers"][1]["digest"][7:])
    with pytest.raises(Corrupt, match="is missing"):
        import_image(_fresh(tmp_path), str(tmp_path / "img"))
    with pytest.raises(InvalidInput, match="no such directory or file"):
        import_image(_fresh(tmp_path), str(tmp_path / "nothing-here"))
    (tmp_path / "junk.tar").write_bytes(b"not a tar at all" * 100)
    with pytest.raises(Corrupt, match="not an image layout or oci-archive"):
        import_image(_fresh(tmp_path), str(tmp_path / "junk.tar"))


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_undecompressable_layer_is_refused(closure: Closure, tmp_path: Path,
                                           compression: str) -> None:
    _export(closure, tmp_path / "img", compression=compression)
    replace_layer(str(tmp_path / "img"), 0, b"\x1f\x8b\x08\x00garbage" * 50)
    fresh = _fresh(tmp_path)
    with pytest.raises(Corrupt, match="unreadable"):
        import_image(fresh, str(tmp_path / "img"))
    _nothing_registered(fresh)
