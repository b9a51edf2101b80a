"""Deep trees, malformed records and odd deletions through the store commands.

Every refusal is one ``sx:`` line with exit 1, registers nothing, leaves
nothing in ``<root>/tmp``, and the next command on the root works.
"""

from __future__ import annotations

import fcntl
import io
import os
import subprocess
from pathlib import Path

import pytest
import zstandard
from deep_trees import chain_depth, deep_chain
from forge import b3, canonical, join_stream, split_stream
from hostile_helpers import assert_clean_refusal, one_line
from sx.store.fsutil import remove_tree
from sx.store.local import LocalStore
from sx_runner import Sx


@pytest.fixture
def sx(tmp_path: Path) -> Sx:
    return Sx(str(tmp_path / "root"))


# ---- deep trees ----------------------------------------------------------------------------


def test_a_5000_deep_tree_is_refused_by_add(sx: Sx, tmp_path: Path) -> None:
    deep_chain(str(tmp_path / "deep"), 5000)
    r = sx("store", "add", str(tmp_path / "deep"))
    assert "deeper than 1024 levels" in assert_clean_refusal(r, sx.root, "add")
    assert sx("store", "verify").returncode == 0
    remove_tree(str(tmp_path / "deep"))


def test_a_1000_deep_tree_works_everywhere(sx: Sx, tmp_path: Path) -> None:
    deep_chain(str(tmp_path / "deep"), 1000)
    path = sx.ok("store", "add", str(tmp_path / "deep")).strip()
    remove_tree(str(tmp_path / "deep"))
    assert len(sx.ok("store", "ls", "-R", path).splitlines()) == 1001
    stream = tmp_path / "deep.sxe"
    sx.ok("store", "export", "-o", str(stream), path)
    other = Sx(str(tmp_path / "other"))
    assert other.ok("store", "import", str(stream)).strip() == path
    assert chain_depth(os.path.join(other.root, "store", path.split("/")[-1])) == 1000
    other.ok("store", "verify", "--check-contents")
    other.ok("store", "delete", path)
    sx.ok("gc")
    for s in (sx, other):
        assert os.listdir(os.path.join(s.root, "store")) == []
        assert os.listdir(os.path.join(s.root, "tmp")) == []
        s.ok("store", "verify", "--check-contents")


def _nested_nar(depth: int) -> bytes:
    def s(data: bytes) -> bytes:
        return len(data).to_bytes(8, "little") + data + b"\0" * (-len(data) % 8)
    head = s(b"(") + s(b"type") + s(b"directory")
    entry = s(b"entry") + s(b"(") + s(b"name") + s(b"d") + s(b"node")
    close = s(b")")
    return s(b"nix-archive-1") + (head + entry) * depth + head + close + (close + close) * depth


def test_a_1500_deep_archive_in_an_export_stream(sx: Sx, tmp_path: Path) -> None:
    nar = _nested_nar(1500)
    header = {"path": "0" * 32 + "-deep", "v": 1, "nar": b3(nar), "size": len(nar), "refs": [],
              "deriver": None, "time": 0, "sigs": [], "ca": f"source:{b3(nar)}"}
    (tmp_path / "deep.sxe").write_bytes(join_stream([(header, nar)]))
    r = sx("store", "import", str(tmp_path / "deep.sxe"))
    assert "deeper than 1024 levels" in assert_clean_refusal(r, sx.root, "archive")
    sx.ok("store", "verify")


@pytest.mark.parametrize("kind", ["temp dir", "trash"])
def test_a_deep_leftover_does_not_brick_the_root(sx: Sx, kind: str) -> None:
    sx.ok("store", "verify")
    tmp = os.path.join(sx.root, "tmp")
    if kind == "temp dir":
        open(os.path.join(tmp, "0123456789abcdef.lock"), "w").close()  # no one holds it
        deep_chain(os.path.join(tmp, "0123456789abcdef"), 1500)
    else:
        deep_chain(os.path.join(tmp, "trash-0123456789abcdef"), 5000)
    assert sx.ok("store", "add", "--name", "after", __file__).startswith("/sx/store/")
    assert os.listdir(tmp) == []
    sx.ok("store", "verify")


