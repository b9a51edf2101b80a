"""A full disk is a state sx recovers from: GC and delete free space on a 100% full file system.

The store lives on a small file system of its own (tmpfs with ``size=``, and
ext4 on a loop device, where even a new directory needs a free block),
filled to the last byte by a file outside the store. Commands that must
write fail in one line with exit 3; ``sx gc`` and ``sx store delete`` free
space (they first release ``<root>/var/reserve``).
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_helpers import one_line
from sx_runner import Sx

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a file system needs root")


@pytest.fixture(params=["tmpfs", "ext4"])
def small_fs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if request.param == "tmpfs":
        cmd = ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)]
    else:
        img = tmp_path / "fs.img"
        with open(img, "wb") as f:
            f.truncate(32 << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(img)], check=True,
                       capture_output=True, timeout=60)
        cmd = ["mount", "-o", "loop", str(img), str(mnt)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, capture_output=True, timeout=60)


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(fs: Path) -> None:
    """Write ``fs/filler-N`` files until not one more byte fits."""
    n = len(list(fs.glob("filler-*")))
    fd = os.open(fs / f"filler-{n}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        for size in (1 << 16, 4096, 512, 1):
            while True:
                try:
                    os.write(fd, bytes(size))
                except OSError as e:
                    assert e.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    assert free_bytes(fs) < 64 << 10, free_bytes(fs)


def add_garbage(sx: Sx, work: Path, n: int) -> list[str]:
    paths = []
    for i in range(n):
        d = work / f"g{i}"
        d.mkdir(parents=True)
        (d / "data").write_bytes(os.urandom(1 << 20))
        paths.append(sx.ok("store", "add", str(d)).strip())
    return paths


def test_gc_and_delete_free_a_full_disk(small_fs: Path, tmp_path: Path) -> None:
    sx = Sx(str(small_fs / "root"))
    keep = add_garbage(sx, tmp_path / "keep", 1)[0]
    sx.ok("gc", "roots", "add", "keep", keep)
    garbage = add_garbage(sx, tmp_path / "garbage", 3)
    fill(small_fs)

    (tmp_path / "new").write_bytes(os.urandom(200 << 10))
    line = one_line(sx("store", "add", str(tmp_path / "new")), code=3)
    assert "No space left on device" in line
    assert os.listdir(small_fs / "root" / "tmp") == []

    r = sx("gc")
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split()) == sorted(garbage)
    assert free_bytes(small_fs) > 3 << 20
    sx.ok("store", "verify", "--check-contents")
    assert sx.ok("path-info", keep).strip() == keep

    victim = add_garbage(sx, tmp_path / "victim", 1)[0]
    fill(small_fs)
    r = sx("store", "delete", victim)
    assert r.returncode == 0, r.stderr
    assert free_bytes(small_fs) > 1 << 20
    sx.ok("store", "verify", "--check-contents")
    # With room again, the next add works and the reserve is back.
    for f in small_fs.glob("filler-*"):
        f.unlink()
    sx.ok("store", "add", str(tmp_path / "new"))
    assert os.path.getsize(small_fs / "root" / "var" / "reserve") == 1 << 20
