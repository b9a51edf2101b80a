"""The one size parser: every form a flag or config key may use, and the one error."""

from __future__ import annotations

import pytest
from sx.store.errors import InvalidInput
from sx.store.sizes import format_size, parse_size


@pytest.mark.parametrize(("text", "expected"), [
    ("0", 0), ("123", 123), ("100k", 100 << 10), ("10K", 10 << 10), ("10m", 10 << 20),
    ("1G", 1 << 30), ("1T", 1 << 40), ("2t", 2 << 40), ("5MiB", 5 << 20), ("5MB", 5 << 20),
    (" 7 K ", 7 << 10), ("1.5G", 3 << 29), ("0.5k", 512), ("1.0001k", 1024),
])
def test_accepted_forms(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "K", "-1", "1.5", "10X", "ten", "1e9", "1..5G", ".5G",
                                 "1,5G", "1 G B", "0x10", "١٢"])
def test_nonsense_is_one_error(bad: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_size(bad)
    assert str(e.value) == (f"parse size {bad!r}: expected bytes, or a number with K, M, G or "
                            "T (powers of 1024), e.g. 4096, 100k, 1.5G")


def test_format_size() -> None:
    assert format_size(512) == "512 B"
    assert format_size(1536) == "1.5 KiB"
    assert format_size(3 << 30) == "3.0 GiB"
