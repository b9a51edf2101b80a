"""Ed25519 keys, signatures over fingerprints, and the k-of-n trust policy.

Text forms (docs/cache.md), the same shapes Nix uses:

* public key: ``<name>:<base64 of the 32-byte key>``
* secret key: ``<name>:<base64 of the 32-byte seed followed by the public key>``
* signature:  ``<name>:<base64 of the 64-byte signature>``

What is signed is a fingerprint defined next to the value it describes
(:meth:`PathInfo.fingerprint`, :meth:`Realisation.fingerprint`). The name in
a signature only selects a key; trust comes from the key bytes, so two
configured names for one key count as one signer.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

from sx.store.errors import InvalidInput
from sx.store.errors import Untrusted as Untrusted  # its home is the error tree; re-exported
from sx.store.value import Value

# cryptography is imported where a key is used, not here: reading the trust
# settings (every ``sx realize``) needs none of it, and it costs about 7 ms.

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")



def check_key_name(name: str) -> str:
    """Return ``name`` if it is a valid key name (letters, digits, ``._+-``)."""
    if not _NAME_RE.fullmatch(name):
        raise InvalidInput(
            f"parse key name {name[:60]!r}: use 1-100 letters, digits, '.', '_', '+' or '-'")
    return name


def _split(text: str, what: str, size: int) -> tuple[str, bytes]:
    name, sep, b64 = text.strip().partition(":")
    if not sep:
        raise InvalidInput(f"parse {what} {text[:60]!r}: expected '<name>:<base64>'")
    check_key_name(name)
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"parse {what} {name}: not valid base64") from None
    if len(raw) != size:
        raise InvalidInput(f"parse {what} {name}: {len(raw)} bytes, expected {size}")
    return name, raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class PublicKey(Value):
    """A named ed25519 public key."""

    __slots__ = _fields = ("name", "raw")
    name: str
    raw: bytes

    def __init__(self, name: str, raw: bytes) -> None:
        self._set("name", name)
        self._set("raw", raw)

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        """Parse ``name:base64``."""
        return cls(*_split(text, "public key", 32))

    def __str__(self) -> str:
        return f"{self.name}:{_b64(self.raw)}"

    def verify(self, fingerprint: bytes, signature: str) -> bool:
        """Whether ``signature`` (``name:base64``) is this key's signature of ``fingerprint``."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        name, _, b64 = signature.partition(":")
        if name != self.name:
            return False
        try:
            sig = base64.b64decode(b64, validate=True)
            Ed25519PublicKey.from_public_bytes(self.raw).verify(sig, fingerprint)
        except (binascii.Error, ValueError, InvalidSignature):
            return False
        return True


class SecretKey(Value):
    """A named ed25519 secret key (kept as its 32-byte seed)."""

    __slots__ = _fields = ("name", "seed")
    name: str
    seed: bytes

    def __init__(self, name: str, seed: bytes) -> None:
        self._set("name", name)
        self._set("seed", seed)

    def __repr__(self) -> str:
        return f"SecretKey(name={self.name!r})"  # never the seed

    @classmethod
    def generate(cls, name: str) -> SecretKey:
        """A fresh random key."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
        return cls(check_key_name(name), key.private_bytes_raw())

    @classmethod
    def parse(cls, text: str) -> SecretKey:
        """Parse ``name:base64(seed + public key)``, checking that the halves belong together."""
        name, raw = _split(text, "secret key", 64)
        key = cls(name, raw[:32])
        if key.public().raw != raw[32:]:
            raise InvalidInput(f"parse secret key {name}: public half does not match the seed")
        return key

    def __str__(self) -> str:
        return f"{self.name}:{_b64(self.seed + self.public().raw)}"

    def public(self) -> PublicKey:
        """The matching public key."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        pub = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        return PublicKey(self.name, pub)

    def sign(self, fingerprint: bytes) -> str:
        """The signature ``name:base64`` of ``fingerprint``."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        sig = Ed25519PrivateKey.from_private_bytes(self.seed).sign(fingerprint)
        return f"{self.name}:{_b64(sig)}"


def load_secret_key(path: str) -> SecretKey:
    """Read a secret key file."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError as e:
        raise InvalidInput(f"read secret key {path}: {e.strerror}") from e
    try:
        return SecretKey.parse(text)
    except InvalidInput as e:
        raise InvalidInput(f"read secret key {path}: {e}") from None


