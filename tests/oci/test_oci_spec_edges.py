"""``sx export-oci`` at the edges of the image spec, both ways, checked with real tools.

Accepted: every ``org.opencontainers.image.ref.name`` the spec's grammar
allows (``bar:1``, ``repo/name:1.0``), every GOARCH architecture, any epoch
a ustar header holds. Refused with one line, writing nothing: the rest.
Stopped by SIGTERM or SIGINT, an export leaves no temp dir and the old
image untouched. Which consumers read ``tar+zstd`` layers is tested here as
docs/oci.md states it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from oci_helpers import Closure, RunSx, image, layer_members
from sx.store.oci.options import MAX_EPOCH
from sx_runner import Sx

TIMEOUT = 120


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _ok(*cmd: str) -> str:
    r = _run(*cmd)
    assert r.returncode == 0, f"{cmd[0]} failed: {r.stderr}"
    return r.stdout


def _refused(sx: RunSx, c: Closure, out: Path, *args: str) -> str:
    code, _, err = sx(c.store.root, "export-oci", str(c.root), "-o", str(out), *args)
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sx: export-oci"), err
    assert not out.exists() and not [p for p in out.parent.iterdir() if ".sx-tmp-" in p.name]
    return lines[0]


@pytest.mark.parametrize("tag", ["bar:1", "repo/name:1.0", "a@b", "a+b", "a--b", "x_y.z-1",
                                 "registry.example:5000/team/app:v2", "A" * 300])
def test_every_ref_name_the_spec_allows_is_accepted(sx: RunSx, closure: Closure,
                                                    tmp_path: Path, tag: str) -> None:
    out = tmp_path / "img"
    code, _, err = sx(closure.store.root, "export-oci", str(closure.root), "-o", str(out),
                      "--tag", tag)
    assert code == 0, err
    index = image(str(out))[0]
    assert index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == tag


@pytest.mark.parametrize("tag", ["", "-a", "a-", "a..b", "a b", "a/", "/a", "a//b", "a:::b",
                                 "a---b", "\u00e9t\u00e9", "a\nb"])
def test_ref_names_the_spec_forbids_are_refused(sx: RunSx, closure: Closure, tmp_path: Path,
                                                tag: str) -> None:
    assert "bad tag" in _refused(sx, closure, tmp_path / "img", f"--tag={tag}")


@pytest.mark.oci
def test_tools_read_an_image_tagged_with_separators(sx: RunSx, closure: Closure,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "img"
    code, digest, err = sx(closure.store.root, "export-oci", str(closure.root), "-o", str(out),
                           "--tag", "bar:1")
    assert code == 0, err
    info = json.loads(_ok("skopeo", "inspect", f"oci:{out}:bar:1"))
    assert info["Digest"] == digest.strip()
    _ok("umoci", "unpack", "--image", f"{out}:bar:1", str(tmp_path / "bundle"))
    assert os.path.lexists(tmp_path / "bundle" / "rootfs" / "sx" / "store" / closure.root.base)
    other = Sx(str(tmp_path / "other"))
    assert str(closure.root) in other.ok("import-oci", f"{out}:bar:1")


@pytest.mark.parametrize("arch,want", [("amd64", "amd64"), ("x86_64", "amd64"),
                                       ("arm64", "arm64"), ("aarch64", "arm64"),
                                       ("riscv64", "riscv64"), ("mips64le", "mips64le")])
def test_architectures_of_the_spec(sx: RunSx, closure: Closure, tmp_path: Path, arch: str,
                                   want: str) -> None:
    out = tmp_path / "img"
    code, _, err = sx(closure.store.root, "export-oci", str(closure.root), "-o", str(out),
                      "--arch", arch)
    assert code == 0, err
    index, _, config = image(str(out))
    assert config["architecture"] == want == index["manifests"][0]["platform"]["architecture"]


@pytest.mark.parametrize("arch", ["x y", "AMD64", "", "amd64 ", "../x", "armv7"])
def test_architectures_outside_the_spec_are_refused(sx: RunSx, closure: Closure,
                                                    tmp_path: Path, arch: str) -> None:
    assert "not an OCI architecture" in _refused(sx, closure, tmp_path / "img", f"--arch={arch}")


@pytest.mark.parametrize("epoch", [str(MAX_EPOCH + 1), str(2**40), "9" * 30, "9" * 5000])
def test_epochs_a_tar_header_cannot_hold_are_refused(closure: Closure, tmp_path: Path,
                                                     epoch: str) -> None:
    out = tmp_path / "img"
    r = Sx(closure.store.root)("export-oci", str(closure.root), "-o", str(out),
                               env={"SOURCE_DATE_EPOCH": epoch})
    assert r.returncode == 1, r.stderr
    (line,) = r.stderr.splitlines()
    assert "later than a tar header can hold (at most 8589934591" in line
    assert not out.exists()


@pytest.mark.parametrize("epoch", ["-1", "+5", " 5", "5.0", "\u0663"])
def test_malformed_epochs_are_refused(closure: Closure, tmp_path: Path, epoch: str) -> None:
    r = Sx(closure.store.root)("export-oci", str(closure.root), "-o", str(tmp_path / "i"),
                               env={"SOURCE_DATE_EPOCH": epoch})
    assert r.returncode == 1 and "not a non-negative integer" in r.stderr, r.stderr


@pytest.mark.oci
def test_the_latest_epoch_is_written_correctly(closure: Closure, tmp_path: Path) -> None:
    out = tmp_path / "img.tar"
    r = Sx(closure.store.root)("export-oci", str(closure.root), "-o", str(out), "--format",
                               "archive", env={"SOURCE_DATE_EPOCH": str(MAX_EPOCH)})
    assert r.returncode == 0, r.stderr
    with tarfile.open(out) as t:  # the oci-archive, read by Python's tar reader
        assert {m.mtime for m in t.getmembers()} == {MAX_EPOCH}
        t.extractall(tmp_path / "layout", filter="data")
    for desc in image(str(tmp_path / "layout"))[1]["layers"]:
        assert {m.mtime for m in layer_members(str(tmp_path / "layout"), desc)} == {MAX_EPOCH}
    listing = _ok("tar", "--utc", "-tvf", str(out))  # and by GNU tar
    assert all(" 2242-03-16 12:56 " in line for line in listing.splitlines())
    info = json.loads(_ok("skopeo", "inspect", f"oci-archive:{out}"))
    assert info["Created"] == "2242-03-16T12:56:31Z"


def _big_closure(closure: Closure, tmp_path: Path) -> str:
    """A path of 96 MiB of random bytes: gzip needs a few seconds for it."""
    src = tmp_path / "big"
    src.mkdir()
    with open(src / "blob", "wb") as f:
        for _ in range(96):
            f.write(os.urandom(1 << 20))
    return str(closure.store.add_tree(str(src), "big").path)


def _early_in_layer(tmp_path: Path) -> bool:
    for tmp in tmp_path.glob(".img.sx-tmp-*/layout/blobs/sha256/.tmp-*"):
        try:
            if 1 << 20 < tmp.stat().st_size < 24 << 20:  # the layer, not a JSON blob
                return True
        except FileNotFoundError:
            pass
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_export_leaves_nothing_and_keeps_the_old_image(
        closure: Closure, tmp_path: Path, sig: signal.Signals) -> None:
    big = _big_closure(closure, tmp_path)
    sx = Sx(closure.store.root)
    out = tmp_path / "img"
    sx.ok("export-oci", str(closure.root), "-o", str(out))
    before = sorted(p.name for p in (out / "blobs" / "sha256").iterdir())
    proc = subprocess.Popen(sx.argv("export-oci", big, "-o", str(out), "--force",
                                    "--compression", "gzip"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    # Signal early in the big layer (most of its 96 MiB still to write), so
    # that the export cannot finish before the signal arrives, even on a
    # loaded machine.
    while not _early_in_layer(tmp_path):
        assert proc.poll() is None and time.monotonic() < deadline, "the export never started"
        time.sleep(0.01)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "sx: interrupted"
    assert [p.name for p in tmp_path.iterdir() if ".sx-tmp-" in p.name] == []
    assert sorted(p.name for p in (out / "blobs" / "sha256").iterdir()) == before


@pytest.mark.oci
def test_who_reads_zstd_layers(sx: RunSx, closure: Closure, tmp_path: Path) -> None:
    """docs/oci.md: skopeo and podman read tar+zstd; umoci 0.4.7 and oci-image-tool rc1 do not."""
    out = tmp_path / "img"
    code, digest, err = sx(closure.store.root, "export-oci", str(closure.root), "-o", str(out),
                           "--compression", "zstd", "--tag", "z")
    assert code == 0, err
    assert json.loads(_ok("skopeo", "inspect", f"oci:{out}:z"))["Digest"] == digest.strip()
    _ok("skopeo", "copy", "-q", f"oci:{out}:z", f"dir:{tmp_path / 'copied'}")
    umoci = _run("umoci", "unpack", "--image", f"{out}:z", str(tmp_path / "bundle"))
    assert umoci.returncode != 0 and "zstd" in umoci.stderr, umoci.stderr
    tool = _run("oci-image-tool", "validate", "--type", "image", "--ref", "name=z", str(out))
    assert tool.returncode != 0 or "Validation succeeded" not in tool.stdout


@pytest.mark.parametrize("entry", ["A=b", "a.b-c=1", "LC ALL=x", "EMPTY="])
def test_env_entries_the_spec_allows(sx: RunSx, closure: Closure, tmp_path: Path,
                                     entry: str) -> None:
    out = tmp_path / "img"
    code, _, err = sx(closure.store.root, "export-oci", str(closure.root), "-o", str(out),
                      "--env", entry)
    assert code == 0, err
    assert image(str(out))[2]["config"]["Env"] == [entry]


@pytest.mark.parametrize("entry", ["NOEQUALS", "=value", ""])
def test_env_entries_without_a_name_are_refused(sx: RunSx, closure: Closure, tmp_path: Path,
                                                entry: str) -> None:
    assert "expected KEY=VALUE" in _refused(sx, closure, tmp_path / "img", f"--env={entry}")
