"""What the store checks before any path enters it: the one choke point.

Every way a path reaches the store (``sx store add``, a build's outputs,
``sx store import``, ``sx import-oci``, cache downloads and substitution)
prepares a tree in a locked temp dir, describes it with a :class:`PathInfo`
and hands both to ``LocalStore.install_many``, which calls :func:`check` on
each before it moves anything into place. Nothing is taken on trust from
the record:

* the archive hash and size of the tree on disk equal the record's (they
  are recomputed, unless sx measured them itself while writing the bytes:
  a :class:`~sx.store.nar.Measured` from ``nar.restore`` or a copy);
* the path is the content address of the tree (:mod:`sx.store.ca`): the
  ``ca`` field must be present, and the name must follow from the bytes;
* every declared reference occurs in the bytes (a reference that is not
  there would keep unrelated paths alive, or lie about a closure).

That every reference is a valid path (or part of the same install) is
checked inside the write transaction, where it cannot change.
"""

from __future__ import annotations

from typing import NamedTuple

from sx.store import ca
from sx.store.errors import Corrupt, HashMismatch
from sx.store.info import PathInfo
from sx.store.nar import Measured, measure
from sx.store.tempdir import TempDir


class Prepared(NamedTuple):
    """A tree ready to be installed: where it is, what it claims to be, what sx measured."""

    tmp: TempDir
    obj: str
    info: PathInfo
    measured: Measured | None = None


def check(item: Prepared, verb: str) -> None:
    """Raise unless ``item.obj`` is exactly what ``item.info`` says (see the module docstring).

    :class:`HashMismatch` or :class:`Corrupt` (both bad input) name
    ``verb``, the path and the cause.
    """
    info = item.info
    what = f"{verb} {info.path}"
    digests = frozenset(r.digest for r in info.references)
    m = item.measured
    if m is None or not digests <= m.scanned:
        m = measure(item.obj, digests, verb)
    if m.nar_size != info.nar_size:
        raise Corrupt(f"{what}: archive is {m.nar_size} bytes, record says {info.nar_size}")
    if m.nar_hash != info.nar_hash:
        raise HashMismatch(f"{what}: archive hash {m.nar_hash}, record says {info.nar_hash}")
    absent = sorted(r for r in info.references if r.digest not in m.found)
    if absent:
        raise HashMismatch(f"{what}: declares a reference to {absent[0]}, "
                           "which its contents do not mention")
    ca.check(info.path, m.nar_hash, info.references, info.ca, item.obj, what)
