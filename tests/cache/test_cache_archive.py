"""Compressed archives: the same archive always gives the same bytes (and so the same key)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import zstandard
from cache_helpers import Closure
from sx.store.cache.archive import pack_path
from sx.store.cache.layout import ZSTD_LEVEL
from sx.store.errors import HashMismatch
from sx.store.fsutil import make_writable
from sx.store.local import LocalStore


def _compress(data: bytes, threads: int, chunk: int) -> bytes:
    out = io.BytesIO()
    c = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=threads, write_checksum=True)
    w = c.stream_writer(out, size=len(data), closefd=False)
    for i in range(0, len(data), chunk):
        w.write(data[i:i + chunk])
    w.flush(zstandard.FLUSH_FRAME)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1000, 5 << 20])
def test_output_does_not_depend_on_threads_or_chunking(size: int) -> None:
    data = (os.urandom(size // 2) + b"compressible " * (size // 26))[:size]
    outs = {_compress(data, t, c) for t in (1, 2, -1) for c in (4096, 1 << 20)}
    assert len(outs) == 1
    assert zstandard.ZstdDecompressor().decompress(outs.pop()) == data


def test_packing_twice_gives_one_file(tmp_path: Path, store: LocalStore,
                                      closure: Closure) -> None:
    info = store.require(closure.top)
    a = pack_path(store, info, str(tmp_path))
    b = pack_path(store, info, str(tmp_path))
    assert a.file != b.file and (a.file_hash, a.file_size) == (b.file_hash, b.file_size)
    assert Path(a.file).read_bytes() == Path(b.file).read_bytes()


def test_local_damage_is_never_packed(tmp_path: Path, store: LocalStore,
                                      closure: Closure) -> None:
    real = store.real_path(closure.lib)
    make_writable(real)
    with open(os.path.join(real, "data.txt"), "a") as f:
        f.write("bit rot")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(HashMismatch, match=f"upload {closure.lib}: local contents hash to"):
        pack_path(store, store.require(closure.lib), str(scratch))
    assert os.listdir(scratch) == []