def test_a_leftover_that_cannot_be_removed_is_reported_once(sx: Sx) -> None:
    sx.ok("store", "verify")
    tmp = os.path.join(sx.root, "tmp")
    lock = os.path.join(tmp, "fedcba9876543210.lock")
    with open(lock, "w") as f:
        f.write("x" * 70000)
    os.mkdir(os.path.join(tmp, "fedcba9876543210"))
    os.chmod(lock, 0)
    if os.geteuid() == 0:
        # Root can open anything: keep the lock unopenable by making it a directory.
        os.unlink(lock)
        os.mkdir(lock)
    r = sx("store", "add", "--name", "after", __file__)
    assert r.returncode == 0 and r.stdout.startswith("/sx/store/")
    warning = r.stderr.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith("sx: warning: open store "), r.stderr
    assert "fedcba9876543210.lock" in warning[0]


# ---- malformed records ----------------------------------------------------------------------


@pytest.fixture
def stream(sx: Sx, tmp_path: Path) -> bytes:
    (tmp_path / "f").write_text("a file\n")
    path = sx.ok("store", "add", str(tmp_path / "f")).strip()
    return sx.raw("store", "export", path).stdout


@pytest.mark.parametrize(("edit", "why"), [
    (lambda h: [1, 2, 3], "no store path"),
    (lambda h: {**h, "path": 7}, "no store path"),
    (lambda h: {**h, "ca": 7}, "field 'ca' has the wrong type"),
    (lambda h: {**h, "sigs": [1, 2]}, "field 'sigs' is not a list of strings"),
    (lambda h: {**h, "sigs": "k:sig"}, "field 'sigs' has the wrong type"),
    (lambda h: {**h, "refs": "abc"}, "field 'refs' has the wrong type"),
    (lambda h: {**h, "size": -1}, "field 'size' is not a count"),
    (lambda h: {**h, "size": True}, "field 'size' is not a count"),
    (lambda h: {**h, "nar": 5}, "field 'nar' has the wrong type"),
    (lambda h: {k: v for k, v in h.items() if k != "nar"}, "no field 'nar'"),
])
def test_malformed_export_headers(stream: bytes, tmp_path: Path, edit: object, why: str) -> None:
    ((header, nar),) = split_stream(stream)
    bad = tmp_path / "bad.sxe"
    bad.write_bytes(join_stream([(edit(header), nar)]))  # type: ignore[operator]
    victim = Sx(str(tmp_path / "victim"))
    assert why in assert_clean_refusal(victim("store", "import", str(bad)), victim.root, "import")


def test_a_4096_byte_symlink_target_is_bad_input_everywhere(sx: Sx, tmp_path: Path) -> None:
    def s(data: bytes) -> bytes:
        return len(data).to_bytes(8, "little") + data + b"\0" * (-len(data) % 8)
    nar = s(b"nix-archive-1") + s(b"(") + s(b"type") + s(b"symlink") + s(b"target") + \
        s(b"t" * 4096) + s(b")")
    base = "1" * 32 + "-link"
    header = {"path": base, "v": 1, "nar": b3(nar), "size": len(nar), "refs": [],
              "deriver": None, "time": 0, "sigs": [], "ca": f"source:{b3(nar)}"}
    (tmp_path / "l.sxe").write_bytes(join_stream([(header, nar)]))
    r = sx("store", "import", str(tmp_path / "l.sxe"))
    assert "exceeds 4095" in assert_clean_refusal(r, sx.root, "read archive")
    # The same archive from a cache: the same limit, the same family of error.
    cache = tmp_path / "cache"
    (cache / "info").mkdir(parents=True)
    (cache / "nar").mkdir()
    (cache / "sx-cache-info").write_text("StoreDir: /sx/store\nPriority: 50\nFormat: 1\n")
    packed = zstandard.ZstdCompressor().compress(nar)
    (cache / "nar" / f"{b3(packed)[3:]}.nar.zst").write_bytes(packed)
    rec = {**header, "file": {"hash": b3(packed), "size": len(packed), "compression": "zstd"}}
    del rec["time"]
    (cache / "info" / base[:32]).write_bytes(canonical(rec))
    r = sx("copy", "--from", f"file://{cache}", "--no-check-sigs", f"/sx/store/{base}")
    assert "exceeds 4095" in assert_clean_refusal(r, sx.root, "read archive")


