"""Independent OCI tools accept what ``sx export-oci`` writes: skopeo, umoci, podman."""

from __future__ import annotations

import json
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from layout_tools import image
from oci_helpers import GREETING, Closure, RunSx, all_bytes, many_paths, tree_files
from sx.store.fsutil import remove_tree
from sx.store.path import StorePath

pytestmark = pytest.mark.oci
TIMEOUT = 120


def _run(*cmd: str) -> str:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert res.returncode == 0, f"{cmd[0]} failed: {res.stderr}"
    return res.stdout


def _export(sx: RunSx, c: Closure, paths: list[StorePath], out: Path, *args: str) -> str:
    code, stdout, err = sx(c.store.root, "export-oci", *map(str, paths), "-o", str(out), *args)
    assert code == 0, err
    return stdout.strip()


def test_skopeo_inspect_and_copy_preserve_the_digest(sx: RunSx, closure: Closure,
                                                     tmp_path: Path) -> None:
    digest = _export(sx, closure, [closure.root], tmp_path / "img", "--tag", "v1")
    info = json.loads(_run("skopeo", "inspect", f"oci:{tmp_path}/img:v1"))
    assert info["Digest"] == digest and info["Os"] == "linux"
    assert info["Labels"]["dev.sx.roots"] == str(closure.root)
    assert len(info["Layers"]) == 3 and info["Created"] == "1970-01-01T00:00:01Z"
    _run("skopeo", "copy", "-q", "--preserve-digests", f"oci:{tmp_path}/img:v1",
         f"oci:{tmp_path}/copy:v1")
    copied = json.loads(_run("skopeo", "inspect", f"oci:{tmp_path}/copy:v1"))
    assert copied["Digest"] == digest
    assert all_bytes(str(tmp_path / "copy"))["blobs/sha256/" + digest[7:]] == \
        all_bytes(str(tmp_path / "img"))["blobs/sha256/" + digest[7:]]


def test_skopeo_reads_the_archive_format(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    digest = _export(sx, closure, [closure.root], tmp_path / "img.tar", "--format", "archive",
                     "--compression", "gzip")
    info = json.loads(_run("skopeo", "inspect", f"oci-archive:{tmp_path}/img.tar"))
    assert info["Digest"] == digest


def test_oci_image_tool_validates(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    for compression in ("none", "gzip"):
        out = tmp_path / compression
        _export(sx, closure, [closure.root], out, "--compression", compression, "--tag", "t")
        assert "Validation succeeded" in _run(
            "oci-image-tool", "validate", "--type", "image", "--ref", "name=t", str(out))


def _unpacked(bundle: Path) -> dict[str, tuple[str, bytes, bool]]:
    rootfs = bundle / "rootfs"
    return {k: v for k, v in tree_files(str(rootfs), ".").items()
            if k not in (".", "./sx", "./sx/store")}


def _closure_view(c: Closure, paths: list[StorePath]) -> dict[str, tuple[str, bytes, bool]]:
    want: dict[str, tuple[str, bytes, bool]] = {}
    for p in sorted(c.store.closure(paths)):
        want.update(tree_files(c.store.real_path(p), f"./sx/store/{p.base}"))
    return want


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_umoci_unpack_gives_the_closure_file_by_file(sx: RunSx, closure: Closure,
                                                     tmp_path: Path, compression: str) -> None:
    _export(sx, closure, [closure.root], tmp_path / "img", "--compression", compression,
            "--link", f"/bin/tool={closure.lib}/tool.sh")
    _run("umoci", "unpack", "--image", f"{tmp_path}/img:latest", str(tmp_path / "bundle"))
    got = _unpacked(tmp_path / "bundle")
    assert got.pop("./bin/tool") == ("link", f"{closure.lib}/tool.sh".encode(), False)
    assert got.pop("./bin")[0] == "dir"
    assert got == _closure_view(closure, [closure.root])


def test_umoci_sees_every_file_when_paths_exceed_the_layer_cap(sx: RunSx, closure: Closure,
                                                               tmp_path: Path) -> None:
    paths = many_paths(closure.store, tmp_path, 12)
    _export(sx, closure, [paths[-1], closure.root], tmp_path / "img", "--max-layers", "4")
    assert len(image(str(tmp_path / "img"))[1]["layers"]) == 4
    _run("umoci", "unpack", "--image", f"{tmp_path}/img:latest", str(tmp_path / "bundle"))
    assert _unpacked(tmp_path / "bundle") == _closure_view(closure, [paths[-1], closure.root])


@pytest.fixture
def podman(tmp_path: Path) -> Iterator[list[str]]:
    """podman with all its state in temp dirs (runc: crun fails on this kernel's cgroups)."""
    state = tmp_path / "podman"
    run = tempfile.mkdtemp(prefix="sxp-")  # podman wants a runroot of at most 50 characters
    try:
        yield ["podman", "--root", str(state / "root"), "--runroot", run,
               "--tmpdir", str(state / "tmp"), "--storage-driver", "vfs",
               "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
    finally:
        remove_tree(run)


def _podman_run(podman: list[str], image_id: str) -> str:
    # Root lacks CAP_SYS_RESOURCE here, so podman's default rlimits cannot be applied.
    return _run(*podman, "run", "--rm", "--runtime", "runc", "--network", "none",
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", image_id)


def test_podman_loads_and_runs_a_static_binary(sx: RunSx, closure: Closure, busybox: tuple,
                                               podman: list[str],
                                               request: pytest.FixtureRequest) -> None:
    bb, greeting = busybox
    # podman names the image after its whole path, which must be a valid reference: lower
    # case, and no component ending in "_" (pytest's temp dirs and Python's temp names can
    # break either rule), so the name is hex.
    base = Path(tempfile.gettempdir()) / f"sx-podman-{secrets.token_hex(8)}"
    base.mkdir(mode=0o700)
    request.addfinalizer(lambda: remove_tree(str(base)))
    out = base / "image"
    _export(sx, closure, [bb, greeting], out, "--entrypoint", f"{bb}/bin/busybox",
            "--cmd", f"cat {greeting}/greeting", "--link", f"/bin={bb}/bin")
    config_digest = image(str(out))[1]["config"]["digest"]
    assert "Loaded image" in _run(*podman, "load", "-i", str(out))
    ids = _run(*podman, "images", "--no-trunc", "--format", "{{.ID}}").split()
    assert config_digest in ids or config_digest[7:] in ids
    assert _podman_run(podman, config_digest[7:]) == GREETING


def test_podman_loads_an_archive(sx: RunSx, closure: Closure, busybox: tuple, tmp_path: Path,
                                 podman: list[str]) -> None:
    bb, _ = busybox
    out = tmp_path / "img.tar"
    _export(sx, closure, [bb], out, "--format", "archive", "--compression", "zstd",
            "--entrypoint", f"{bb}/bin/busybox", "--cmd", "echo archived")
    _run(*podman, "load", "-i", str(out))
    ids = _run(*podman, "images", "--no-trunc", "--format", "{{.ID}}").split()
    assert len(ids) == 1
    assert _podman_run(podman, ids[0].removeprefix("sha256:")) == "archived\n"
