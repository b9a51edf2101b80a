"""``sx provenance``: every binary that entered a closure without a source build is listed.

The attacks: machine code brought in by a builtin step rather than a
marked seed (``builtin:write`` of ELF bytes, of an archive, an archive
unpacked by ``builtin:unpack``, a fetched "source" that holds a binary, a
source path that is an archive), judged realized and not realized.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage0 import recipes
from sx.derivations.build.progress import Progress
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import (
    BUILTIN_UNPACK,
    BUILTIN_WRITE,
    Derivation,
    Source,
    derivation,
    fetchurl,
)
from sx.derivations.provenance import archive_kind, binary_kind, report_of, seeds_of
from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import StorePath

SEED = Path(recipes.SEED_SOURCE)


def seed_bytes() -> bytes:
    return recipes.convert_python(str(SEED))


def build(store: LocalStore, drv: Derivation) -> StorePath:
    # The tests' file:// sources sit next to the store root: the user allows them.
    opts = BuildOptions(progress=Progress(quiet=True, live=False),
                        allowed_files=(os.path.dirname(store.root),))
    outcome = realize(store, [drv], opts)
    return outcome.outputs[0]["out"]


def write_bytes(name: str, data: bytes, executable: bool = False) -> Derivation:
    """A floating ``builtin:write`` of ``data`` (no binary-seed mark)."""
    env = {"hex": data.hex()}
    if executable:
        env["executable"] = "1"
    return derivation(name, BUILTIN_WRITE, env=env, system="builtin")


def index(*drvs: Derivation) -> Derivation:
    """A text file naming ``drvs``: a closure that holds them and nothing else."""
    text = "".join(f"{d.out}\n" for d in drvs)
    return derivation("index", BUILTIN_WRITE, env={"text": text}, inputs=list(drvs),
                      system="builtin")


def tar_of(files: dict[str, bytes], compress: bool = False) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            t.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(str(tmp_path / "root"))


def test_an_elf_written_by_a_builtin_and_run_as_a_tool_is_listed(
        store: LocalStore, tmp_path: Path) -> None:
    # The seed's own bytes, but written by builtin:write without the mark and
    # without any pinned hash: it assembles hex1 as well as the seed does.
    tool = write_bytes("not-a-seed", seed_bytes(), executable=True)
    hex1 = recipes.run("hex1", tool, [recipes.source("hex1.hex0"), recipes.OUT])
    out = build(store, hex1)
    (found,) = seeds_of(store, hex1)
    assert found.path == build(store, tool) and found.size == 246
    assert found.reason == ("1 binary or archive file(s) (1 ELF) written by builtin:write, "
                            "not built from source")
    proc = subprocess.run(
        [sys.executable, "-m", "sx.cli.main", "--root", str(tmp_path / "root"),
         "provenance", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "everything was built from source" not in proc.stdout
    assert f"{found.path}\t246 bytes\t1 binary or archive file(s) (1 ELF)" in proc.stdout


EVIL_RECIPE = """
from sx.derivations.bootstrap.stage0 import recipes as r
from sx.derivations.model import BUILTIN_WRITE, derivation
def hex1():
    seed = r.convert_python(r.SEED_SOURCE)
    tool = derivation("not-a-seed", BUILTIN_WRITE,
                      env={"hex": seed.hex(), "executable": "1"}, system="builtin")
    return r.run("hex1", tool, [r.source("hex1.hex0"), r.OUT])
