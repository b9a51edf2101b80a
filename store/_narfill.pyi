"""Type stub of the C extension built from _narfill.c (see narwrite.py)."""

from collections.abc import Sequence

from typing_extensions import Buffer

FAIL_SOURCE: int
FAIL_COPY: int
FAIL_SHRANK: int

def fill(pieces: Sequence[bytes | tuple[bytes, bytes | None, int, bool]], buffer: Buffer,
         fix_mode: bool, /) -> tuple[int, int, int] | None: ...

def entries(path: bytes, /) -> list[tuple[bytes, int, int]]: ...
