"""Digests: the BLAKE3 values used everywhere in sx, plus sha256 for the outside world.

A :class:`Digest` is a frozen value with one canonical text form,
``<algo>:<hex>``, e.g. ``b3:af13...``; :meth:`Digest.parse` is the only parser.
sha256 digests appear only where an external format requires them (OCI,
pinned upstream tarballs).
"""

from __future__ import annotations

import os

from sx.store.errors import InvalidInput
from sx.store.value import Value

TYPE_CHECKING = False  # blake3 is loaded where something is hashed: queries hash nothing
if TYPE_CHECKING:
    import blake3

_LENGTHS = {"b3": 32, "sha256": 32, "sha512": 64}
THREADED_MIN = 32 << 20
"""The smallest single input that BLAKE3's thread pool hashes (docs/performance.md).

Below it, waking the pool's threads for each input costs more CPU (futex
and ``sched_yield`` while they look for work) than it saves wall time: on
2 busy cores the pool was slower up to 16 MiB and only gained at 64 MiB.
Trees are hashed on one thread whatever their size, since the archive
writer's workers already read files beside it."""
_MMAP_MIN = 1 << 20
"""Files from this size on are memory-mapped rather than read into buffers."""
_READ_CHUNK = 1 << 20
_THREADED_CHUNK = 16 << 20  # reads big enough for the thread pool to pay


class Digest(Value):
    """A hash value: the algorithm name and the raw digest bytes (frozen, compared by value)."""

    __slots__ = ("algo", "raw")
    _fields = ("algo", "raw")
    algo: str
    raw: bytes

    def __init__(self, algo: str, raw: bytes) -> None:
        want = _LENGTHS.get(algo)
        if want is None:
            raise InvalidInput(f"parse digest: unknown algorithm {algo!r}")
        if len(raw) != want:
            raise InvalidInput(
                f"parse digest: {algo} digest must be {want} bytes, got {len(raw)}"
            )
        self._set("algo", algo)
        self._set("raw", bytes(raw))

    @property
    def hex(self) -> str:
        """The digest bytes as lower-case hex."""
        return self.raw.hex()

    def __str__(self) -> str:
        return f"{self.algo}:{self.raw.hex()}"

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Parse ``algo:hex``; raise :class:`InvalidInput` naming the text on failure."""
        algo, sep, hexpart = text.partition(":")
        if not sep:
            raise InvalidInput(f"parse digest {text!r}: expected '<algo>:<hex>'")
        if algo == "blake3":
            algo = "b3"
        try:
            raw = bytes.fromhex(hexpart)
        except ValueError:
            raise InvalidInput(f"parse digest {text!r}: not hexadecimal") from None
        if hexpart != hexpart.lower():
            raise InvalidInput(f"parse digest {text!r}: hex must be lower case")
        return cls(algo, raw)

    @classmethod
    def b3(cls, data: bytes) -> Digest:
        """The BLAKE3 digest of ``data``."""
        import blake3

        return cls("b3", blake3.blake3(data).digest())

    @classmethod
    def sha256(cls, data: bytes) -> Digest:
        """The sha256 digest of ``data``."""
        import hashlib  # here, not at the top: loading OpenSSL adds ~10 ms to every command

        return cls("sha256", hashlib.sha256(data).digest())


class Hasher:
    """A streaming hasher that also counts bytes; BLAKE3 by default.

    One thread, unless ``threads`` is set: then BLAKE3 spreads each update
    over its thread pool, which pays only for single inputs of at least
    :data:`THREADED_MIN` bytes.
    """

    def __init__(self, algo: str = "b3", threads: bool = False) -> None:
        self.algo = algo
        self.size = 0
        if algo == "b3":
            import blake3

            self._b3: blake3.blake3 | None = blake3.blake3(
                max_threads=blake3.blake3.AUTO if threads else 1)
            self._other = None
        else:
            self._b3 = None
            import hashlib

            self._other = hashlib.new(algo)

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Feed more bytes."""
        self.size += len(data)
        if self._b3 is not None:
            self._b3.update(data)
        else:
            assert self._other is not None
            self._other.update(data)

    def update_file(self, path: str, size: int) -> None:
        """Feed a whole file of known size; large files are memory-mapped.

        Raises :class:`InvalidInput` when the file no longer has ``size`` bytes.
        """
        if self._b3 is not None and size >= _MMAP_MIN:
            actual = os.stat(path).st_size
            if actual == size:
                self._b3.update_mmap(path)
                self.size += size
                return
        else:
            actual = 0
            with open(path, "rb") as f:
                while chunk := f.read(min(_READ_CHUNK, size + 1 - actual)):
                    actual += len(chunk)
                    if actual > size:
                        break
                    self.update(chunk)
            if actual == size:
                return
        raise InvalidInput(f"hash {path!r}: file has changed size while reading "
                           f"(expected {size} bytes)")

    def digest(self) -> Digest:
        """The digest of everything fed so far."""
        if self._b3 is not None:
            return Digest("b3", self._b3.digest())
        assert self._other is not None
        return Digest(self.algo, self._other.digest())


def hash_file(path: str, algo: str = "b3") -> Digest:
    """Hash a regular file's bytes (not its archive); on threads when it is large.

    The file is read through the one descriptor it was opened with (not mapped:
    a file truncated meanwhile must not stop sx with SIGBUS)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        threaded = algo == "b3" and size >= THREADED_MIN
        h = Hasher(algo, threads=threaded)
        step = _THREADED_CHUNK if threaded else _READ_CHUNK
        while chunk := f.read(step):
            h.update(chunk)
    return h.digest()
