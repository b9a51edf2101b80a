"""The store commands through the real command line (a subprocess per call)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from store_helpers import chain, rich_tree, shape, write
from sx.store import nar
from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx_runner import Sx


def fails(sx: Sx, *args: str, match: str, code: int = 1) -> str:
    r = sx(*args)
    assert r.returncode == code, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sx: "), r.stderr
    assert match in lines[0], lines[0]
    return lines[0]


def test_add_twice_gives_one_path(sx: Sx, tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    first = sx.ok("store", "add", str(tree)).strip()
    assert sx.ok("store", "add", str(tree)).strip() == first
    assert os.listdir(os.path.join(sx.root, "store")) == [first.split("/")[-1]]
    named = sx.ok("store", "add", "--name", "renamed", str(tree)).strip()
    assert named.endswith("-renamed") and named != first
    assert sx("store", "verify", "--check-contents").returncode == 0


def test_add_errors(sx: Sx, tmp_path: Path) -> None:
    fails(sx, "store", "add", str(tmp_path / "absent"), match="no such file or directory")
    fails(sx, "store", "add", "--name", ".bad", str(write(tmp_path / "f", "x")),
          match="must not start with '.'")
    os.mkfifo(tmp_path / "fifo")
    fails(sx, "store", "add", str(tmp_path / "fifo"), match="unsupported file type")
    assert os.listdir(os.path.join(sx.root, "store")) == []


def test_ls_cat_and_dump(sx: Sx, tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    p = sx.ok("store", "add", str(tree)).strip()
    top = sx.ok("store", "ls", p).splitlines()
    assert f"{p}/README" in top and f"{p}/bin" in top and f"{p}/bin/tool" not in top
    rec = sx.ok("store", "ls", "-R", p).splitlines()
    assert f"{p}/bin/tool" in rec and f"{p}/ünïcødé/日本語.txt" in rec
    long = sx.ok("store", "ls", "-l", f"{p}/bin").splitlines()
    assert any(line.startswith("-r-xr-xr-x") and line.endswith("/bin/tool") for line in long)
    links = sx.ok("store", "ls", "-l", p)
    assert f"{p}/link-to-file -> README" in links
    assert sx.ok("store", "cat", f"{p}/README") == "hello\n"
    dumped = sx.raw("store", "dump", p)
    assert dumped.returncode == 0 and dumped.stdout == nar.dump_bytes(tree)
    fails(sx, "store", "cat", f"{p}/bin", match="not a regular file")
    fails(sx, "store", "cat", f"{p}/absent", match="not a regular file")
    fails(sx, "store", "ls", f"{p}/absent", match="no such file")
    fails(sx, "store", "cat", f"{p}/link-to-dir/tool", match="link-to-dir is a symlink")
    fails(sx, "store", "cat", f"{p}/bin/../README", match="'..' are not allowed")


def test_commands_on_an_invalid_path(sx: Sx) -> None:
    ghost = "/sx/store/" + "0" * 32 + "-ghost"
    for args in (["store", "ls", ghost], ["store", "cat", ghost], ["store", "dump", ghost],
                 ["path-info", ghost]):
        fails(sx, *args, match=f"query {ghost}: not a valid path")
    fails(sx, "path-info", "/tmp/not-a-store-path", match="not under /sx/store")


def test_path_info_closure_json(sx: Sx, store: LocalStore) -> None:
    c = chain(store)
    store.temp_roots.close()
    out = json.loads(sx.ok("path-info", "--closure", "--json", str(c["top"])))
    paths = [o["path"] for o in out]
    assert sorted(paths) == sorted(str(p) for p in c.values())
    assert paths.index(str(c["lib"])) < paths.index(str(c["app"])) < paths.index(str(c["top"]))
    top = out[paths.index(str(c["top"]))]
    info = store.require(c["top"])
    assert top == info.to_json()
    assert top["narHash"] == str(info.nar_hash) and top["narSize"] == info.nar_size
    assert top["references"] == sorted(str(r) for r in (c["app"], c["tool"]))
    sizes = sx.ok("path-info", "-s", str(c["lib"])).split()
    assert sizes == [str(c["lib"]), str(store.require(c["lib"]).nar_size)]
    # Physical paths and base names are accepted too.
    assert sx.ok("path-info", store.real_path(c["lib"]), c["app"].base).split() == \
        [str(c["lib"]), str(c["app"])]


def test_path_info_closure_sizes_and_referrers(sx: Sx, store: LocalStore) -> None:
    c = chain(store)
    store.temp_roots.close()
    size = {k: store.require(p).nar_size for k, p in c.items()}
    lines = sx.ok("path-info", "-sS", str(c["top"]), str(c["lib"])).splitlines()
    assert lines == [f"{c['top']}\t{size['top']}\t{sum(size.values())}",
                     f"{c['lib']}\t{size['lib']}\t{size['lib']}"]
    app = json.loads(sx.ok("path-info", "-S", "--json", str(c["app"])))[0]
    assert app["closureSize"] == size["app"] + size["lib"]
    assert sx.ok("path-info", "--referrers", str(c["lib"])).split() == [str(c["app"])]
    assert sx.ok("path-info", "--referrers", "-r", str(c["lib"])).split() == \
        [str(c["app"]), str(c["top"])]
    assert sx.ok("path-info", "--referrers", str(c["top"])) == ""
    fails(sx, "path-info", "--referrers", "/sx/store/" + "0" * 32 + "-ghost",
          match="not a valid path")


def test_hash_path_and_file(sx: Sx, tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    digest, size = nar.hash_path(tree)
    assert sx.ok("hash", "path", str(tree)).strip() == str(digest)
    assert sx.ok("hash", "path", "--size", str(tree)).split() == [str(digest), str(size)]
    sha = hashlib.sha256(nar.dump_bytes(tree)).hexdigest()
    assert sx.ok("hash", "path", "--type", "sha256", str(tree)).strip() == f"sha256:{sha}"
    f = tree / "README"
    assert sx.ok("hash", "file", str(f)).strip() == str(Digest.b3(b"hello\n"))
    assert sx.ok("hash", "file", "--type", "sha256", str(f)).strip() == \
        "sha256:" + hashlib.sha256(b"hello\n").hexdigest()
    fails(sx, "hash", "file", str(tree), match="not a regular file")
    fails(sx, "hash", "path", str(tmp_path / "absent"), match="no such file or directory")


def test_why_depends(sx: Sx, store: LocalStore) -> None:
    c = chain(store)
    lines = sx.ok("why-depends", str(c["top"]), str(c["lib"])).splitlines()
    assert [line.split()[-1] for line in lines] == [str(c["top"]), str(c["app"]), str(c["lib"])]
    assert lines[1].lstrip().startswith("└── ")
    fails(sx, "why-depends", str(c["lib"]), str(c["top"]),
          match=f"{c['lib']}: does not depend on {c['top']}")


def test_verify_names_the_tampered_path_and_repair_unregisters(sx: Sx, store: LocalStore) -> None:
    c = chain(store)
    store.temp_roots.close()
    expected = store.require(c["tool"]).nar_hash
    real = store.real_path(c["tool"])
    os.chmod(real, 0o644)
    with open(real, "w") as f:
        f.write("tampered\n")
    assert sx("store", "verify").returncode == 0  # without --check-contents: not noticed
    r = sx("store", "verify", "--check-contents")
    assert r.returncode == 1
    actual = nar.hash_path(real)[0]
    want = f"{c['tool']}: contents changed: expected {expected}, actual {actual}"
    assert r.stdout.strip() == want
    assert "1 problem(s)" in r.stderr
    r = sx("store", "verify", "--check-contents", "--repair")
    assert r.returncode == 1
    assert sorted(LocalStore(sx.root).all_paths()) == sorted([c["lib"], c["app"]])
    assert not os.path.lexists(real)
    assert sx("store", "verify", "--check-contents").returncode == 0


def test_export_import_round_trip(sx: Sx, store: LocalStore, tmp_path: Path) -> None:
    c = chain(store)
    store.temp_roots.close()
    out = tmp_path / "closure.export"
    r = sx("store", "export", "--closure", "-o", str(out), str(c["top"]))
    assert r.returncode == 0 and "exported 4 paths" in r.stderr
    assert not os.path.exists(str(out) + ".part")
    other = Sx(str(tmp_path / "other-root"))
    imported = other.ok("store", "import", str(out)).split()
    assert sorted(imported) == sorted(str(p) for p in c.values())
    piped = sx.raw("store", "export", str(c["lib"]))
    again = other.raw("store", "import", input=piped.stdout)
    assert again.returncode == 0 and again.stdout.decode().strip() == str(c["lib"])
    for p in c.values():
        assert shape(Path(LocalStore(other.root).real_path(p))) == \
            shape(Path(store.real_path(p)))


def test_import_of_damaged_streams_registers_nothing(sx: Sx, store: LocalStore,
                                                    tmp_path: Path) -> None:
    c = chain(store)
    data = sx.raw("store", "export", "--closure", str(c["top"])).stdout
    other = Sx(str(tmp_path / "other-root"))
    for cut in (20, len(data) // 2, len(data) - 1):
        r = other.raw("store", "import", input=data[:cut])
        assert r.returncode == 1 and b"truncated" in r.stderr, r.stderr
    flipped = bytearray(data)
    flipped[data.rindex(b"top\n")] ^= 1
    r = other.raw("store", "import", input=bytes(flipped))
    assert r.returncode == 1 and b"archive hash" in r.stderr
    fails(other, "store", "import", str(tmp_path / "absent"), match="No such file")
    assert LocalStore(other.root).all_paths() == []
    assert other("store", "verify").returncode == 0


def test_bad_store_path_arguments(sx: Sx) -> None:
    fails(sx, "store", "ls", "/sx/store/short-x", match="expected '<32 base32 chars>-<name>'")


@pytest.mark.parametrize("args", [["store"], ["hash"], ["store", "frobnicate"]])
def test_usage_errors_exit_2(sx: Sx, args: list[str]) -> None:
    assert sx(*args).returncode == 2


def test_store_path_value_printing(sx: Sx, store: LocalStore) -> None:
    p = chain(store)["lib"]
    assert StorePath.parse(sx.ok("path-info", str(p)).strip()) == p
