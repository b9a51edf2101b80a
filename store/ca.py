"""Content addresses: how a path's name follows from its bytes, defined once.

Every path sx registers carries a ``ca`` field that says which of these
applies (docs/store-layout.md):

``source:<b3>``, ``drv:<b3>``
    the archive hash; the path is ``make_path(kind, hash, name, references)``.
``output:<b3>``
    the archive hash *modulo self-references*: the hash of the archive with
    every occurrence of the path's own digest replaced by :data:`MASK`. The
    path is ``make_path("output", hash, name, other references, self)``.
``fixed:flat:<h>``, ``fixed:nar:<h>``
    the declared hash of a fixed output (of the file, or of its archive,
    with ``h``'s algorithm); the path is ``make_path("fixed", h, name)`` and
    it refers to nothing.

:func:`check` verifies a prepared tree against its record; the builder uses
:func:`masked_hash` and :func:`output_path` to name what it built, so the
two sides cannot drift apart.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from sx.store.errors import Corrupt, HashMismatch, InvalidInput
from sx.store.fsutil import stream_file
from sx.store.hashing import Digest, Hasher
from sx.store.narwrite import dump
from sx.store.path import StorePath, make_path
from sx.store.value import Value

MASK = "e" * 32
"""What a self-reference is replaced by for hashing ('e' is not in the base32
alphabet, so the mask is never a real digest)."""



class ContentAddress(Value):
    """A parsed ``ca`` field."""

    __slots__ = _fields = ("kind", "digest", "mode")
    kind: str  # source, drv, output or fixed
    digest: Digest
    mode: str  # flat or nar, for fixed

    def __init__(self, kind: str, digest: Digest, mode: str = "") -> None:
        self._set("kind", kind)
        self._set("digest", digest)
        self._set("mode", mode)

    @classmethod
    def parse(cls, text: object, what: str) -> ContentAddress:
        """Parse a ``ca`` field; :class:`Corrupt` naming ``what`` when it is malformed."""
        if not isinstance(text, str):
            raise Corrupt(f"{what}: no content address (ca is {text!r})")
        kind, _, rest = text.partition(":")
        mode = ""
        if kind == "fixed":
            mode, _, rest = rest.partition(":")
            if mode not in ("flat", "nar"):
                raise Corrupt(f"{what}: bad content address {text[:120]!r}")
        elif kind not in ("source", "drv", "output"):
            raise Corrupt(f"{what}: bad content address {text[:120]!r}")
        try:
            digest = Digest.parse(rest)
        except InvalidInput as e:
            raise Corrupt(f"{what}: bad content address {text[:120]!r}") from e
        if kind != "fixed" and digest.algo != "b3":
            raise Corrupt(f"{what}: bad content address {text[:120]!r} (not BLAKE3)")
        return cls(kind, digest, mode)


class _MaskingHasher:
    """An archive sink hashing the bytes with one digest replaced by :data:`MASK`."""

    def __init__(self, digest: str) -> None:
        self.needle = digest.encode()
        self.mask = MASK.encode()
        self.hasher = Hasher("b3")
        self._tail = b""

    def update(self, data: bytes | memoryview) -> None:
        """Take more archive bytes (a digest may straddle two calls)."""
        buf = (self._tail + data) if self._tail else bytes(data)
        buf = buf.replace(self.needle, self.mask)
        keep = len(self.needle) - 1
        self.hasher.update(buf[:-keep])
        self._tail = buf[-keep:]

    def update_file(self, path: str, size: int) -> None:
        """Take a whole file's contents."""
        stream_file(path, size, self.update, "hash")

    def digest(self) -> Digest:
        """The hash of everything taken."""
        self.hasher.update(self._tail)
        self._tail = b""
        return self.hasher.digest()


def masked_hash(root: str, digest: str) -> Digest:
    """The archive hash of ``root`` with every occurrence of ``digest`` replaced by the mask.

    The replacement is over the archive bytes: file contents and symlink
    targets, and entry names too (a name holding its own path's digest is
    refused by the builder, so for every output sx makes this equals masking
    the contents alone).
    """
    sink = _MaskingHasher(digest)
    dump(root, sink, "hash")
    return sink.digest()


def output_path(masked: Digest, name: str, references: Iterable[StorePath],
                self_reference: bool) -> StorePath:
    """The path of a content-addressed output (``references`` without itself)."""
    return make_path("output", masked, name, references, self_reference=self_reference)


def _fixed_hash(obj: str, ca: ContentAddress, nar_hash: Digest, what: str) -> Digest:
    if ca.mode == "flat":
        st = os.lstat(obj)
        if not stat.S_ISREG(st.st_mode):
            raise HashMismatch(f"{what}: a flat fixed output must be a regular file")
        h = Hasher(ca.digest.algo)
        h.update_file(obj, st.st_size)
        return h.digest()
    if ca.digest.algo == nar_hash.algo:
        return nar_hash
    h = Hasher(ca.digest.algo)
    dump(obj, h, "hash")
    return h.digest()


def check(path: StorePath, nar_hash: Digest, references: tuple[StorePath, ...],
          ca_text: object, obj: str, what: str) -> None:
    """Raise unless ``path`` is the content address of the tree ``obj``.

    ``nar_hash`` is the tree's archive hash, already verified against the
    bytes by the caller. :class:`HashMismatch` when the name does not follow
    from the contents, :class:`Corrupt` when the ``ca`` field is malformed.
    """
    ca = ContentAddress.parse(ca_text, what)
    others = tuple(r for r in references if r != path)
    self_ref = len(others) != len(references)
    if ca.kind in ("source", "drv"):
        if ca.digest != nar_hash:
            raise HashMismatch(f"{what}: content address {ca.digest}, archive hash {nar_hash}")
        if self_ref:
            raise HashMismatch(f"{what}: a {ca.kind} path cannot refer to itself")
        want = make_path(ca.kind, nar_hash, path.name, references)
    elif ca.kind == "output":
        got = masked_hash(obj, path.digest) if self_ref else nar_hash
        if got != ca.digest:
            raise HashMismatch(f"{what}: content address {ca.digest}, contents hash to {got}"
                               + (" modulo self-references" if self_ref else ""))
        want = output_path(got, path.name, others, self_ref)
    else:
        if references:
            raise HashMismatch(f"{what}: a fixed output cannot refer to store paths")
        got = _fixed_hash(obj, ca, nar_hash, what)
        if got != ca.digest:
            raise HashMismatch(f"{what}: {ca.mode} hash {got}, content address says {ca.digest}")
        want = make_path("fixed", got, path.name)
    if want != path:
        raise HashMismatch(f"{what}: content address gives {want}")
