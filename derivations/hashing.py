"""Derivation identities: canonical records, ``.drv`` paths, placeholders, resolution.

* The *record* of a derivation is its canonical msgpack form; inputs appear
  by ``.drv`` path. The ``.drv`` object stored in the store holds exactly
  these bytes, so its path follows from them (kind ``drv``).
* A *placeholder* is a 33-character string ``/<32 base32>`` standing for a
  path not known when the recipe is written: an input derivation's output
  (:meth:`DrvHashes.input_placeholder`) or the derivation's own output
  (:func:`own_output_placeholder`).
* *Resolving* replaces every input derivation output by the store path it
  realized to. The BLAKE3 of the resolved record keys realisations: two
  different build paths that produce the same inputs share everything
  downstream (early cutoff).
* The *hash modulo* identifies a derivation without realizing anything: each
  fixed-output input is replaced by its path (which its declared hash gives),
  each other input output by ``<its hash modulo>!<output>``. It keys the
  *derivation realisations* that top-down substitution looks up; each lists
  the paths its inputs were resolved against (:func:`realisation_deps`), from
  which the resolved hash follows again (:func:`resolved_from_deps`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sx.store.encoding import pack
from sx.store.hashing import Digest
from sx.store.narformat import file_archive
from sx.store.path import StorePath, make_path, nix_base32
from sx.store.value import Value

if TYPE_CHECKING:
    from sx.derivations.model import Derivation


def _placeholder(text: str) -> str:
    return "/" + nix_base32(Digest.b3(text.encode()).raw[:20])


@functools.lru_cache(maxsize=64)
def own_output_placeholder(output: str) -> str:
    """The placeholder of a derivation's own output ``output``."""
    return _placeholder(f"sx-output-placeholder:{output}")


def substitute(text: str, mapping: Mapping[str, str]) -> str:
    """Replace every placeholder in ``text`` that ``mapping`` names by its value."""
    return _replace_all(text, mapping)


def _replace_all(text: str, mapping: Mapping[str, str]) -> str:
    if "/" not in text:
        return text
    for old, new in mapping.items():
        if old in text:
            text = text.replace(old, new)
    return text


