"""Byte counts as people write them: the one parser and the one formatter.

``parse_size`` accepts plain bytes (``4096``) or a number with a unit
``K``, ``M``, ``G`` or ``T`` (powers of 1024, any case, an optional trailing
``B`` or ``iB``), and a decimal fraction with a unit (``1.5G``). Every
command-line flag and configuration key that takes a size uses it, so they
all accept the same forms and fail with the same message.
"""

from __future__ import annotations

from sx.store.errors import InvalidInput

_SIZE = r"(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?"
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
SIZE_FORMS = "bytes, or a number with K, M, G or T (powers of 1024), e.g. 4096, 100k, 1.5G"
"""What :func:`parse_size` accepts, for help texts and error messages."""


def parse_size(text: str) -> int:
    """Parse a byte count: ``123``, ``100k``, ``10M``, ``1.5G``, ``2T``, ``5MiB``.

    Fractions need a unit and are rounded down to whole bytes. Raises
    :class:`InvalidInput` (``parse size '...': expected ...``) on anything else.
    """
    import re  # here: most commands parse no size, and ``re`` costs their start-up

    m = re.fullmatch(_SIZE, text.strip(), re.IGNORECASE | re.ASCII)
    if m is None or ("." in m.group(1) and not m.group(2)):
        raise InvalidInput(f"parse size {text!r}: expected {SIZE_FORMS}")
    whole, _, frac = m.group(1).partition(".")
    scale: int = 10 ** len(frac)
    return (int(whole) * scale + int(frac or 0)) * _UNITS[m.group(2).lower()] // scale


def format_size(n: int) -> str:
    """A byte count for people: ``512 B``, ``1.5 KiB``, ``3.2 MiB``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
