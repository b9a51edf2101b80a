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

:func:`check` returns the item with a :class:`Checked` proof. Called again
on an item whose proof covers its tree and the content fields of its record
(path, archive hash and size, references, ``ca``), it returns at once: a
download checks a path as it arrives (so a bad archive fails that download,
not the whole install), and ``install_many`` does not hash it a second time.
Any other change to the record, or another tree, is checked again in full.
"""

from __future__ import annotations

from collections import namedtuple

from sx.store import ca
from sx.store.errors import Corrupt, HashMismatch
from sx.store.info import PathInfo
from sx.store.nar import Measured, measure
from sx.store.tempdir import TempDir

_MINT = object()


class Checked:
    """Proof that :func:`check` passed for one tree and one record's content fields.

    Only :func:`check` makes one (the constructor refuses anyone else). It
    is not a signature: it stands for a check this process made on a tree in
    its own locked temp dir, which nothing else writes to.
    """

    __slots__ = ("_key",)

    def __init__(self, key: tuple[object, ...], mint: object) -> None:
        if mint is not _MINT:
            raise TypeError("a Checked proof is made by sx.store.registration.check only")
        self._key = key

    def covers(self, item: Prepared) -> bool:
        """True when this proof was made for exactly ``item``'s tree and content fields."""
        return self._key == _key(item)


def _key(item: Prepared) -> tuple[object, ...]:
    i = item.info
    return (item.tmp.path, item.obj, i.path, i.nar_hash, i.nar_size, i.references, i.ca)


# typing only for the checker: importing it costs every ``sx store add`` (cli/main.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

    class Prepared(NamedTuple):
        """A tree ready to be installed: where it is, what it claims to be, what sx measured."""

        tmp: TempDir
        obj: str
        info: PathInfo
        measured: Measured | None = None
        checked: Checked | None = None
        """Set by :func:`check`; nothing else sets it."""
else:
    Prepared = namedtuple("Prepared", "tmp obj info measured checked", defaults=(None, None))
    Prepared.__doc__ = ("A tree ready to be installed: where it is, what it claims to be, "
                        "what sx measured.")


def check(item: Prepared, verb: str) -> Prepared:
    """Raise unless ``item.obj`` is exactly what ``item.info`` says (see the module docstring).

    Returns ``item`` with its :class:`Checked` proof. :class:`HashMismatch`
    or :class:`Corrupt` (both bad input) name ``verb``, the path and the cause.
    """
    if item.checked is not None and item.checked.covers(item):
        return item
    _check(item, verb)
    return item._replace(checked=Checked(_key(item), _MINT))


def _check(item: Prepared, verb: str) -> None:
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
