"""``sx export-oci``: image structure, metadata, errors, determinism, the layer cap."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from layout_tools import blob, image, layer_tar
from oci_helpers import (
    Closure,
    RunSx,
    all_bytes,
    build_closure,
    image_files,
    layer_members,
    many_paths,
    tree_files,
)
from sx.store.oci.image import export_image, iso_time
from sx.store.oci.layout import CONFIG, LAYER, MANIFEST, REF_NAME
from sx.store.oci.options import ImageOptions


def _export(sx: RunSx, c: Closure, out: Path, *args: str) -> str:
    code, stdout, err = sx(c.store.root, "export-oci", str(c.root), "-o", str(out), *args)
    assert code == 0, err
    return stdout.strip()


def test_layout_index_manifest_and_config(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    out = tmp_path / "img"
    digest = _export(sx, closure, out, "--tag", "v1", "--env", "A=b", "--cmd", "run it",
                     "--entrypoint", '["/bin/x", "-v"]', "--workdir", "/w", "--label", "k=v")
    assert json.loads((out / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    index, manifest, config = image(str(out))
    desc = index["manifests"][0]
    assert desc["digest"] == digest and desc["annotations"] == {REF_NAME: "v1"}
    assert desc["mediaType"] == MANIFEST and manifest["mediaType"] == MANIFEST
    assert manifest["config"]["mediaType"] == CONFIG
    assert config["created"] == "1970-01-01T00:00:01Z" and config["os"] == "linux"
    assert config["config"]["Entrypoint"] == ["/bin/x", "-v"]
    assert config["config"]["Cmd"] == ["run", "it"]
    assert config["config"]["Env"] == ["A=b"] and config["config"]["WorkingDir"] == "/w"
    labels = config["config"]["Labels"]
    assert labels["k"] == "v" and labels["dev.sx.roots"] == str(closure.root)
    assert labels["dev.sx.derivers"] == str(closure.drv)
    layers = manifest["layers"]
    assert [d["digest"] for d in layers] == config["rootfs"]["diff_ids"]
    assert len(config["history"]) == len(layers) == 3  # root, app, lib: one layer each
    for d in layers:
        assert d["mediaType"] == LAYER
        data = (Path(blob(str(out), d["digest"]))).read_bytes()
        assert len(data) == d["size"]
        assert "sha256:" + hashlib.sha256(data).hexdigest() == d["digest"]


def test_layers_carry_blake3_hashes_and_path_infos(sx: RunSx, closure: Closure,
                                                   tmp_path: Path) -> None:
    _export(sx, closure, tmp_path / "img")
    _, manifest, _ = image(str(tmp_path / "img"))
    seen = {}
    for d in manifest["layers"]:
        for rec in json.loads(d["annotations"]["dev.sx.store.paths"]):
            seen[rec["path"]] = rec
    for p in (closure.lib, closure.app, closure.root):
        info = closure.store.require(p)
        rec = seen[str(p)]
        assert rec["narHash"] == str(info.nar_hash) and rec["narHash"].startswith("b3:")
        assert rec["narSize"] == info.nar_size and rec["ca"] == info.ca
        assert rec["references"] == [str(r) for r in info.references]
    assert seen[str(closure.root)]["deriver"] == str(closure.drv)
    # The most referenced path comes first.
    assert manifest["layers"][0]["annotations"]["dev.sx.store.paths"].count(str(closure.lib)) == 1
    assert json.loads(manifest["layers"][0]["annotations"]["dev.sx.store.paths"])[0]["path"] \
        == str(closure.lib)


def test_layer_tar_is_normalized(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    _export(sx, closure, tmp_path / "img")
    _, manifest, _ = image(str(tmp_path / "img"))
    for d in manifest["layers"]:
        members = layer_members(str(tmp_path / "img"), d)
        assert [m.name for m in members[:2]] == ["sx", "sx/store"]
        for m in members:
            assert (m.uid, m.gid, m.uname, m.gname, m.mtime) == (0, 0, "", "", 1)
            assert m.mode in (0o444, 0o555, 0o777, 0o755)
            assert not m.name.startswith(("/", "./")) and ".." not in m.name.split("/")


def test_image_holds_the_closure_file_by_file(sx: RunSx, closure: Closure,
                                              tmp_path: Path) -> None:
    _export(sx, closure, tmp_path / "img")
    files = image_files(str(tmp_path / "img"))
    want: dict[str, tuple[str, bytes, bool]] = {}
    for p in closure.store.closure([closure.root]):
        want.update(tree_files(closure.store.real_path(p), f"sx/store/{p.base}"))
    got = {k: v for k, v in files.items() if k not in ("sx", "sx/store")}
    assert got == want


def test_out_links_and_physical_paths_are_accepted(sx: RunSx, closure: Closure,
                                                   tmp_path: Path) -> None:
    (tmp_path / "result").symlink_to(closure.store.real_path(closure.root))
    code, _, err = sx(closure.store.root, "export-oci", str(tmp_path / "result"),
                        closure.store.real_path(closure.app), "-o", str(tmp_path / "img"))
    assert code == 0, err
    labels = image(str(tmp_path / "img"))[2]["config"]["Labels"]
    assert labels["dev.sx.roots"] == " ".join(sorted([str(closure.root), str(closure.app)]))


def test_links_point_into_the_store(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    _export(sx, closure, tmp_path / "img", "--link", f"/usr/bin/tool={closure.lib}/tool.sh",
            "--link", f"/lib={closure.store.real_path(closure.lib)}/lib")
    files = image_files(str(tmp_path / "img"))
    assert files["usr/bin/tool"] == ("link", f"{closure.lib}/tool.sh".encode(), False)
    assert files["lib"] == ("link", f"{closure.lib}/lib".encode(), False)
    assert files["usr"][0] == "dir"


def test_link_target_joins_the_closure(sx: RunSx, closure: Closure, busybox: tuple,
                                       tmp_path: Path) -> None:
    bb, _ = busybox
    _export(sx, closure, tmp_path / "img", "--link", f"/bin={bb}/bin")
    assert f"sx/store/{bb.base}/bin/busybox" in image_files(str(tmp_path / "img"))


@pytest.mark.parametrize("compression,magic", [("gzip", b"\x1f\x8b"), ("zstd", b"\x28\xb5")])
def test_compressed_layers(sx: RunSx, closure: Closure, tmp_path: Path, compression: str,
                           magic: bytes) -> None:
    _export(sx, closure, tmp_path / "img", "--compression", compression)
    _, manifest, config = image(str(tmp_path / "img"))
    for d, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"], strict=True):
        assert d["mediaType"] == f"{LAYER}+{compression}"
        data = Path(blob(str(tmp_path / "img"), d["digest"])).read_bytes()
        assert data.startswith(magic) and d["digest"] != diff_id
        assert "sha256:" + hashlib.sha256(layer_tar(str(tmp_path / "img"), d)).hexdigest() \
            == diff_id
        if compression == "gzip":
            assert data[4:8] == b"\0\0\0\0" and data[9] == 255  # mtime 0, OS unknown
            assert gzip.decompress(data)


def test_archive_format(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    digest = _export(sx, closure, tmp_path / "img.tar", "--format", "archive")
    _export(sx, closure, tmp_path / "img")
    import tarfile

    with tarfile.open(tmp_path / "img.tar") as t:
        names = t.getnames()
        assert names[:2] == ["blobs", "blobs/sha256"] and names[-2:] == ["index.json",
                                                                          "oci-layout"]
        assert all(m.mtime == 1 and m.uid == 0 for m in t.getmembers())
        t.extractall(tmp_path / "unpacked", filter="data")
    assert all_bytes(str(tmp_path / "unpacked")) == all_bytes(str(tmp_path / "img"))
    assert image(str(tmp_path / "img"))[0]["manifests"][0]["digest"] == digest


def test_source_date_epoch_sets_created_and_mtimes(sx: RunSx, closure: Closure, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _export(sx, closure, tmp_path / "img")
    _, manifest, config = image(str(tmp_path / "img"))
    assert config["created"] == iso_time(1700000000) == "2023-11-14T22:13:20Z"
    assert {m.mtime for m in layer_members(str(tmp_path / "img"), manifest["layers"][0])} \
        == {1700000000}


# ---- errors -----------------------------------------------------------------------------------


def _fails(sx: RunSx, c: Closure, *args: str, match: str) -> None:
    code, out, err = sx(c.store.root, "export-oci", *args)
    assert code == 1 and out == ""
    assert err.startswith("sx: ") and match in err and err.count("\n") == 1, err


def test_malformed_requests(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    o = str(tmp_path / "img")
    root = str(closure.root)
    missing = root[:-4] + "nope"
    _fails(sx, closure, "no-such-thing", "-o", o, match="'no-such-thing'")
    _fails(sx, closure, "/tmp/x", "-o", o, match="'/tmp/x'")
    _fails(sx, closure, missing, "-o", o, match=f"query {missing}: not a valid path")
    _fails(sx, closure, root, "-o", o, "--tag", "Bad Tag!", match="bad tag 'Bad Tag!'")
    _fails(sx, closure, root, "-o", o, "--tag", "a..b", match="bad tag")
    _fails(sx, closure, root, "-o", o, "--max-layers", "0",
           match="--max-layers must be at least 1, got 0")
    _fails(sx, closure, root, "-o", o, "--env", "NOEQUALS", match="expected KEY=VALUE")
    _fails(sx, closure, root, "-o", o, "--label", "=v", match="expected KEY=VALUE")
    _fails(sx, closure, root, "-o", o, "--label", "dev.sx.roots=x", match="reserved for sx")
    _fails(sx, closure, root, "-o", o, "--workdir", "rel", match="must be absolute")
    _fails(sx, closure, root, "-o", o, "--cmd", "[1, 2]", match="not an array of strings")
    _fails(sx, closure, root, "-o", o, "--link", "bin=" + root, match="not a normalized")
    _fails(sx, closure, root, "-o", o, "--link", f"/sx/x={root}", match="would hide the store")
    _fails(sx, closure, root, "-o", o, "--link", "/bin=/etc", match="not in the store")
    _fails(sx, closure, root, "-o", o, "--link", f"/bin={closure.lib}/nope",
           match=f"{closure.lib}/nope does not exist")
    _fails(sx, closure, root, "-o", str(tmp_path / "no" / "img"), match="does not exist")
    assert sorted(os.listdir(tmp_path)) == ["lib-src", "root"]  # nothing half-written


def test_bad_source_date_epoch(sx: RunSx, closure: Closure, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    _fails(sx, closure, str(closure.root), "-o", str(tmp_path / "i"),
           match="SOURCE_DATE_EPOCH='yesterday'")


def test_existing_output_needs_force(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    out = tmp_path / "img"
    out.mkdir()  # an empty directory may be filled
    _export(sx, closure, out)
    _fails(sx, closure, str(closure.lib), "-o", str(out), match="already exists (use --force")
    before = all_bytes(str(out))
    new = _export(sx, closure, out, "--force", "--tag", "other")
    assert all_bytes(str(out)) != before
    assert image(str(out))[0]["manifests"][0]["digest"] == new
    assert not [n for n in os.listdir(tmp_path) if "sx-tmp" in n]


def test_failure_midway_leaves_nothing(closure: Closure, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import sx.store.oci.image as image_mod

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(image_mod, "write_archive", boom)
    with pytest.raises(OSError):
        export_image(closure.store, [closure.root], ImageOptions(), str(tmp_path / "i.tar"),
                     "archive")
    assert sorted(os.listdir(tmp_path)) == ["lib-src", "root"]


# ---- determinism ------------------------------------------------------------------------------


def _cli_export(root: str, path: str, out: str, umask: int, fmt: str = "dir") -> str:
    env = {**os.environ, "SX_ROOT": root}
    env.pop("SOURCE_DATE_EPOCH", None)
    sx = os.path.join(os.path.dirname(sys.executable), "sx")
    res = subprocess.run([sx, "export-oci", path, "-o", out, "--format", fmt, "--link",
                          f"/etc/app={path}"], env=env, umask=umask, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_same_closure_same_bytes_across_stores_umasks_and_times(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        a = build_closure(str(tmp_path / "store-a"), str(tmp_path / "src-a"))
    finally:
        os.umask(old)
    time.sleep(1.1)  # a different clock, and different registration times
    old = os.umask(0o077)
    try:
        b = build_closure(str(tmp_path / "store-b"), str(tmp_path / "src-b"))
    finally:
        os.umask(old)
    assert a.root == b.root
    assert a.store.require(a.lib).registered != b.store.require(b.lib).registered
    (tmp_path / "x" / "deep").mkdir(parents=True)
    d1 = _cli_export(a.store.root, str(a.root), str(tmp_path / "one"), 0o022)
    d2 = _cli_export(b.store.root, str(b.root), str(tmp_path / "x" / "deep" / "two"), 0o077)
    assert d1 == d2
    assert all_bytes(str(tmp_path / "one")) == all_bytes(str(tmp_path / "x" / "deep" / "two"))
    modes = {os.stat(os.path.join(d, f)).st_mode & 0o777
             for d, _, fs in os.walk(tmp_path / "x" / "deep" / "two") for f in fs}
    assert modes == {0o644}
    _cli_export(a.store.root, str(a.root), str(tmp_path / "one.tar"), 0o022, "archive")
    _cli_export(b.store.root, str(b.root), str(tmp_path / "two.tar"), 0o077, "archive")
    assert (tmp_path / "one.tar").read_bytes() == (tmp_path / "two.tar").read_bytes()


# ---- more paths than layers ------------------------------------------------------------------


def test_more_paths_than_layers_keeps_every_file(sx: RunSx, closure: Closure,
                                                 tmp_path: Path) -> None:
    store = closure.store
    paths = many_paths(store, tmp_path, 30)
    code, _, err = sx(store.root, "export-oci", str(paths[-1]), "-o", str(tmp_path / "img"),
                      "--max-layers", "5")
    assert code == 0, err
    _, manifest, _ = image(str(tmp_path / "img"))
    assert len(manifest["layers"]) == 5
    files = image_files(str(tmp_path / "img"))
    want: dict = {}
    for p in paths:
        want.update(tree_files(store.real_path(p), f"sx/store/{p.base}"))
    assert {k: v for k, v in files.items() if k not in ("sx", "sx/store")} == want
    declared = [json.loads(d["annotations"]["dev.sx.store.paths"]) for d in manifest["layers"]]
    assert [len(d) for d in declared] == [1, 1, 1, 1, 26]
    assert declared[0][0]["path"] == str(paths[0])  # referenced by every other path
