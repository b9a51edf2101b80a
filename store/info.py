"""Records the store keeps about its paths and realisations.

Both are frozen values with a canonical msgpack record form (see
docs/database.md). Signatures are strings ``<key-name>:<base64>`` over the
fingerprints defined here; the signing itself lives in store/cache/signing.py.
"""

from __future__ import annotations

from sx.store.errors import Corrupt, InvalidInput
from sx.store.hashing import Digest
from sx.store.path import StorePath
from sx.store.value import Value

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any


class PathInfo(Value):
    """What the store knows about one valid path (frozen; references and signatures sorted)."""

    __slots__ = _fields = ("path", "nar_hash", "nar_size", "references", "deriver",
                           "registered", "signatures", "ca")
    path: StorePath
    nar_hash: Digest
    nar_size: int
    references: tuple[StorePath, ...]
    deriver: StorePath | None
    registered: int
    signatures: tuple[str, ...]
    ca: str | None

    def __init__(self, path: StorePath, nar_hash: Digest, nar_size: int,
                 references: tuple[StorePath, ...] = (), deriver: StorePath | None = None,
                 registered: int = 0, signatures: tuple[str, ...] = (),
                 ca: str | None = None) -> None:
        self._set("path", path)
        self._set("nar_hash", nar_hash)
        self._set("nar_size", nar_size)
        self._set("references", tuple(sorted(set(references))))
        self._set("deriver", deriver)
        self._set("registered", registered)
        self._set("signatures", tuple(sorted(set(signatures))))
        self._set("ca", ca)

    def fingerprint(self) -> bytes:
        """What a signature over this path covers: path, archive hash, size, sorted refs."""
        refs = ",".join(str(r) for r in self.references)
        return f"sx-path-info-1;{self.path};{self.nar_hash};{self.nar_size};{refs}".encode()

    def with_signatures(self, sigs: tuple[str, ...]) -> PathInfo:
        """A copy with ``sigs`` merged into the signatures."""
        return self.replace(signatures=tuple(set(self.signatures) | set(sigs)))

    def to_record(self) -> dict[str, Any]:
        """The canonical msgpack-ready record (store paths as base names)."""
        return {
            "v": 1,
            "nar": str(self.nar_hash),
            "size": self.nar_size,
            "refs": [r.base for r in self.references],
            "deriver": self.deriver.base if self.deriver else None,
            "time": self.registered,
            "sigs": list(self.signatures),
            "ca": self.ca,
        }

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly form with full paths (``sx path-info --json``)."""
        return {
            "path": str(self.path),
            "narHash": str(self.nar_hash),
            "narSize": self.nar_size,
            "references": [str(r) for r in self.references],
            "deriver": str(self.deriver) if self.deriver else None,
            "registrationTime": self.registered,
            "signatures": list(self.signatures),
            "ca": self.ca,
        }

    @classmethod
    def from_record(cls, path: StorePath, rec: object) -> PathInfo:
        """Rebuild from :meth:`to_record` output; :class:`Corrupt` on a bad record.

        The one parser of path records, wherever they come from (the
        database, export streams, caches): every field must have its type.
        """
        try:
            if not isinstance(rec, dict):
                raise TypeError(f"a record is a map, not {type(rec).__name__}")
            return cls(
                path=path,
                nar_hash=Digest.parse(_typed(rec, "nar", str)),
                nar_size=_count(rec, "size"),
                references=tuple(StorePath.from_base(b) for b in _strings(rec, "refs")),
                deriver=_path_or_none(rec.get("deriver")),
                registered=_count(rec, "time", 0),
                signatures=tuple(_strings(rec, "sigs", [])),
                ca=_typed(rec, "ca", (str, type(None)), None),
            )
        except (KeyError, TypeError, ValueError, InvalidInput) as e:
            raise Corrupt(f"decode path info of {path}: {_why(e)}") from e

    @classmethod
    def from_json(cls, rec: object) -> PathInfo:
        """Parse the :meth:`to_json` form (with or without time and signatures)."""
        try:
            if not isinstance(rec, dict):
                raise TypeError(f"a record is an object, not {type(rec).__name__}")
            path = StorePath.parse(_typed(rec, "path", str))
            return cls(
                path=path,
                nar_hash=Digest.parse(_typed(rec, "narHash", str)),
                nar_size=_count(rec, "narSize"),
                references=tuple(StorePath.parse(r) for r in _strings(rec, "references")),
                deriver=StorePath.parse(d) if (d := _typed(rec, "deriver", (str, type(None)),
                                                           None)) else None,
                registered=_count(rec, "registrationTime", 0),
                signatures=tuple(_strings(rec, "signatures", [])),
                ca=_typed(rec, "ca", (str, type(None)), None),
            )
        except (KeyError, TypeError, ValueError, InvalidInput) as e:
            shown = str(rec.get("path", "?"))[:120] if isinstance(rec, dict) else "?"
            raise Corrupt(f"decode path info of {shown}: {_why(e)}") from e


_MISSING = object()


def _why(e: Exception) -> str:
    return f"no field {e}" if isinstance(e, KeyError) else str(e)


def _typed(rec: dict[str, Any], key: str, kind: type | tuple[type, ...],
           default: Any = _MISSING) -> Any:
    value = rec[key] if default is _MISSING else rec.get(key, default)
    if not isinstance(value, kind):
        raise TypeError(f"field {key!r} has the wrong type ({type(value).__name__})")
    return value


def _count(rec: dict[str, Any], key: str, default: Any = _MISSING) -> int:
    value = _typed(rec, key, int, default)
    if isinstance(value, bool) or value < 0 or value >= 1 << 63:
        raise ValueError(f"field {key!r} is not a count: {value!r}")
    return int(value)


def _strings(rec: dict[str, Any], key: str, default: Any = _MISSING) -> list[str]:
    value = _typed(rec, key, list, default)
    if not all(isinstance(v, str) for v in value):
        raise TypeError(f"field {key!r} is not a list of strings")
    return list(value)


def _path_or_none(value: object) -> StorePath | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"field 'deriver' has the wrong type ({type(value).__name__})")
    return StorePath.from_base(value)


Deps = tuple[tuple[str, StorePath], ...]


class Realisation(Value):
    """A derivation output realized to a store path.

    Two kinds share the table and the cache namespace (their keys are hashes
    of different domains, so they never collide):

    * a *resolved* realisation (``deps`` is None) is keyed by the resolved
      derivation's hash: the record with every input already replaced by its
      path. It is the build fact itself, and the index of early cutoff.
    * a *derivation* realisation is keyed by the derivation's hash modulo its
      inputs' realisations (computable from the recipe alone, see
      :mod:`sx.derivations.hashing`) and lists, in ``deps``, each input
      output (``<modulo hash>!<output>``) and the path it was resolved
      against. It is what top-down substitution looks up: no input needs to
      be realized to find it, and its signature covers the inputs it claims.
    """

    __slots__ = _fields = ("drv_hash", "output", "path", "signatures", "deps")
    drv_hash: Digest
    output: str
    path: StorePath
    signatures: tuple[str, ...]
    deps: Deps | None

    def __init__(self, drv_hash: Digest, output: str, path: StorePath,
                 signatures: tuple[str, ...] = (), deps: Deps | None = None) -> None:
        self._set("drv_hash", drv_hash)
        self._set("output", output)
        self._set("path", path)
        self._set("signatures", signatures)
        self._set("deps", None if deps is None else tuple(sorted(set(deps))))

    @property
    def key(self) -> str:
        """``<drv hash>!<output>``: the table key."""
        return f"{self.drv_hash}!{self.output}"

    @property
    def is_derivation(self) -> bool:
        """True for a derivation realisation (keyed by the hash modulo, with its inputs)."""
        return self.deps is not None

    def fingerprint(self) -> bytes:
        """What a signature over this realisation covers.

        Resolved: ``sx-realisation-1;<key>;<path>``. Derivation:
        ``sx-drv-realisation-1;<key>;<path>;<dep>=<path>,...`` (sorted), so a
        signer vouches for the input paths as well.
        """
        if self.deps is None:
            return f"sx-realisation-1;{self.key};{self.path}".encode()
        deps = ",".join(f"{k}={p}" for k, p in self.deps)
        return f"sx-drv-realisation-1;{self.key};{self.path};{deps}".encode()

    def with_signatures(self, sigs: tuple[str, ...]) -> Realisation:
        """A copy with ``sigs`` merged into the signatures."""
        return self.replace(signatures=tuple(sorted(set(self.signatures) | set(sigs))))

    def to_record(self) -> dict[str, Any]:
        """The canonical record."""
        rec: dict[str, Any] = {"v": 1, "path": self.path.base,
                               "sigs": sorted(set(self.signatures))}
        if self.deps is not None:
            rec["deps"] = {k: p.base for k, p in self.deps}
        return rec

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly form."""
        out: dict[str, Any] = {"id": self.key, "outPath": str(self.path),
                               "signatures": list(self.signatures)}
        if self.deps is not None:
            out["dependentRealisations"] = {k: str(p) for k, p in self.deps}
        return out

    @classmethod
    def from_record(cls, key: str, rec: dict[str, Any]) -> Realisation:
        """Rebuild from a key and :meth:`to_record` output."""
        try:
            h, _, out = key.partition("!")
            raw = rec.get("deps")
            deps = None if raw is None else parse_deps(raw)
            return cls(Digest.parse(h), out, StorePath.from_base(rec["path"]),
                       tuple(rec.get("sigs", ())), deps)
        except (KeyError, TypeError, ValueError, AttributeError, InvalidInput) as e:
            raise Corrupt(f"decode realisation {key}: {e}") from e


def parse_deps(raw: object) -> Deps:
    """The ``deps`` map of a record (``<b3 hash>!<output>`` -> path base), checked."""
    if not isinstance(raw, dict):
        raise ValueError("deps is not a map")
    out = []
    for k, base in raw.items():
        if not isinstance(k, str) or not isinstance(base, str):
            raise ValueError("deps entries are not strings")
        h, sep, o = k.partition("!")
        if not sep or Digest.parse(h).algo != "b3" or not o.isidentifier():
            raise ValueError(f"bad input output {k[:80]!r}")
        out.append((k, StorePath.from_base(base)))
    return tuple(out)
