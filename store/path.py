"""Store paths: ``/sx/store/<digest>-<name>``, parsed once and passed as values.

The digest is 32 characters of Nix-style base32 over the first 160 bits of
the BLAKE3 hash of a typed *fingerprint* (see :func:`fingerprint`). The
logical store directory is always :data:`STORE_DIR`; where the bytes live on
disk (the physical root) is the local store's business, not the path's.
"""

from __future__ import annotations

from collections.abc import Iterable

from sx.store.errors import InvalidInput, InvalidName, InvalidPath
from sx.store.hashing import Digest
from sx.store.value import Value

STORE_DIR = "/sx/store"
DIGEST_LEN = 32
NAME_MAX = 211
# Nix's base32 alphabet: digits and lower-case letters without e, o, u, t.
BASE32 = "0123456789abcdfghijklmnpqrsvwxyz"
NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-._?="
"""The characters a store path name may hold."""
# Sets of characters are checked with ``str.strip``: a text holds only
# characters of the set when stripping them leaves nothing. It runs in C, as
# fast as a regular expression, and spares every command importing ``re``.
KINDS = ("source", "output", "fixed", "drv")
assert DIGEST_LEN == 32  # StorePath.from_base spells it out


def nix_base32(data: bytes) -> str:
    """Encode bytes the way Nix prints hashes in base32 (last byte first)."""
    nchars = (len(data) * 8 - 1) // 5 + 1
    out = []
    for n in range(nchars - 1, -1, -1):
        bit = n * 5
        i, j = divmod(bit, 8)
        c = data[i] >> j
        if i + 1 < len(data):
            c |= data[i + 1] << (8 - j)
        out.append(BASE32[c & 0x1F])
    return "".join(out)


def validate_name(name: str) -> str:
    """Return ``name`` if it is a valid store path name, else raise :class:`InvalidName`."""
    if not name:
        raise InvalidName("validate name '': name is empty")
    if len(name) > NAME_MAX:
        raise InvalidName(f"validate name {name[:40]!r}...: longer than {NAME_MAX} characters")
    if name.startswith("."):
        raise InvalidName(f"validate name {name!r}: must not start with '.'")
    if name.strip(NAME_CHARS):
        bad = next(c for c in name if c not in NAME_CHARS)
        raise InvalidName(
            f"validate name {name!r}: character {bad!r} not allowed "
            "(allowed: letters, digits and + - . _ ? =)"
        )
    return name


def is_digest(text: str) -> bool:
    """True when ``text`` is 32 Nix-base32 characters."""
    return len(text) == DIGEST_LEN and not text.strip(BASE32)


class StorePath(Value):
    """A validated store path. ``str(p)`` is the full logical path.

    Frozen; equal, hashed and ordered by (digest, name). The comparisons are
    written out: store paths fill the sets and sorts of every closure.
    """

    __slots__ = ("digest", "name")
    _fields = ("digest", "name")
    digest: str
    name: str

    def __init__(self, digest: str, name: str) -> None:
        if not is_digest(digest):
            raise InvalidPath(f"parse store path digest {digest!r}: not 32 base32 characters")
        validate_name(name)
        self._set("digest", digest)
        self._set("name", name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StorePath):
            return self.digest == other.digest and self.name == other.name
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.digest, self.name))

    def __lt__(self, other: StorePath) -> bool:
        return (self.digest, self.name) < (other.digest, other.name)

    def __le__(self, other: StorePath) -> bool:
        return (self.digest, self.name) <= (other.digest, other.name)

    def __gt__(self, other: StorePath) -> bool:
        return (self.digest, self.name) > (other.digest, other.name)

    def __ge__(self, other: StorePath) -> bool:
        return (self.digest, self.name) >= (other.digest, other.name)

    @property
    def base(self) -> str:
        """``<digest>-<name>``: the entry name inside the store directory."""
        return f"{self.digest}-{self.name}"

    def __str__(self) -> str:
        return f"{STORE_DIR}/{self.digest}-{self.name}"

    @property
    def is_derivation(self) -> bool:
        """True for ``.drv`` objects."""
        return self.name.endswith(".drv")

    @classmethod
    def parse(cls, text: str) -> StorePath:
        """Parse ``/sx/store/<digest>-<name>`` (nothing after the name)."""
        prefix = STORE_DIR + "/"
        if not text.startswith(prefix):
            raise InvalidPath(f"parse store path {text!r}: not under {STORE_DIR}")
        return cls.from_base(text[len(prefix) :], original=text)

    @classmethod
    def from_base(cls, base: str, original: str | None = None) -> StorePath:
        """Parse ``<digest>-<name>``."""
        # A whole valid base name in one test (the same rules as is_digest and
        # validate_name): queries parse thousands of them from the database.
        # Anything it refuses goes the slow way, which names the cause.
        digest, name = base[:32], base[33:]
        if (base[32:33] == "-" and 0 < len(name) <= NAME_MAX and name[0] != "."
                and not digest.strip(BASE32) and not name.strip(NAME_CHARS)):
            return cls._checked(digest, name)
        shown = original if original is not None else base
        if "/" in base:
            raise InvalidPath(f"parse store path {shown!r}: extra path components")
        digest, dash, name = base[:DIGEST_LEN], base[DIGEST_LEN : DIGEST_LEN + 1], base[33:]
        if dash != "-" or not is_digest(digest):
            raise InvalidPath(f"parse store path {shown!r}: expected '<32 base32 chars>-<name>'")
        try:
            return cls(digest, name)
        except InvalidName as e:
            raise InvalidName(f"parse store path {shown!r}: {e}") from None

    @classmethod
    def _checked(cls, digest: str, name: str) -> StorePath:
        """A path from parts already known valid (skips ``__init__``'s second check)."""
        path = object.__new__(cls)
        object.__setattr__(path, "digest", digest)
        object.__setattr__(path, "name", name)
        return path

    @classmethod
    def split(cls, text: str) -> tuple[StorePath, str]:
        """Split ``/sx/store/<d>-<n>/sub/dir`` into the store path and ``sub/dir``."""
        prefix = STORE_DIR + "/"
        if not text.startswith(prefix):
            raise InvalidPath(f"parse store path {text!r}: not under {STORE_DIR}")
        base, _, rest = text[len(prefix) :].partition("/")
        return cls.from_base(base, original=text), rest


def fingerprint(
    kind: str,
    content: Digest,
    name: str,
    references: Iterable[StorePath] = (),
    self_reference: bool = False,
) -> bytes:
    """The typed fingerprint a store path digest is computed from.

    ``kind`` is one of :data:`KINDS`; the references are sorted so that the
    fingerprint does not depend on the order they were found in.
    """
    if kind not in KINDS:
        raise InvalidInput(f"make store path {name!r}: unknown kind {kind!r} "
                           f"(one of {', '.join(KINDS)})")
    refs = sorted({str(r) for r in references})
    if self_reference:
        refs.append("self")
    fields = ["sx-path-1", kind, str(content), STORE_DIR, name, *refs]
    return "\0".join(fields).encode()


def make_path(
    kind: str,
    content: Digest,
    name: str,
    references: Iterable[StorePath] = (),
    self_reference: bool = False,
) -> StorePath:
    """Compute the store path for content of a given kind, name and references."""
    validate_name(name)
    fp = fingerprint(kind, content, name, references, self_reference)
    return StorePath(nix_base32(Digest.b3(fp).raw[:20]), name)