"""


def test_a_recipe_is_judged_by_its_own_graph_not_by_its_output_path(
        store: LocalStore, tmp_path: Path) -> None:
    # The recipe gives the very bytes (so the very path) of stage0's hex1,
    # which the store already holds, recorded as built from the seed.
    hex1 = build(store, recipes.hex1())
    recipe = tmp_path / "evil.py"
    recipe.write_text(EVIL_RECIPE)

    def provenance(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "sx.cli.main", "--root", str(tmp_path / "root"),
             "provenance", *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert "not-a-seed" in provenance(f"{recipe}:hex1")
    assert "hex0-seed" not in provenance(f"{recipe}:hex1")
    # By path: the path's recorded deriver, stage0's hex1, built from the seed.
    by_path = provenance(str(hex1))
    assert "hex0-seed\t246 bytes\tbinary seed" in by_path and "not-a-seed" not in by_path


def test_a_written_elf_is_listed_before_it_is_built(store: LocalStore) -> None:
    tool = write_bytes("not-a-seed", seed_bytes(), executable=True)
    hex1 = recipes.run("hex1", tool, [recipes.source("hex1.hex0"), recipes.OUT])
    (found,) = seeds_of(store, hex1)
    assert found.path == tool.drv_path and "1 ELF" in found.reason


@pytest.mark.parametrize(("data", "kind"), ids=["tar", "tar.gz", "ar", "xz", "zip"], argvalues=[
    (tar_of({"bin/tool": b"\x7fELF" + b"\0" * 60}), "tar archive"),
    (tar_of({"bin/tool": b"\x7fELF" + b"\0" * 60}, compress=True), "gzip"),
    (b"!<arch>\n" + b"member/         0     0     0     644     4         `\n" + b"\x7fELF",
     "ar archive"),
    (b"\xfd7zXZ\0" + b"\0" * 30, "xz"),
    (b"PK\x03\x04" + b"\0" * 30, "zip"),
])
def test_an_archive_written_by_a_builtin_is_listed(store: LocalStore, data: bytes,
                                                   kind: str) -> None:
    blob = write_bytes("blob", data)
    top = index(blob)
    for realized in (False, True):
        if realized:
            build(store, top)
        (found,) = seeds_of(store, top)
        assert f"(1 {kind}) written by builtin:write" in found.reason
        assert found.path == (build(store, blob) if realized else blob.drv_path)


def test_an_empty_ar_archive_holds_nothing_to_list(store: LocalStore) -> None:
    """The ``ar`` magic alone (musl's empty ``libm.a``) has no member: not a binary; one
    byte more is an archive again."""
    empty, more = write_bytes("empty.a", b"!<arch>\n"), write_bytes("more.a", b"!<arch>\nx")
    for realized in (False, True):
        if realized:
            build(store, index(empty))
            build(store, index(more))
        assert seeds_of(store, index(empty)) == []
        (found,) = seeds_of(store, index(more))
        assert "(1 ar archive) written by builtin:write" in found.reason


def test_an_archive_unpacked_by_a_builtin_lists_both(store: LocalStore) -> None:
    blob = write_bytes("blob.tar", tar_of({"bin/tool": b"\x7fELF" + b"\0" * 60,
                                           "README": b"text\n"}))
    tree = derivation("tree", BUILTIN_UNPACK, env={"src": blob.out}, inputs=[blob],
                      system="builtin")
    top = index(tree)
    build(store, top)
    reasons = {f.path.name: f.reason for f in seeds_of(store, top)}
    assert reasons == {
        "blob.tar": "1 binary or archive file(s) (1 tar archive) written by builtin:write, "
                    "not built from source",
        "tree": "1 binary or archive file(s) (1 ELF) produced by builtin:unpack, "
                "not built from source",
    }


def test_fetched_sources_are_listed_as_sources_and_binaries_inside_as_binaries(
        store: LocalStore, tmp_path: Path) -> None:
    text_tar = tar_of({"src/main.c": b"int main(void) { return 0; }\n"}, compress=True)
    elf_tar = tar_of({"src/prebuilt": b"\x7fELF" + b"\0" * 60}, compress=True)
    paths = {}
    for name, data in (("clean.tar.gz", text_tar), ("dirty.tar.gz", elf_tar)):
        (tmp_path / name).write_bytes(data)
        paths[name] = fetchurl(name, f"file://{tmp_path / name}",
                               [Digest.sha256(data), Digest.b3(data)])
    unpacked = derivation("dirty", BUILTIN_UNPACK, env={"src": paths["dirty.tar.gz"].out},
                          inputs=[paths["dirty.tar.gz"]], system="builtin")
    top = index(paths["clean.tar.gz"], unpacked)
    before = report_of(store, top)
    # Not fetched yet: both are sources pinned by hash; the unpack is unknown.
    assert {s.path.name for s in before.sources} == {"clean.tar.gz", "dirty.tar.gz"}
    assert [b.reason for b in before.binaries] == [
        "output of builtin:unpack not realized: contents unknown"]
    build(store, top)
    rep = report_of(store, top)
    assert {s.path.name: s.hashes for s in rep.sources} == {
        "clean.tar.gz": (Digest.sha256(text_tar), Digest.b3(text_tar)),
        "dirty.tar.gz": (Digest.sha256(elf_tar), Digest.b3(elf_tar)),
    }
    (found,) = rep.binaries
    assert found.path.name == "dirty" and "(1 ELF) produced by builtin:unpack" in found.reason


def test_a_fetched_binary_without_the_mark_is_listed(store: LocalStore, tmp_path: Path) -> None:
    data = seed_bytes()
    (tmp_path / "tool").write_bytes(data)
    fetched = fetchurl("tool", f"file://{tmp_path / 'tool'}", [Digest.sha256(data)])
    top = index(fetched)
    build(store, top)
    (found,) = seeds_of(store, top)
    assert found.path == fixed_output_path(fetched)
    assert found.reason == "1 binary or archive file(s) (1 ELF) fetched, not built from source"
    assert report_of(store, top).sources == []


def test_an_unpacked_binary_seed_is_listed_once(store: LocalStore, tmp_path: Path) -> None:
    data = tar_of({"bin/tool": b"\x7fELF" + b"\0" * 60})
    (tmp_path / "seed.tar").write_bytes(data)
    seed = fetchurl("seed.tar", f"file://{tmp_path / 'seed.tar'}", [Digest.sha256(data)],
                    meta={"binary-seed": "1"})
    tree = derivation("seed-tree", BUILTIN_UNPACK, env={"src": seed.out}, inputs=[seed],
                      system="builtin")
    top = index(tree)
    build(store, top)
    (found,) = seeds_of(store, top)
    assert found.path == fixed_output_path(seed) and found.reason == "binary seed"


def test_a_source_path_that_is_an_archive_is_listed(store: LocalStore, tmp_path: Path) -> None:
    blob = tmp_path / "payload.tar"
    blob.write_bytes(tar_of({"x": b"hello\n"}))
    top = derivation("index", BUILTIN_WRITE, env={"text": "x"},
                     srcs=[Source(str(blob), "payload.tar")], system="builtin")
    build(store, top)
    (found,) = seeds_of(store, top)
    assert found.path.name == "payload.tar"
    assert found.reason == ("1 binary or archive file(s) (1 tar archive) in a source path, "
                            "not built from source")


def test_stage0_rests_on_the_seed_alone(store: LocalStore, tmp_path: Path) -> None:
    top = recipes.stage0()
    build(store, top)
    rep = report_of(store, top)
    assert [(b.path, b.reason) for b in rep.binaries] == [
        (fixed_output_path(recipes.seed()), "binary seed")]
    assert rep.sources == []
    proc = subprocess.run(
        [sys.executable, "-m", "sx.cli.main", "--root", str(tmp_path / "root"),
         "provenance", "--json", "stage0"], capture_output=True, text=True, timeout=60)
    data = json.loads(proc.stdout)
    assert [row["path"] for row in data["binaries"]] == [str(fixed_output_path(recipes.seed()))]
    assert data["sources"] == []


def v7_tar_header() -> bytes:
    """A tar header without the ustar magic (what automake's old tarballs hold)."""
    head = bytearray(tar_of({"a.c": b"x"})[:512])
    head[257:265] = b"\0" * 8
    head[148:156] = b" " * 8
    head[148:156] = b"%06o\0 " % sum(head)
    return bytes(head)


def test_formats_are_recognised_by_their_magic() -> None:
    assert binary_kind(b"\x7fELF\x01\x01") == "ELF"
    pe = bytearray(b"MZ" + b"\0" * 126)
    pe[60:64] = (64).to_bytes(4, "little")
    pe[64:68] = b"PE\0\0"
    assert binary_kind(bytes(pe)) == "PE"
    assert binary_kind(b"MZ is just text here\n" * 8) is None
    assert archive_kind(v7_tar_header()) == "tar archive"
    assert archive_kind(b"plain text " * 60) is None
    assert archive_kind(b"BZh91AY&SY") == "bzip2"
    assert binary_kind(b"# hex0 source\n7F 45 4C 46\n") is None
