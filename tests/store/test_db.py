"""The LMDB database and the records it keeps: round trips, golden records, schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sx.store.db import SCHEMA_VERSION, TABLES, Database
from sx.store.encoding import pack, unpack
from sx.store.errors import Corrupt, StorageError
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.local import LocalStore
from sx.store.path import make_path

LIB = make_path("source", Digest.b3(b"lib"), "lib")
APP = make_path("output", Digest.b3(b"app"), "app", [LIB])
DRV = make_path("drv", Digest.b3(b"drv"), "app.drv")


def full_info() -> PathInfo:
    return PathInfo(APP, Digest.b3(b"nar"), 1234, (LIB, APP), deriver=DRV,
                    registered=1700000000, signatures=("k2:sig", "k1:sig"), ca="output:b3:x")


def test_path_info_record_round_trips_through_lmdb(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "db"))
    info = full_info()
    with db.write() as txn:
        txn.put("paths", APP.base.encode(), info.to_record())
    with db.read() as txn:
        back = PathInfo.from_record(APP, txn.get("paths", APP.base.encode()))
    assert back == info
    assert back.references == tuple(sorted((LIB, APP)))
    assert back.signatures == ("k1:sig", "k2:sig")


def test_path_info_record_is_golden() -> None:
    rec = PathInfo(LIB, Digest.b3(b"nar"), 8, registered=1).to_record()
    assert rec == {"v": 1, "nar": str(Digest.b3(b"nar")), "size": 8, "refs": [],
                   "deriver": None, "time": 1, "sigs": [], "ca": None}
    assert unpack(pack(rec)) == rec


def test_minimal_record_round_trips() -> None:
    info = PathInfo(LIB, Digest.b3(b"nar"), 8)
    assert PathInfo.from_record(LIB, unpack(pack(info.to_record()))) == info


@pytest.mark.parametrize("damage", [
    lambda r: r.pop("nar"),
    lambda r: r.update(nar="b3:zz"),
    lambda r: r.update(refs=["not-a-path"]),
    lambda r: r.update(size="big"),
])
def test_damaged_records_are_corrupt(damage: object) -> None:
    rec = full_info().to_record()
    damage(rec)  # type: ignore[operator]
    with pytest.raises(Corrupt, match=f"decode path info of {APP}"):
        PathInfo.from_record(APP, rec)


def test_fingerprint_covers_path_hash_size_and_refs() -> None:
    info = full_info()
    fp = info.fingerprint().decode()
    assert fp.startswith(f"sx-path-info-1;{APP};{info.nar_hash};1234;")
    assert str(LIB) in fp and "k1:sig" not in fp


def test_realisation_record_round_trips(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "db"))
    r = Realisation(Digest.b3(b"resolved drv"), "out", APP, ("k:s2", "k:s1"))
    with db.write() as txn:
        txn.put("realisations", r.key.encode(), r.to_record())
    with db.read() as txn:
        back = Realisation.from_record(r.key, txn.get("realisations", r.key.encode()))
    assert back.path == APP and sorted(back.signatures) == ["k:s1", "k:s2"]
    assert r.key == f"{Digest.b3(b'resolved drv')}!out"
    with pytest.raises(Corrupt, match="decode realisation"):
        Realisation.from_record("garbage!out", {"path": APP.base})


def test_prefix_iteration_and_counts(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "db"))
    with db.write() as txn:
        for k in (b"a\0x", b"a\0y", b"ab\0z", b"b\0x"):
            txn.put_raw("referrers", k, b"")
    with db.read() as txn:
        assert list(txn.keys("referrers", b"a\0")) == [b"a\0x", b"a\0y"]
        assert list(txn.keys("referrers", b"c")) == []
        assert txn.count("referrers") == 4
        assert [k for k, _ in txn.items("meta")] == [b"schema"]


def test_failed_write_transaction_changes_nothing(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "db"))
    with pytest.raises(RuntimeError), db.write() as txn:
        txn.put("paths", b"x", {"v": 1})
        raise RuntimeError("abort")
    with db.read() as txn:
        assert not txn.has("paths", b"x")


def test_tables_and_schema_version(store: LocalStore) -> None:
    with store.db.read() as txn:
        assert txn.get("meta", b"schema") == SCHEMA_VERSION
    assert set(store.db.tables) == set(TABLES)


def test_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    db = Database(path)
    with db.write() as txn:
        txn.put("meta", b"schema", SCHEMA_VERSION + 1)
    with pytest.raises(StorageError, match=f"schema version {SCHEMA_VERSION + 1}"):
        Database(path)


def test_unopenable_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "db"
    path.mkdir()
    (path / "data.mdb").write_bytes(b"this is not an lmdb file" * 400)
    with pytest.raises(StorageError, match="open database"):
        Database(str(path))
    assert os.path.exists(path / "data.mdb")
