"""Content-addressed outputs: references, self-references, multiple outputs, determinism."""

from __future__ import annotations

import os

import pytest
from build_helpers import Shell, build, leftovers, read
from sx.derivations.build.errors import BuildError
from sx.derivations.model import Output, fetchurl
from sx.store import nar
from sx.store.ca import MASK, masked_hash
from sx.store.errors import HashMismatch
from sx.store.fsutil import make_writable, remove_tree
from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import StorePath, make_path

pytestmark = pytest.mark.sandbox


def test_self_reference_is_rewritten_to_the_final_path(store: LocalStore, sh: Shell) -> None:
    drv = sh("selfref", "mkdir -p $out/bin; echo \"I live at $out\" > $out/bin/where;"
                        " ln -s $out/bin/where $out/link; printf %s $out > $out/exact")
    path = build(store, drv).outputs[0]["out"]
    real = store.real_path(path)
    assert read(os.path.join(real, "bin/where")) == f"I live at {path}\n"
    assert os.readlink(os.path.join(real, "link")) == f"{path}/bin/where"
    assert read(os.path.join(real, "exact")) == str(path)
    info = store.require(path)
    assert path in info.references
    assert info.ca is not None and info.ca.startswith("output:")
    assert info.nar_hash == nar.hash_path(real)[0]
    # The path follows from the masked content: mask the final digest again.
    masked = Digest.parse(info.ca.removeprefix("output:"))
    assert mask_self_copy(store, path) == masked
    refs = [r for r in info.references if r != path]
    assert make_path("output", masked, path.name, refs, self_reference=True) == path


def mask_self_copy(store: LocalStore, path: StorePath) -> Digest:
    """The masked hash of a copy of ``path``'s tree, with the digest replaced by hand
    in file contents and link targets (independent of sx.store.ca)."""
    import shutil
    import tempfile

    needle, mask = path.digest.encode(), MASK.encode()
    with tempfile.TemporaryDirectory() as d:
        copy = os.path.join(d, "c")
        shutil.copytree(store.real_path(path), copy, symlinks=True)
        make_writable(copy)
        hits = 0
        for dirpath, dirnames, filenames in os.walk(copy):
            for name in dirnames + filenames:
                p = os.path.join(dirpath, name)
                if os.path.islink(p):
                    target = os.fsencode(os.readlink(p))
                    if needle in target:
                        os.unlink(p)
                        os.symlink(target.replace(needle, mask), p)
                        hits += 1
                elif os.path.isfile(p):
                    with open(p, "rb") as f:
                        data = f.read()
                    if needle in data:
                        os.chmod(p, 0o644)
                        with open(p, "wb") as f:
                            f.write(data.replace(needle, mask))
                        hits += 1
        assert hits
        got = nar.hash_path(copy)[0]
        remove_tree(copy)
        return got


def test_the_masked_hash_masks_every_occurrence(tmp_path: os.PathLike[str]) -> None:
    f = os.path.join(str(tmp_path), "f")
    digest = "0123456789abcdfghijklmnpqrsvwxyz"
    with open(f, "w") as fh:
        fh.write(f"{MASK} and {digest} and {digest[:20]}")
    got = masked_hash(f, digest)
    with open(f, "w") as fh:
        fh.write(f"{MASK} and {MASK} and {digest[:20]}")
    assert got == nar.hash_path(f)[0]


def test_an_output_naming_a_file_after_itself_is_refused(store: LocalStore, sh: Shell) -> None:
    drv = sh("named", "mkdir $out; echo $out > $out/$(basename $out)")
    with pytest.raises(BuildError, match="holds the output's own path digest"):
        build(store, drv)
    assert leftovers(store) == []


def test_references_to_inputs_are_found(store: LocalStore, sh: Shell) -> None:
    dep = sh("dep", "echo dep > $out")
    unused = sh("unused", "echo unused > $out")
    drv = sh("user", f"echo {dep.out} > $out", inputs=[dep, unused])
    o = build(store, drv)
    path = o.outputs[0]["out"]
    dep_path = store.derivation_outputs(dep.drv_path)["out"]
    assert store.require(path).references == (dep_path,)
    assert store.require(path).deriver == drv.drv_path


def test_same_derivation_in_two_stores_gives_the_same_bytes(
        tmp_path: os.PathLike[str], sh: Shell) -> None:
    dep = sh("lib", "mkdir $out; echo lib > $out/l; echo $out > $out/self")
    drv = sh("app", f"mkdir -p $out/bin; echo {dep.out} > $out/bin/app; date -u -r {dep.out}/l"
                    " > $out/stamp; ls -ln {dep.out} > $out/ls; echo $out > $out/self".replace(
                        "{dep.out}", dep.out), inputs=[dep])
    results = []
    for name in ("one", "two"):
        s = LocalStore(os.path.join(str(tmp_path), name))
        p = build(s, drv).outputs[0]["out"]
        results.append((p, s.require(p).nar_hash, nar.dump_bytes(s.real_path(p))))
    assert results[0] == results[1]


