"""Writing .drv objects and reading them back."""

from __future__ import annotations

import os

import pytest
from build_helpers import Shell
from sx.derivations.hashing import drv_references
from sx.derivations.instantiate import instantiate, load_derivation
from sx.derivations.model import Output, derivation, fetchurl
from sx.store.encoding import pack
from sx.store.errors import Corrupt, InvalidInput, MissingReference
from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import StorePath


def _graph(sh: Shell) -> object:
    src = fetchurl("src", "file:///nonexistent", [Digest.b3(b"x")], meta={"note": "n"})
    lib = sh("lib", "mkdir $out $dev", outputs=["out", "dev"], inputs=[src])
    return sh("app", f"cat {lib.placeholder('dev')}/x > $out", inputs={lib: ["dev"]},
              env={"A": "1"}, meta={"binary-seed": "1"})


def test_instantiate_writes_every_drv_at_its_path(store: LocalStore, sh: Shell) -> None:
    app = _graph(sh)
    order = instantiate(store, [app])  # type: ignore[list-item]
    assert [d.name for d in order] == ["src", "lib", "app"]
    for d in order:
        info = store.require(d.drv_path)
        assert set(info.references) == set(drv_references(d))
        with open(store.real_path(d.drv_path), "rb") as f:
            assert f.read() == d.hashes.encoded
    assert store.is_valid(sh.bb.path)


def test_batch_write_equals_add_bytes(tmp_path: os.PathLike[str], sh: Shell) -> None:
    drv = sh("single", "echo x > $out")
    a = LocalStore(os.path.join(str(tmp_path), "a"))
    instantiate(a, [drv])
    b = LocalStore(os.path.join(str(tmp_path), "b"))
    b.add_tree(sh.bb.local, sh.bb.name)
    info = b.add_bytes(drv.hashes.encoded, f"{drv.name}.drv", kind="drv",
                       references=drv_references(drv))
    assert info.path == drv.drv_path
    got = a.require(drv.drv_path)
    assert (got.nar_hash, got.nar_size, got.references, got.ca) == \
        (info.nar_hash, info.nar_size, info.references, info.ca)


def test_instantiate_is_idempotent(store: LocalStore, sh: Shell) -> None:
    app = _graph(sh)
    instantiate(store, [app])  # type: ignore[list-item]
    before = store.all_paths()
    instantiate(store, [app])  # type: ignore[list-item]
    assert store.all_paths() == before


def test_round_trip_through_the_store(store: LocalStore, sh: Shell) -> None:
    app = _graph(sh)
    instantiate(store, [app])  # type: ignore[list-item]
    loaded = load_derivation(store, app.drv_path)  # type: ignore[attr-defined]
    assert loaded == app and loaded.hashes.encoded == app.hashes.encoded  # type: ignore[attr-defined]
    assert loaded.meta_dict == {"binary-seed": "1"}
    (lib, outs), = loaded.input_drvs
    assert outs == ("dev",) and lib.output_names == ("dev", "out")
    assert lib.input_drvs[0][0].outputs[0] == Output("out", (Digest.b3(b"x"),))
    assert loaded.placeholder("out") == app.placeholder("out")  # type: ignore[attr-defined]


def test_long_chain_loads_without_recursion(store: LocalStore, sh: Shell) -> None:
    prev = sh("c0", "echo 0 > $out")
    for i in range(1, 1500):
        prev = sh(f"c{i}", f": {prev.out}; echo {i} > $out", inputs=[prev])
    instantiate(store, [prev])
    assert load_derivation(store, prev.drv_path) == prev


def test_load_refuses_non_drv_and_unknown_paths(store: LocalStore, sh: Shell) -> None:
    store.add_tree(sh.bb.local, sh.bb.name)
    with pytest.raises(InvalidInput, match=r"not a \.drv path"):
        load_derivation(store, sh.bb.path)
    with pytest.raises(Exception, match="not a valid path"):
        load_derivation(store, StorePath("0" * 32, "x.drv"))


def _add_drv(store: LocalStore, record: object, name: str = "bad.drv") -> StorePath:
    return store.add_bytes(pack(record), name, kind="drv").path


def test_load_refuses_corrupt_records(store: LocalStore) -> None:
    with pytest.raises(Corrupt, match="unknown schema"):
        load_derivation(store, _add_drv(store, {"v": 99}))
    with pytest.raises(Corrupt, match="malformed record"):
        load_derivation(store, _add_drv(store, {"v": 1, "name": "x"}, "x.drv"))
    garbage = store.add_bytes(b"\xc1not msgpack", "g.drv", kind="drv").path
    with pytest.raises(Corrupt, match="decode derivation"):
        load_derivation(store, garbage)


def test_load_refuses_a_record_stored_under_another_name(store: LocalStore) -> None:
    drv = derivation("named", "builtin:write", env={"text": "x"}, system="builtin")
    moved = store.add_bytes(drv.hashes.encoded, "other.drv", kind="drv").path
    with pytest.raises(Corrupt, match="hashes to"):
        load_derivation(store, moved)


def test_missing_plain_store_path_source(store: LocalStore) -> None:
    ghost = StorePath("1" * 32, "ghost")
    drv = derivation("uses-ghost", "builtin:write", srcs=[ghost], system="builtin")
    with pytest.raises(MissingReference, match="ghost is not a valid path"):
        instantiate(store, [drv])
    assert store.all_paths() == []
