"""``sx import-oci`` of images an attacker made: nothing outside the store, bounded, one line.

Each image starts as a genuine ``sx export-oci`` of one path; its layer is
then replaced by hand-made tar members (every digest fixed up), or its
documents are edited the way the OCI image spec forbids.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_helpers import assert_clean_refusal, one_line
from layout_tools import blob, image, read_json, replace_layer, rewrite_manifest, write_blob
from sx.store.fsutil import remove_tree
from sx_runner import Sx

Member = tuple[tarfile.TarInfo, bytes]


def dir_(name: str) -> Member:
    m = tarfile.TarInfo(name)
    m.type, m.mode = tarfile.DIRTYPE, 0o555
    return m, b""


def file_(name: str, data: bytes, size: int | None = None) -> Member:
    m = tarfile.TarInfo(name)
    m.size, m.mode = len(data) if size is None else size, 0o444
    return m, data


def link(name: str, target: str, hard: bool = False) -> Member:
    m = tarfile.TarInfo(name)
    m.type, m.linkname = (tarfile.LNKTYPE if hard else tarfile.SYMTYPE), target
    return m, b""


def tar_of(members: list[Member]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as t:
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if m.isreg() else None)
    return out.getvalue()


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, str]:
    """A genuine one-path image (uncompressed) and the path's base name."""
    sx = Sx(str(tmp_path / "origin"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("genuine\n")
    path = sx.ok("store", "add", str(src)).strip()
    sx.ok("export-oci", path, "-o", str(tmp_path / "img"))
    return tmp_path / "img", path.removeprefix("/sx/store/")


def with_layer(img: Path, base: str, entries: list[Member]) -> None:
    """Replace the image's layer by ``sx/``, ``sx/store/``, the path's root and ``entries``."""
    top = [dir_("sx"), dir_("sx/store"), dir_(f"sx/store/{base}")]
    replace_layer(str(img), 0, tar_of(top + entries))


def import_into(tmp_path: Path, img: Path | str) -> tuple[Sx, subprocess.CompletedProcess[str]]:
    victim = Sx(str(tmp_path / "victim"))
    return victim, victim("import-oci", str(img))


# ---- nothing outside the store ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["{outside}", "../../../../../../../../..{outside}"])
def test_a_symlink_in_a_layer_is_never_followed(tmp_path: Path, made: tuple[Path, str],
                                                target: str) -> None:
    img, base = made
    outside = tmp_path / "outside"
    (outside / "etc").mkdir(parents=True)
    evil = target.format(outside=outside)
    with_layer(img, base, [link(f"sx/store/{base}/evil", evil),
                           dir_(f"sx/store/{base}/evil/etc/cron.d"),
                           file_(f"sx/store/{base}/evil/etc/cron.d/x", b"* * * * * root boom\n")])
    victim, r = import_into(tmp_path, img)
    line = assert_clean_refusal(r, victim.root, "import-oci")
    assert "not a directory (a symlink or a file)" in line
    assert os.listdir(outside) == ["etc"] and os.listdir(outside / "etc") == []


def test_hard_links_and_devices_are_refused(tmp_path: Path, made: tuple[Path, str]) -> None:
    img, base = made
    dev = tarfile.TarInfo(f"sx/store/{base}/null")
    dev.type, dev.devmajor, dev.devminor = tarfile.CHRTYPE, 1, 3
    for member in (link(f"sx/store/{base}/shadow", "/etc/shadow", hard=True), (dev, b"")):
        with_layer(img, base, [file_(f"sx/store/{base}/f", b"genuine\n"), member])
        victim, r = import_into(tmp_path, img)
        assert "unsupported entry type" in assert_clean_refusal(r, victim.root, "import-oci")
        remove_tree(victim.root)


@pytest.mark.parametrize(("name", "why"), [
    ("n" * 256, "invalid entry name"),
    ("/".join(["n" * 255] * 15 + ["x"]), "path of 3841 bytes is longer than 3840"),
    ("/".join(["d"] * 1500), "deeper than 1024 levels"),
])
def test_names_beyond_the_limits(tmp_path: Path, made: tuple[Path, str], name: str,
                                 why: str) -> None:
    img, base = made
    # The record claims enough bytes for the tar headers of so many entries.
    _edit_manifest(img, lambda m: _declare_size(m, 64 << 20))
    parts = name.split("/")
    dirs = [dir_(f"sx/store/{base}/" + "/".join(parts[:i])) for i in range(1, len(parts))]
    with_layer(img, base, [*dirs, file_(f"sx/store/{base}/{name}", b"x")])
    victim, r = import_into(tmp_path, img)
    assert why in assert_clean_refusal(r, victim.root, "import-oci")
    assert victim("store", "verify").returncode == 0  # the root stays usable


def _declare_size(manifest: dict[str, Any], size: int) -> None:
    ann = manifest["layers"][0]["annotations"]
    records = json.loads(ann["dev.sx.store.paths"])
    records[0]["narSize"] = size
    ann["dev.sx.store.paths"] = json.dumps(records)


# ---- bounded reads ------------------------------------------------------------------------------


def _fsize_limited(victim: Sx, *args: str, limit: int = 16 << 20
                   ) -> subprocess.CompletedProcess[str]:
    """Run sx unable to write any file larger than ``limit`` (RLIMIT_FSIZE)."""
    return subprocess.run(["prlimit", f"--fsize={limit}", *victim.argv(*args)],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "SX_ROOT": victim.root})


def test_a_gzip_bomb_stops_at_the_declared_size(tmp_path: Path, made: tuple[Path, str]) -> None:
    img, base = made
    _, manifest, _ = image(str(img))
    declared = json.loads(manifest["layers"][0]["annotations"]["dev.sx.store.paths"])
    size = declared[0]["narSize"]
    zeros = 256 << 20
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as t:
        for m, _ in [dir_("sx"), dir_("sx/store"), dir_(f"sx/store/{base}")]:
            t.addfile(m)
        m = tarfile.TarInfo(f"sx/store/{base}/f")
        m.size = zeros
        t.addfile(m, _Zeros(zeros))
    bomb = gzip.compress(out.getvalue(), compresslevel=1)
    assert len(bomb) < zeros // 100
    _gzip_layer(img, bomb, out.getvalue())
    victim = Sx(str(tmp_path / "victim"))
    r = _fsize_limited(victim, "import-oci", str(img))
    line = assert_clean_refusal(r, victim.root, "import-oci")
    assert f"{zeros} bytes of contents do not fit the {size} bytes recorded" in line


class _Zeros(io.RawIOBase):
    def __init__(self, n: int) -> None:
        self.left = n

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def _gzip_layer(img: Path, blob_data: bytes, tar: bytes) -> None:
    """Make layer 0 the gzip blob ``blob_data`` whose uncompressed tar is ``tar``."""
    import hashlib

    _, manifest, config = image(str(img))
    desc = manifest["layers"][0]
    desc["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    desc["digest"], desc["size"] = write_blob(str(img), blob_data), len(blob_data)
    config["rootfs"]["diff_ids"][0] = "sha256:" + hashlib.sha256(tar).hexdigest()
    cfg = json.dumps(config).encode()
    manifest["config"]["digest"], manifest["config"]["size"] = write_blob(str(img), cfg), len(cfg)
    rewrite_manifest(str(img), manifest)


@pytest.mark.parametrize("size", [2**62, 2**64, -1, True])
def test_absurd_descriptor_sizes(tmp_path: Path, made: tuple[Path, str], size: Any) -> None:
    img, _ = made
    idx = read_json(str(img / "index.json"))
    idx["manifests"][0]["size"] = size
    (img / "index.json").write_text(json.dumps(idx))
    victim, r = import_into(tmp_path, img)
    line = assert_clean_refusal(r, victim.root, "import-oci")
    assert "malformed descriptor" in line or "larger than" in line


def test_an_archive_cut_inside_a_member(tmp_path: Path, made: tuple[Path, str]) -> None:
    img, _ = made
    archive = tmp_path / "img.tar"
    with tarfile.open(archive, "w") as t:
        t.add(img, arcname=".")
    data = archive.read_bytes()
    for cut in (len(data) // 2, len(data) - 3000):
        (tmp_path / "cut.tar").write_bytes(data[:cut])
        victim, r = import_into(tmp_path, tmp_path / "cut.tar")
        assert_clean_refusal(r, victim.root, "import-oci")
        remove_tree(victim.root)


# ---- what the image spec forbids ----------------------------------------------------------------


def _edit_json(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    value = read_json(str(path))
    edit(value)
    path.write_text(json.dumps(value))


def _edit_manifest(img: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    _, manifest, _ = image(str(img))
    edit(manifest)
    rewrite_manifest(str(img), manifest)


SPEC_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "layout version 9.9.9": (lambda img: _edit_json(
        img / "oci-layout", lambda v: v.update(imageLayoutVersion="9.9.9")), "is not 1.x"),
    "no oci-layout": (lambda img: os.unlink(img / "oci-layout"), "oci-layout is missing"),
    "index schemaVersion 1": (lambda img: _edit_json(
        img / "index.json", lambda v: v.update(schemaVersion=1)), "schemaVersion 1 is not 2"),
    "manifest schemaVersion 1": (lambda img: _edit_manifest(
        img, lambda m: m.update(schemaVersion=1)), "schemaVersion 1 is not 2"),
    "manifest of another type": (lambda img: _edit_manifest(
        img, lambda m: m.update(mediaType="application/vnd.oci.image.index.v1+json")),
        "expected application/vnd.oci.image.manifest.v1+json"),
    "manifest descriptor without mediaType": (lambda img: _edit_json(
        img / "index.json", lambda v: v["manifests"][0].pop("mediaType")), "has no mediaType"),
    "layer descriptor without mediaType": (lambda img: _edit_manifest(
        img, lambda m: m["layers"][0].pop("mediaType")), "has no mediaType"),
    "config of another type": (lambda img: _edit_manifest(
        img, lambda m: m["config"].update(mediaType="application/json")),
        "expected application/vnd.oci.image.config.v1+json"),
}


@pytest.mark.parametrize("case", sorted(SPEC_CASES))
def test_what_the_image_spec_forbids(tmp_path: Path, made: tuple[Path, str], case: str) -> None:
    img, _ = made
    edit, why = SPEC_CASES[case]
    edit(img)
    victim, r = import_into(tmp_path, img)
    assert why in assert_clean_refusal(r, victim.root, "import-oci")


def test_a_manifest_without_its_optional_media_type_is_accepted(
        tmp_path: Path, made: tuple[Path, str]) -> None:
    img, base = made
    _edit_manifest(img, lambda m: m.pop("mediaType"))
    _, r = import_into(tmp_path, img)
    assert r.returncode == 0 and r.stdout.strip() == f"/sx/store/{base}", r.stderr


def test_an_image_without_the_layers_it_claims(tmp_path: Path, made: tuple[Path, str]) -> None:
    img, base = made
    _, manifest, config = image(str(img))
    manifest["layers"] = []
    config["rootfs"]["diff_ids"] = []
    cfg = json.dumps(config).encode()
    manifest["config"]["digest"], manifest["config"]["size"] = write_blob(str(img), cfg), len(cfg)
    rewrite_manifest(str(img), manifest)
    victim, r = import_into(tmp_path, img)
    line = assert_clean_refusal(r, victim.root, "import-oci")
    assert f"claims root /sx/store/{base}, but no layer holds it" in line


def test_a_blob_symlinked_to_a_host_file_is_not_read(tmp_path: Path,
                                                     made: tuple[Path, str]) -> None:
    img, _ = made
    secret = tmp_path / "secret"
    secret.write_text("host secret\n")
    idx = read_json(str(img / "index.json"))
    manifest_blob = blob(str(img), idx["manifests"][0]["digest"])
    os.unlink(manifest_blob)
    os.symlink(secret, manifest_blob)
    _, r = import_into(tmp_path, img)
    line = one_line(r)
    assert "not a regular file inside the layout" in line and "sha256:" not in line.split(":")[-1]