def record(drv: Derivation, resolved: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The canonical record; with ``resolved`` (placeholder -> path), the resolved one."""
    rep = resolved or {}
    srcs = {str(s) for s in drv.input_srcs}
    input_drvs: dict[str, list[str]] = {}
    if resolved is None:
        input_drvs = {str(d.drv_path): list(outs) for d, outs in drv.input_drvs}
    else:
        for d, outs in drv.input_drvs:
            for o in outs:
                srcs.add(rep[d.placeholder(o)])
    return {
        "v": 1,
        "name": drv.name,
        "system": drv.system,
        "builder": _replace_all(drv.builder, rep),
        "args": [_replace_all(a, rep) for a in drv.args],
        "env": {k: _replace_all(v, rep) for k, v in drv.env},
        "inputDrvs": input_drvs,
        "inputSrcs": sorted(srcs),
        "outputs": {
            o.name: {"hashes": [str(h) for h in o.hashes], "mode": o.mode,
                     "executable": o.executable}
            for o in drv.outputs
        },
        "meta": dict(drv.meta),
    }


def drv_references(drv: Derivation) -> list[StorePath]:
    """What a ``.drv`` object refers to: its input sources and input ``.drv`` paths."""
    refs = [StorePath.parse(str(s)) for s in drv.input_srcs]
    refs += [d.drv_path for d, _ in drv.input_drvs]
    return refs


class DrvHashes(Value):
    """Everything derived from a derivation's record, computed once per value.

    Equal by the record and path; the archive's hash and size and the
    placeholders are caches beside them.
    """

    __slots__ = ("_archive", "_placeholders", "drv_path", "encoded")
    _fields = ("encoded", "drv_path")
    encoded: bytes
    drv_path: StorePath
    _archive: tuple[Digest, int] | None
    _placeholders: dict[str, str]

    def __init__(self, encoded: bytes, drv_path: StorePath) -> None:
        self._set("encoded", encoded)
        self._set("drv_path", drv_path)
        self._set("_archive", None)
        self._set("_placeholders", {})

    @classmethod
    def of(cls, drv: Derivation) -> DrvHashes:
        """Compute the record bytes and ``.drv`` path of ``drv``."""
        encoded = pack(record(drv))
        refs = drv_references(drv)
        archive = file_archive(encoded)
        nar_hash = Digest.b3(archive)
        hashes = cls(encoded, make_path("drv", nar_hash, f"{drv.name}.drv", refs))
        hashes._set("_archive", (nar_hash, len(archive)))
        return hashes

    @property
    def archive(self) -> tuple[Digest, int]:
        """BLAKE3 and size of the ``.drv`` object's archive (one file holding ``encoded``)."""
        got = self._archive
        if got is None:
            archive = file_archive(self.encoded)
            got = (Digest.b3(archive), len(archive))
            self._set("_archive", got)
        return got

    def input_placeholder(self, output: str) -> str:
        """The placeholder other derivations use for this one's ``output``."""
        ph = self._placeholders.get(output)
        if ph is None:
            ph = _placeholder(f"sx-input-placeholder:{self.drv_path}:{output}")
            self._placeholders[output] = ph
        return ph


def fixed_output_path(drv: Derivation) -> StorePath:
    """The path of a fixed-output derivation's output: from name and declared hash only."""
    out = drv.outputs[0]
    return make_path("fixed", out.primary_hash, drv.output_path_name(out.name))


def resolve_map(drv: Derivation, realized: Mapping[tuple[StorePath, str], StorePath]
                ) -> dict[str, str]:
    """Placeholder -> store path for every input output, from ``realized``."""
    out: dict[str, str] = {}
    for d, outs in drv.input_drvs:
        for o in outs:
            out[d.placeholder(o)] = str(realized[(d.drv_path, o)])
    return out


def resolved_hash(drv: Derivation, realized: Mapping[tuple[StorePath, str], StorePath]
                  ) -> Digest:
    """The hash realisations of ``drv`` are keyed by, once its inputs are realized."""
    return Digest.b3(pack(record(drv, resolve_map(drv, realized))))


# Domain separation: a hash modulo never equals a resolved hash, even for a
# derivation whose inputs are all fixed outputs (whose records coincide).
_MODULO_DOMAIN = b"sx-derivation-modulo-1\0"
Modulo = dict["Derivation", Digest]


def modulo_hashes(order: Sequence[Derivation], known: Modulo | None = None) -> Modulo:
    """The hash modulo of every derivation of ``order`` (a build order: inputs first).

    ``known`` holds hashes computed before (inputs outside ``order``); it is
    extended in place and returned.
    """
    out: Modulo = known if known is not None else {}
    for drv in order:
        if drv in out:
            continue
        rep: dict[str, str] = {}
        for d, outs in drv.input_drvs:
            for o in outs:
                rep[d.placeholder(o)] = (str(fixed_output_path(d)) if d.is_fixed_output
                                         else f"{out[d]}!{o}")
        out[drv] = Digest.b3(_MODULO_DOMAIN + pack(record(drv, rep)))
    return out


def dep_key(modulo: Digest, output: str) -> str:
    """How a derivation realisation names one input output: ``<hash modulo>!<output>``."""
    return f"{modulo}!{output}"


def expected_deps(drv: Derivation, modulo: Modulo) -> dict[str, tuple[Derivation, str]]:
    """The dependency keys a derivation realisation of ``drv`` must list, and what they name.

    Every output of a non-fixed input; fixed outputs are part of the hash
    modulo already.
    """
    return {dep_key(modulo[d], o): (d, o)
            for d, outs in drv.input_drvs if not d.is_fixed_output for o in outs}


def realisation_deps(drv: Derivation, modulo: Modulo,
                     realized: Mapping[tuple[StorePath, str], StorePath]
                     ) -> tuple[tuple[str, StorePath], ...]:
    """The ``deps`` of a derivation realisation of ``drv`` resolved against ``realized``."""
    return tuple(sorted((k, realized[(d.drv_path, o)])
                        for k, (d, o) in expected_deps(drv, modulo).items()))


def resolved_from_deps(drv: Derivation, modulo: Modulo,
                       deps: Sequence[tuple[str, StorePath]]) -> Digest | None:
    """The resolved hash that ``deps`` give ``drv``; None when they do not name its inputs."""
    want = expected_deps(drv, modulo)
    given = dict(deps)
    if set(given) != set(want):
        return None
    realized = {(d.drv_path, o): given[k] for k, (d, o) in want.items()}
    for d, outs in drv.input_drvs:
        if d.is_fixed_output:
            realized[(d.drv_path, outs[0])] = fixed_output_path(d)
    return resolved_hash(drv, realized)