def test_a_zstd_bomb_stops_right_after_the_declared_size(sx: Sx, tmp_path: Path) -> None:
    """An honest record (a few hundred bytes); the served file inflates to 256 MiB.

    sx runs unable to write any file over 16 MiB: it must stop long before.
    """
    (tmp_path / "f").write_text("small and honest\n")
    origin = Sx(str(tmp_path / "origin"))
    path = origin.ok("store", "add", str(tmp_path / "f")).strip()
    cache = tmp_path / "cache"
    origin.ok("copy", "--to", f"file://{cache}", path)
    info_file = cache / "info" / path.split("/")[-1][:32]
    import msgpack

    rec = msgpack.unpackb(info_file.read_bytes())
    big = 256 << 20
    bomb = io.BytesIO()
    with zstandard.ZstdCompressor(level=1).stream_writer(bomb, closefd=False) as w:
        w.write(_file_nar_header(big))
        chunk = bytes(1 << 20)
        for _ in range(big >> 20):
            w.write(chunk)
        w.write(len(b")").to_bytes(8, "little") + b")" + b"\0" * 7)
    packed = bomb.getvalue()
    (cache / "nar" / f"{b3(packed)[3:]}.nar.zst").write_bytes(packed)
    rec["file"] = {"hash": b3(packed), "size": len(packed), "compression": "zstd"}
    info_file.write_bytes(canonical(rec))
    victim = Sx(str(tmp_path / "victim"))
    r = subprocess.run(["prlimit", f"--fsize={16 << 20}",
                        *victim.argv("copy", "--from", f"file://{cache}", "--no-check-sigs",
                                     path)],
                       capture_output=True, text=True, timeout=300, check=False)
    line = assert_clean_refusal(r, victim.root, f"from file://{cache}")
    assert f"a file of {big} bytes does not fit the declared size" in line


def _file_nar_header(size: int) -> bytes:
    def s(data: bytes) -> bytes:
        return len(data).to_bytes(8, "little") + data + b"\0" * (-len(data) % 8)
    return s(b"nix-archive-1") + s(b"(") + s(b"type") + s(b"regular") + s(b"contents") + \
        size.to_bytes(8, "little")


# ---- deleting ---------------------------------------------------------------------------------


def test_delete_refuses_a_file_inside_a_store_path(sx: Sx, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "sub").write_text("x")
    path = sx.ok("store", "add", str(tmp_path / "d")).strip()
    line = one_line(sx("store", "delete", f"{path}/sub"))
    assert "names a file inside" in line
    physical = os.path.join(sx.root, "store", path.split("/")[-1], "sub")
    assert "names a file inside" in one_line(sx("store", "delete", physical))
    assert sx.ok("path-info", path).strip() == path
    sx.ok("store", "delete", path)


def test_delete_of_a_reference_cycle_deletes_both(sx: Sx, tmp_path: Path) -> None:
    """Content addresses make cycles impossible now; a store written before may hold one."""
    a, b = _cycle(sx.root, tmp_path)
    alone = one_line(sx("store", "delete", a))
    assert f"referenced by {b}" in alone
    r = sx("store", "delete", a, b)
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split()[1::2]) == sorted([a, b])
    assert os.listdir(os.path.join(sx.root, "store")) == []
    sx.ok("store", "verify")


def test_gc_collects_a_dead_reference_cycle(sx: Sx, tmp_path: Path) -> None:
    a, b = _cycle(sx.root, tmp_path)
    out = sx.ok("gc")
    assert sorted(out.split()) == sorted([a, b])
    sx.ok("store", "verify")


def _cycle(root: str, tmp_path: Path) -> tuple[str, str]:
    """Two registered paths that refer to each other, written as an old store would have."""
    store = LocalStore(root)
    a = store.add_bytes(b"a", "a").path
    b = store.add_bytes(b"b", "b").path
    with store.db.write() as txn:
        for x, y in ((a, b), (b, a)):
            rec = txn.get("paths", x.base.encode())
            rec["refs"] = [y.base]
            txn.put("paths", x.base.encode(), rec)
            txn.put_raw("referrers", y.base.encode() + b"\0" + x.base.encode(), b"")
    store.temp_roots.close()
    return str(a), str(b)


def test_locks_are_released(sx: Sx) -> None:
    """A sanity check for the helpers above: nothing keeps the GC lock."""
    sx.ok("store", "verify")
    fd = os.open(os.path.join(sx.root, "var", "gc.lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
