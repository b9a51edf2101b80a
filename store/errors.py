"""A shallow exception tree for everything the store can refuse or fail at.

Two families, never to be confused:

* :class:`InvalidInput` and its children: the caller (or a file, archive,
  signature or cache the caller pointed at) is wrong. Retrying will not help;
  the message names the object and the cause.
* :class:`StorageError`: the store itself could not do its job (disk full,
  permissions, a lock that cannot be taken). The store is left as it was.

"Not there" is never an exception on query functions: they return ``None``.
:class:`NotFound` is raised only by operations that *require* an object.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error sx raises on purpose."""


class InvalidInput(StoreError):
    """Bad input: a malformed name, path, hash, archive, derivation or request.

    Raised before anything is written. Not raised for I/O failures of the
    store itself (see :class:`StorageError`).
    """


class InvalidName(InvalidInput):
    """A store path name breaks the naming rules (characters, length, leading dot)."""


class InvalidPath(InvalidInput):
    """A string is not a well-formed store path (wrong directory, digest or name)."""


class HashMismatch(InvalidInput):
    """Content does not hash to the value it was declared or recorded with.

    The message names the object, the expected and the actual hash.
    """


class Corrupt(InvalidInput):
    """An archive or record is malformed or truncated.

    Not raised when well-formed data merely hashes wrong: that is :class:`HashMismatch`.
    """


class MissingReference(InvalidInput):
    """A path refers to store paths that are neither present nor part of the same import."""


class NotFound(StoreError):
    """An operation needs a store object that is not registered.

    Query functions return ``None`` instead of raising this.
    """


class StillAlive(StoreError):
    """A path cannot be deleted because a root, a referrer or a running process keeps it."""


class Untrusted(StoreError):
    """Fewer distinct trusted keys than the policy requires signed an object.

    Raised when a path or realisation from a cache is not trusted enough to be
    used; it says how many valid trusted signatures were found and which
    signatures were bad or by unknown keys. Not raised for malformed keys or
    policies (those are :class:`InvalidInput`).
    """


class StorageError(StoreError):
    """The store could not carry out a valid request (I/O, locking, space).

    The operation has been rolled back: the store holds the old state.
    """
