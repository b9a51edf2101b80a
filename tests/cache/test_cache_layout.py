"""Cache keys and record formats, with golden bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sx.store.cache.layout import (
    CachedPath,
    CacheInfo,
    check_key,
    decode_realisation,
    encode_realisation,
    info_key,
    nar_key,
    parse_realisation_key,
    realisation_key,
)
from sx.store.cache.oci import key_to_tag, tag_to_key
from sx.store.encoding import pack, unpack
from sx.store.errors import Corrupt, InvalidInput
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.path import StorePath

GOLDEN = Path(__file__).with_name("golden")
LIB = StorePath.parse("/sx/store/" + "0" * 32 + "-lib")
TOP = StorePath.parse("/sx/store/" + "1" * 32 + "-top")
DRV = Digest.b3(b"drv")


def _record() -> CachedPath:
    info = PathInfo(TOP, Digest.b3(b"nar"), 1234, (LIB,), None, 99, ("alice:c2ln",),
                    "source:b3:00")
    return CachedPath(info, Digest.b3(b"file"), 99)


def test_path_record_golden() -> None:
    want = bytes.fromhex((GOLDEN / "path-record.hex").read_text().strip())
    assert _record().encode() == want
    back = CachedPath.decode(want, TOP, "golden")
    assert back.info.references == (LIB,) and back.info.signatures == ("alice:c2ln",)
    assert back.info.registered == 0  # registration time is local, never published
    assert back.file_hash == Digest.b3(b"file") and back.file_size == 99


def test_realisation_record_golden() -> None:
    want = bytes.fromhex((GOLDEN / "realisation-record.hex").read_text().strip())
    r = Realisation(DRV, "out", TOP, ("bob:c2ln",))
    assert encode_realisation(r) == want
    assert decode_realisation(want, DRV, "out", "golden") == r


def test_derivation_realisation_record_golden() -> None:
    want = bytes.fromhex((GOLDEN / "drv-realisation-record.hex").read_text().strip())
    r = Realisation(DRV, "out", TOP, ("bob:c2ln",), ((f"{Digest.b3(b'lib')}!out", LIB),))
    assert encode_realisation(r) == want
    assert decode_realisation(want, DRV, "out", "golden", derivation=True) == r
    assert r.fingerprint() == (f"sx-drv-realisation-1;{DRV}!out;{TOP};"
                               f"{Digest.b3(b'lib')}!out={LIB}").encode()
    with pytest.raises(Corrupt, match="it is a derivation realisation record"):
        decode_realisation(want, DRV, "out", "golden", derivation=False)
    plain = encode_realisation(Realisation(DRV, "out", TOP))
    with pytest.raises(Corrupt, match="it is a resolved realisation record"):
        decode_realisation(plain, DRV, "out", "golden", derivation=True)


@pytest.mark.parametrize("deps", [
    [], {"x": TOP.base}, {f"{Digest.b3(b'l')}": TOP.base}, {f"{Digest.b3(b'l')}!1x": TOP.base},
    {f"sha256:{'0' * 64}!out": TOP.base}, {f"{Digest.b3(b'l')}!out": "not-a-path"},
    {f"{Digest.b3(b'l')}!out": 7},
])
def test_bad_dependencies_are_refused(deps: object) -> None:
    rec = pack({"v": 1, "id": f"{DRV}!out", "path": TOP.base, "sigs": [], "deps": deps})
    with pytest.raises(Corrupt, match="decode realisation"):
        decode_realisation(rec, DRV, "out", "test", derivation=True)


def test_cache_info_golden() -> None:
    want = (GOLDEN / "sx-cache-info").read_bytes()
    assert CacheInfo().encode() == want
    assert CacheInfo.decode(want, "golden") == CacheInfo()


def test_keys() -> None:
    assert info_key(TOP) == "info/" + "1" * 32
    assert nar_key(DRV) == f"nar/{DRV.hex}.nar.zst"
    key = realisation_key(DRV, "out")
    assert key == f"realisations/{DRV.hex}.out"
    assert parse_realisation_key(key) == (DRV, "out")
    for k in (info_key(TOP), nar_key(DRV), key, "sx-cache-info"):
        assert tag_to_key(key_to_tag(k)) == k
    assert tag_to_key("latest") is None


@pytest.mark.parametrize("key", [
    "", "info/short", "info/" + "e" * 32, "nar/../../etc/passwd", f"nar/{'0' * 64}.nar",
    "realisations/" + "0" * 64 + ".out/x", ".tmp/x", "/info/" + "0" * 32,
])
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidInput, match="not a valid key"):
        check_key(key)


def test_archives_and_realisations_need_blake3() -> None:
    sha = Digest.sha256(b"x")
    with pytest.raises(InvalidInput, match="addressed by BLAKE3"):
        nar_key(sha)
    with pytest.raises(InvalidInput, match="expected a BLAKE3 hash"):
        realisation_key(sha, "out")


def test_record_for_another_path_is_corrupt() -> None:
    data = _record().encode()
    with pytest.raises(Corrupt, match="it describes '1111"):
        CachedPath.decode(data, LIB, "c")


@pytest.mark.parametrize("change,cause", [
    ({"v": 2}, "not a version 1 path record"),
    ({"file": {"hash": "b3:00", "size": 1, "compression": "zstd"}}, "must be 32 bytes"),
    ({"file": {"hash": str(DRV), "size": -1, "compression": "zstd"}}, "bad archive size"),
    ({"file": {"hash": str(DRV), "size": 1, "compression": "xz"}}, "compression 'xz'"),
    ({"sigs": [1]}, "field 'sigs' is not a list of strings"),
    ({"refs": ["nonsense"]}, "parse store path 'nonsense'"),
])
def test_malformed_records_are_corrupt(change: dict[str, object], cause: str) -> None:
    rec = unpack(_record().encode())
    rec.update(change)
    with pytest.raises(Corrupt, match=cause):
        CachedPath.decode(pack(rec), TOP, "c")


def test_non_canonical_record_is_corrupt() -> None:
    import msgpack

    rec = unpack(_record().encode())
    data = msgpack.packb(dict(reversed(list(rec.items()))))
    with pytest.raises(Corrupt, match="not in canonical form"):
        CachedPath.decode(data, TOP, "c")


def test_realisation_record_checks_its_id() -> None:
    data = encode_realisation(Realisation(DRV, "out", TOP))
    with pytest.raises(Corrupt, match="it describes"):
        decode_realisation(data, DRV, "dev", "c")
    with pytest.raises(Corrupt, match="not a version 1 realisation"):
        decode_realisation(pack([1]), DRV, "out", "c")


def test_foreign_cache_is_refused() -> None:
    info = CacheInfo.decode(b"StoreDir: /nix/store\nPriority: 40\n", "c")
    assert info.priority == 40
    with pytest.raises(InvalidInput, match="holds paths of '/nix/store', not /sx/store"):
        info.check("c")
    with pytest.raises(InvalidInput, match="format 9 is newer"):
        CacheInfo(format=9).check("c")
    with pytest.raises(Corrupt, match="read cache info of c"):
        CacheInfo.decode(b"Priority: high\n", "c")
