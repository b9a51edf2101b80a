"""Export and import streams: round trips, and damaged streams registering nothing."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import msgpack
import pytest
from store_helpers import chain, corrupt_byte, rich_tree, shape, store_is_clean
from sx.store.encoding import pack, unpack
from sx.store.errors import Corrupt, HashMismatch, MissingReference, NotFound
from sx.store.local import LocalStore
from sx.store.transfer import MAGIC, export_paths, import_paths


@pytest.fixture
def source(tmp_path: Path) -> LocalStore:
    return LocalStore(str(tmp_path / "source-root"))


@pytest.fixture
def stream(source: LocalStore, tmp_path: Path) -> bytes:
    c = chain(source)
    tree_dir = rich_tree(tmp_path / "tree")
    (tree_dir / "uses-lib").write_text(f"{c['lib']}\n")
    tree = source.add_tree(str(tree_dir), references=[c["lib"]])
    out = io.BytesIO()
    assert export_paths(source, source.closure([c["top"], tree.path]), out) == 5
    return out.getvalue()


def test_round_trip(source: LocalStore, store: LocalStore, stream: bytes) -> None:
    infos = import_paths(store, io.BytesIO(stream), "test")
    assert sorted(i.path for i in infos) == sorted(source.all_paths())
    for info in infos:
        theirs = source.require(info.path)
        assert store.require(info.path) == theirs
        assert shape(Path(store.real_path(info.path))) == shape(Path(source.real_path(info.path)))
    store_is_clean(store)


def test_import_is_idempotent(store: LocalStore, stream: bytes) -> None:
    first = import_paths(store, io.BytesIO(stream))
    assert import_paths(store, io.BytesIO(stream)) == first
    store_is_clean(store)


def test_paths_come_references_first(source: LocalStore, stream: bytes) -> None:
    order = []
    pos = len(MAGIC)
    data = stream
    while data[pos] == 1:
        (n,) = struct.unpack("<I", data[pos + 1:pos + 5])
        rec = unpack(data[pos + 5:pos + 5 + n])
        order.append(rec["path"])
        pos += 5 + n + rec["size"]
    assert len(order) == 5 and data[pos:] == b"\0"
    for i, base in enumerate(order):
        for ref in source.require(source.parse_path(base)).references:
            assert ref.base == base or ref.base in order[:i]


def refused(store: LocalStore, data: bytes, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match) as e:
        import_paths(store, io.BytesIO(data), "test.export")
    assert "\n" not in str(e.value)
    assert store.all_paths() == []
    store_is_clean(store)


def test_every_truncation_registers_nothing(store: LocalStore, stream: bytes) -> None:
    step = max(1, len(stream) // 97)
    for cut in [*range(0, len(stream), step), len(stream) - 1]:
        refused(store, stream[:cut], Corrupt, "truncated|bad magic")


def test_flipped_archive_byte_is_a_hash_mismatch(store: LocalStore, stream: bytes) -> None:
    # A byte inside the last file's contents: well-formed, but the hash differs.
    at = stream.rindex(b"lib\n") + 1
    refused(store, corrupt_byte(stream, at), HashMismatch, "archive hash b3:")


def test_flipped_framing_byte_is_corrupt(store: LocalStore, stream: bytes) -> None:
    at = stream.index(b"nix-archive-1") + 2
    refused(store, corrupt_byte(stream, at), Corrupt, "bad magic")


@pytest.mark.parametrize(("mutate", "exc", "why"), [
    (lambda s: b"sx-export-2\n" + s[len(MAGIC):], Corrupt, "bad magic"),
    (lambda s: s[:len(MAGIC)] + b"\x07" + s[len(MAGIC) + 1:], Corrupt, "bad entry tag"),
    (lambda s: s + b"junk", Corrupt, "trailing data"),
    (lambda s: s[:len(MAGIC) + 1] + struct.pack("<I", 1 << 30) + s[len(MAGIC) + 5:], Corrupt,
     "header of 1073741824 bytes"),
])
def test_damaged_streams_are_refused(store: LocalStore, stream: bytes, mutate: object,
                                     exc: type[Exception], why: str) -> None:
    refused(store, mutate(stream), exc, why)  # type: ignore[operator]


def _one_entry(header: dict[str, object], archive: bytes = b"") -> bytes:
    h = pack(header)
    return MAGIC + struct.pack("<BI", 1, len(h)) + h + archive + b"\0"


@pytest.mark.parametrize(("header", "why"), [
    ({"path": "not a store path"}, "bad header"),
    ({"nar": "b3:00"}, "bad header"),
    ({"path": "0" * 32 + "-x", "v": 1}, "decode path info"),
])
def test_bad_headers_are_refused(store: LocalStore, header: dict[str, object], why: str) -> None:
    refused(store, _one_entry(header), Corrupt, why)


def test_non_canonical_header_is_refused(store: LocalStore, stream: bytes) -> None:
    pos = len(MAGIC)
    (n,) = struct.unpack("<I", stream[pos + 1:pos + 5])
    # Same map, keys in another order: decodes, but is not canonical.
    rec = unpack(stream[pos + 5:pos + 5 + n])
    raw = msgpack.packb(dict(reversed(list(rec.items()))), use_bin_type=True)
    assert len(raw) == n
    refused(store, stream[:pos + 5] + raw + stream[pos + 5 + n:], Corrupt, "canonical")


def test_missing_reference_registers_nothing(source: LocalStore, store: LocalStore) -> None:
    c = chain(source)
    out = io.BytesIO()
    export_paths(source, [c["app"], c["top"], c["tool"]], out)  # lib left out
    refused(store, out.getvalue(), MissingReference,
            f"register {c['app']}: referenced path {c['lib']} is not valid")


def test_reference_already_in_the_store_is_enough(source: LocalStore, store: LocalStore) -> None:
    c = chain(source)
    lib_only, rest = io.BytesIO(), io.BytesIO()
    export_paths(source, [c["lib"]], lib_only)
    export_paths(source, [c["app"]], rest)
    import_paths(store, io.BytesIO(lib_only.getvalue()))
    assert [i.path for i in import_paths(store, io.BytesIO(rest.getvalue()))] == [c["app"]]
    store_is_clean(store)


def test_export_of_an_invalid_path_is_refused(source: LocalStore, store: LocalStore) -> None:
    c = chain(source)
    source.unregister([c["top"]])
    with pytest.raises(NotFound, match=f"query {c['top']}: not a valid path"):
        export_paths(source, [c["top"]], io.BytesIO())