def write_secret_key(key: SecretKey, path: str) -> None:
    """Write a new secret key file readable by its owner only; never overwrites."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise InvalidInput(f"write secret key {path}: {e.strerror}") from e
    with os.fdopen(fd, "w") as f:
        f.write(f"{key}\n")


class SignatureStatus(Value):
    """How one signature fared against a set of trusted keys."""

    __slots__ = _fields = ("name", "status")
    name: str
    status: str  # "valid", "invalid" (trusted name, bad signature) or "untrusted" (unknown key)

    def __init__(self, name: str, status: str) -> None:
        self._set("name", name)
        self._set("status", status)


class TrustPolicy(Value):
    """Which keys are trusted, how many distinct ones must agree, and where to look.

    ``required`` is k in "k of n": an object is trusted when at least k
    distinct trusted keys (distinct key bytes, not names) have each signed
    its fingerprint with a valid signature.
    """

    __slots__ = _fields = ("keys", "required", "substituters")
    keys: tuple[PublicKey, ...]
    required: int
    substituters: tuple[str, ...]

    def __init__(self, keys: tuple[PublicKey, ...], required: int = 1,
                 substituters: tuple[str, ...] = ()) -> None:
        self._set("keys", keys)
        self._set("required", required)
        self._set("substituters", substituters)
        names = [k.name for k in self.keys]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            raise InvalidInput(f"load trust policy: key name {dup!r} is listed twice")
        distinct = len({k.raw for k in self.keys})
        if self.required < 1:
            raise InvalidInput(
                f"load trust policy: required-signatures must be at least 1, got {self.required}")
        if self.required > distinct:
            raise InvalidInput(
                f"load trust policy: required-signatures = {self.required} but only "
                f"{distinct} distinct trusted keys are listed")

    def statuses(self, fingerprint: bytes, signatures: tuple[str, ...]) -> list[SignatureStatus]:
        """Each signature with its status, in signature order."""
        by_name = {k.name: k for k in self.keys}
        out = []
        for sig in signatures:
            name = sig.partition(":")[0]
            key = by_name.get(name)
            if key is None:
                out.append(SignatureStatus(name, "untrusted"))
            else:
                ok = key.verify(fingerprint, sig)
                out.append(SignatureStatus(name, "valid" if ok else "invalid"))
        return out

    def signers(self, fingerprint: bytes, signatures: tuple[str, ...]) -> list[str]:
        """Names of the distinct trusted keys with a valid signature (one name per key)."""
        by_name = {k.name: k for k in self.keys}
        seen: dict[bytes, str] = {}
        for st in self.statuses(fingerprint, signatures):
            if st.status == "valid":
                seen.setdefault(by_name[st.name].raw, st.name)
        return sorted(seen.values())

    def is_trusted(self, fingerprint: bytes, signatures: tuple[str, ...]) -> bool:
        """Whether at least ``required`` distinct trusted keys signed ``fingerprint``."""
        return len(self.signers(fingerprint, signatures)) >= self.required

    def check(self, fingerprint: bytes, signatures: tuple[str, ...], what: str) -> list[str]:
        """The signers, or :class:`Untrusted` naming what was found when there are too few."""
        signers = self.signers(fingerprint, signatures)
        if len(signers) >= self.required:
            return signers
        found = ", ".join(signers) or "none"
        notes = [f"{st.status} signature by {st.name!r}"
                 for st in self.statuses(fingerprint, signatures) if st.status != "valid"]
        extra = f" ({'; '.join(notes)})" if notes else ""
        raise Untrusted(f"trust {what}: {len(signers)} of {self.required} required trusted "
                        f"signatures (valid: {found}){extra}")
