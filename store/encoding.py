"""Canonical msgpack: the one byte encoding of every value sx hashes or stores.

Canonical means: map keys are strings, written in sorted order; integers use
the smallest msgpack form; strings are UTF-8 ``str``, bytes are ``bin``;
floats are refused (their text and binary forms are not unique). Decoding
refuses anything that would not re-encode to the same bytes.
"""

from __future__ import annotations

import msgpack
from sx.store.errors import Corrupt, InvalidInput

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any

    Value = Any  # None | bool | int | str | bytes | list[Value] | dict[str, Value]


def _canon(value: Value) -> Value:
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return value
    if isinstance(value, float):
        raise InvalidInput("encode value: floats are not allowed in canonical msgpack")
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise InvalidInput(f"encode value: map key {k!r} is not a string")
        return {k: _canon(value[k]) for k in sorted(value)}
    raise InvalidInput(f"encode value: cannot encode {type(value).__name__}")


def pack(value: Value) -> bytes:
    """Encode ``value`` canonically."""
    return msgpack.packb(_canon(value), use_bin_type=True)  # type: ignore[no-any-return]


def unpack(data: bytes, what: str = "record") -> Value:
    """Decode canonical msgpack; raise :class:`Corrupt` naming ``what`` on bad bytes."""
    try:
        value = msgpack.unpackb(data, raw=False, strict_map_key=True, use_list=True)
    except Exception as e:
        raise Corrupt(f"decode {what}: {e}") from e
    if pack(value) != data:
        raise Corrupt(f"decode {what}: not in canonical form")
    return value


def unpack_fast(data: bytes) -> Value:
    """Decode trusted bytes written by :func:`pack` (the database's own values)."""
    return msgpack.unpackb(data, raw=False, use_list=True)
