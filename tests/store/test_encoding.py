"""Canonical msgpack: one encoding per value, and decoding refuses any other."""

from __future__ import annotations

import msgpack
import pytest
from sx.store.encoding import pack, unpack
from sx.store.errors import Corrupt, InvalidInput


def test_maps_are_sorted_whatever_the_insertion_order() -> None:
    assert pack({"b": 1, "a": [1, {"z": None, "y": b"\0"}]}) == \
        pack({"a": [1, {"y": b"\0", "z": None}], "b": 1})


def test_golden_bytes() -> None:
    assert pack({"v": 1, "name": "x", "raw": b"\x01", "ok": True, "n": None}).hex() == \
        "85a16ec0a46e616d65a178a26f6bc3a3726177c40101a17601"


def test_round_trip() -> None:
    value = {"int": -(2**40), "big": 2**63, "list": [1, "two", b"three", None, False],
             "nested": {"k": {"deep": []}}}
    assert unpack(pack(value)) == value


def test_tuples_encode_as_lists() -> None:
    assert pack((1, 2)) == pack([1, 2])


@pytest.mark.parametrize(("value", "why"), [
    (1.5, "floats are not allowed"),
    ({1: "x"}, "is not a string"),
    ({"a": {2.0}}, "cannot encode set"),
])
def test_unencodable_values_are_refused(value: object, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        pack(value)


@pytest.mark.parametrize("data", [
    msgpack.packb({"b": 1, "a": 2}),  # keys out of order
    b"\xcd\x00\x01",                  # 1 as uint16: not the smallest form
    b"\xd9\x04text",                   # str8 where a fixstr fits
])
def test_non_canonical_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(Corrupt, match="decode record: not in canonical form"):
        unpack(data, "record")


def test_garbage_is_corrupt_naming_what() -> None:
    with pytest.raises(Corrupt, match="decode path info: "):
        unpack(b"\xc1", "path info")
    with pytest.raises(Corrupt, match="decode record"):
        unpack(pack([1]) + b"extra")
