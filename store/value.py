"""Frozen value classes without ``dataclasses``.

``dataclasses`` imports ``inspect`` (and with it ``ast``, ``dis`` and
``tokenize``) and generates each class's methods with ``exec``: about a
fifth of the instructions of a short command such as ``sx path-info -r``.
The values every command touches (digests, store paths, path infos,
realisations) derive from :class:`Value` instead: each writes its own
``__init__`` (checked by mypy like any function), and the base gives
freezing, comparison and hashing by fields, ``repr``, ``replace`` and
pickling.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import ClassVar, Self


class Value:
    """A frozen value whose identity is the tuple of its ``_fields``.

    A subclass lists ``__slots__`` and ``_fields`` (in ``__init__``'s
    positional order), and its ``__init__`` sets each field once with
    :meth:`_set`. Equal only to an instance of the same class with equal fields.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is frozen")

    def _astuple(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Value)
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # By keyword, as replace() builds: some constructors take keywords only.
        return (_rebuild, (type(self), dict(zip(self._fields, self._astuple(), strict=True))))

    def replace(self, **changes: object) -> Self:
        """A copy with ``changes`` (by field name), built and checked by ``__init__``."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        values = {f: changes.get(f, getattr(self, f)) for f in self._fields}
        return type(self)(**values)


def _rebuild(cls: type[Value], fields: dict[str, object]) -> Value:
    """A :class:`Value` from its fields by name (pickling and copying)."""
    return cls(**fields)