def test_multiple_outputs_referring_to_each_other(store: LocalStore, sh: Shell) -> None:
    drv = sh("multi", "mkdir $lib $out; echo libdata > $lib/data;"
                      " echo \"uses $lib\" > $out/ref; echo \"me $out\" > $out/me",
             outputs=["out", "lib"])
    o = build(store, drv).outputs[0]
    assert set(o) == {"out", "lib"}
    assert o["lib"].name == "multi-lib" and o["out"].name == "multi"
    assert read(os.path.join(store.real_path(o["out"]), "ref")) == f"uses {o['lib']}\n"
    assert store.require(o["out"]).references == tuple(sorted([o["lib"], o["out"]]))
    assert store.require(o["lib"]).references == ()
    consumer = sh("consumer", f"cat {drv.placeholder('lib')}/data > $out",
                  inputs={drv: ["lib"]})
    p = build(store, consumer).outputs[0]["out"]
    assert read(store.real_path(p)) == "libdata\n"


def test_outputs_in_a_reference_cycle_fail(store: LocalStore, sh: Shell) -> None:
    drv = sh("cycle", "echo $lib > $out; echo $out > $lib", outputs=["out", "lib"])
    with pytest.raises(BuildError, match="cycle"):
        build(store, drv)
    assert store.derivation_outputs(drv.drv_path) == {}
    assert leftovers(store) == []


def test_missing_output_fails(store: LocalStore, sh: Shell) -> None:
    drv = sh("lazy", "echo $lib > $out", outputs=["out", "lib"])
    with pytest.raises(BuildError, match="did not create output 'lib'"):
        build(store, drv)
    assert store.derivation_outputs(drv.drv_path) == {}


def test_unsupported_file_type_in_output_fails(store: LocalStore, sh: Shell) -> None:
    drv = sh("fifo", "mkdir $out; mkfifo $out/pipe")
    with pytest.raises(BuildError, match="unsupported file type"):
        build(store, drv)
    assert leftovers(store) == []


def test_fixed_output_hash_mismatch_registers_nothing(
        store: LocalStore, tmp_path: os.PathLike[str]) -> None:
    src = os.path.join(str(tmp_path), "payload")
    with open(src, "wb") as f:
        f.write(b"the real bytes\n")
    wrong = Digest.sha256(b"other bytes")
    drv = fetchurl("payload", f"file://{src}", [wrong])
    before = set(store.all_paths())
    with pytest.raises(BuildError) as e:
        build(store, drv, allowed_files=(src,))
    assert isinstance(e.value.__cause__, HashMismatch)
    msg = str(e.value)
    assert f"expected {wrong}" in msg and str(Digest.sha256(b"the real bytes\n")) in msg
    new = set(store.all_paths()) - before
    assert all(p.is_derivation for p in new)
    assert store.derivation_outputs(drv.drv_path) == {}
    assert leftovers(store) == []


def test_fixed_output_is_registered_at_the_declared_path(
        store: LocalStore, tmp_path: os.PathLike[str]) -> None:
    from sx.derivations.hashing import fixed_output_path

    src = os.path.join(str(tmp_path), "tool")
    with open(src, "wb") as f:
        f.write(b"#!/bin/sh\n")
    data = b"#!/bin/sh\n"
    drv = fetchurl("tool", f"file://{src}", [Digest.sha256(data), Digest.b3(data)],
                   executable=True)
    path = build(store, drv, allowed_files=(src,)).outputs[0]["out"]
    assert path == fixed_output_path(drv)
    real = store.real_path(path)
    assert os.stat(real).st_mode & 0o111
    info = store.require(path)
    assert info.ca == f"fixed:flat:{Digest.b3(data)}" and info.references == ()


def test_sandboxed_fixed_output_must_not_refer_to_store_paths(
        store: LocalStore, sh: Shell) -> None:
    data = f"{sh.bb}\n".encode()
    drv = sh("leaky", f"echo {sh.bb} > $out", outputs=[Output("out", (Digest.sha256(data),))])
    with pytest.raises(BuildError, match="must not refer to store paths"):
        build(store, drv)


def test_nar_mode_fixed_output(store: LocalStore, sh: Shell,
                               tmp_path: os.PathLike[str]) -> None:
    tree = os.path.join(str(tmp_path), "tree")
    os.makedirs(os.path.join(tree, "d"))
    with open(os.path.join(tree, "d", "f"), "w") as f:
        f.write("x\n")
    want = nar.hash_path(tree)[0]
    drv = sh("treefod", "mkdir -p $out/d; echo x > $out/d/f",
             outputs=[Output("out", (want,), "nar")])
    path = build(store, drv).outputs[0]["out"]
    assert store.require(path).nar_hash == want


def test_expected_output_that_differs_fails_and_registers_nothing(
        store: LocalStore, sh: Shell) -> None:
    want = b"pinned\n"
    pin = f"{Digest.sha256(want)} {Digest.b3(want)}"
    good = sh("pinned", "printf 'pinned\\n' > $out", meta={"expect": pin})
    path = build(store, good).outputs[0]["out"]
    with open(store.real_path(path), "rb") as f:
        assert f.read() == want
    bad = sh("pinned", "printf 'something else\\n' > $out", meta={"expect": pin})
    with pytest.raises(BuildError, match=f"pins {Digest.sha256(want)}") as e:
        build(store, bad)
    assert isinstance(e.value.__cause__, HashMismatch)
    assert store.derivation_outputs(bad.drv_path) == {}
    assert not [p for p in store.all_paths() if p.name == "pinned" and p != path]
    assert leftovers(store) == []


def test_expected_output_must_be_a_regular_file(store: LocalStore, sh: Shell) -> None:
    want = Digest.sha256(b"")
    drv = sh("pinned-dir", "mkdir $out", meta={"expect": str(want)})
    with pytest.raises(BuildError, match="not a regular file"):
        build(store, drv)
    assert store.derivation_outputs(drv.drv_path) == {}
