"""Derivations as values: what to run, with what, producing which outputs.

A :class:`Derivation` is frozen. Its inputs are other derivations (held as
objects, so a recipe's whole graph is a Python value) and *sources*: local
files or trees that become ``source`` store paths. Strings inside a
derivation (builder, args, env) refer to input outputs and to the
derivation's own outputs through *placeholders* (see
:mod:`sx.derivations.hashing`), which are replaced by real store paths when
the derivation is resolved and built.

Output kinds:

* **fixed-output**: the output's hash is declared (``Output.hashes``); the
  path follows from the name and hash alone. Only these may use the network
  (fetches run in sx itself, outside any sandbox).
* **content-addressed** (floating): the path follows from the bytes built.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sx.store import nar
from sx.store.errors import InvalidInput
from sx.store.hashing import Digest
from sx.store.path import StorePath, make_path, validate_name
from sx.store.value import Value

if TYPE_CHECKING:
    from sx.derivations.hashing import DrvHashes

SCHEMA = 1
SYSTEMS = ("x86_64-linux", "i686-linux", "builtin")
BUILTIN_FETCHURL = "builtin:fetchurl"
BUILTIN_UNPACK = "builtin:unpack"
BUILTIN_WRITE = "builtin:write"
BUILTINS = (BUILTIN_FETCHURL, BUILTIN_UNPACK, BUILTIN_WRITE)


class Output(Value):
    """One output. ``hashes`` set means fixed-output (all of them are checked).

    ``mode`` says what a fixed hash covers: ``flat`` (the bytes of a single
    file) or ``nar`` (the archive of the tree).
    """

    __slots__ = _fields = ("name", "hashes", "mode", "executable")
    name: str
    hashes: tuple[Digest, ...]
    mode: str
    executable: bool

    def __init__(self, name: str = "out", hashes: tuple[Digest, ...] = (), mode: str = "flat",
                 executable: bool = False) -> None:
        self._set("name", name)
        self._set("hashes", hashes)
        self._set("mode", mode)
        self._set("executable", executable)
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InvalidInput(f"define output {self.name!r}: output names are identifiers")
        if self.mode not in ("flat", "nar"):
            raise InvalidInput(f"define output {self.name}: mode must be 'flat' or 'nar'")
        if not isinstance(self.executable, bool):
            raise InvalidInput(f"define output {self.name}: executable must be True or False")
        hashes = _tuple(self.hashes, f"define output {self.name}", "hashes")
        if not all(isinstance(h, Digest) for h in hashes):
            raise InvalidInput(f"define output {self.name}: hashes must be Digest values")
        self._set("hashes", hashes)

    @property
    def fixed(self) -> bool:
        """True for a fixed-output (declared hash)."""
        return bool(self.hashes)

    @property
    def primary_hash(self) -> Digest:
        """The hash the store path is computed from (BLAKE3 when declared)."""
        for h in self.hashes:
            if h.algo == "b3":
                return h
        return self.hashes[0]


class Source(Value):
    """A local file or tree that enters the store as a ``source`` path."""

    # No __slots__: the cached properties below keep their values in __dict__.
    _fields = ("local", "name")
    local: str
    name: str

    def __init__(self, local: str, name: str = "") -> None:
        if not isinstance(local, (str, os.PathLike)) or not isinstance(name, str):
            raise InvalidInput(f"use source {local!r}: the path and name must be strings")
        local = os.fspath(local)
        if "\0" in local:
            raise InvalidInput(f"use source {local!r}: the path contains a NUL byte")
        if not os.path.lexists(local):
            raise InvalidInput(f"use source {local!r}: no such file or directory")
        self._set("local", local)
        self._set("name", name or os.path.basename(os.path.abspath(local)))
        validate_name(self.name)

    @cached_property
    def nar_hash(self) -> tuple[Digest, int]:
        """The archive hash and size (of the canonical form: modes as sx stores them)."""
        return nar.hash_path(self.local)

    @cached_property
    def path(self) -> StorePath:
        """The store path this source will have."""
        return make_path("source", self.nar_hash[0], self.name)

    def __str__(self) -> str:
        return str(self.path)


class Derivation(Value):
    """A build step. Create with :func:`derivation`; never mutate."""

    # No __slots__: the cached ``hashes`` keeps its value in __dict__.
    _fields = ("name", "system", "builder", "args", "env", "input_drvs", "input_srcs",
               "outputs", "meta")
    name: str
    system: str
    builder: str
    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    input_drvs: tuple[tuple[Derivation, tuple[str, ...]], ...]
    input_srcs: tuple[Source | StorePath, ...]
    outputs: tuple[Output, ...]
    meta: tuple[tuple[str, str], ...]

    def __init__(self, name: str, system: str, builder: str, args: Sequence[str],
                 env: Sequence[tuple[str, str]],
                 input_drvs: Sequence[tuple[Derivation, tuple[str, ...]]],
                 input_srcs: Sequence[Source | StorePath], outputs: Sequence[Output],
                 meta: Sequence[tuple[str, str]] = ()) -> None:
        self._set("name", name)
        self._set("system", system)
        self._set("builder", builder)
        self._set("args", args)
        self._set("env", env)
        self._set("input_drvs", input_drvs)
        self._set("input_srcs", input_srcs)
        self._set("outputs", outputs)
        self._set("meta", meta)
        if not isinstance(self.name, str):
            raise InvalidInput(f"define derivation {self.name!r}: the name must be a string")
        validate_name(self.name)
        what = f"define derivation {self.name}"
        if self.system not in SYSTEMS:
            raise InvalidInput(f"{what}: unknown system {self.system!r}")
        _text(self.builder, what, "the builder")
        if not self.builder:
            raise InvalidInput(f"{what}: the builder is empty")
        for field_name in ("args", "env", "input_drvs", "input_srcs", "outputs", "meta"):
            self._set(field_name, _tuple(getattr(self, field_name), what, field_name))
        for i, a in enumerate(self.args):
            _text(a, what, f"argument {i + 1}")
        _check_pairs(self.env, what, "environment")
        _check_pairs(self.meta, what, "meta")
        if not all(isinstance(o, Output) for o in self.outputs):
            raise InvalidInput(f"{what}: outputs must be Output values")
        names = [o.name for o in self.outputs]
        if not names or len(set(names)) != len(names):
            raise InvalidInput(f"{what}: outputs must be unique, non-empty")
        fixed = [o for o in self.outputs if o.fixed]
        if fixed and len(self.outputs) != 1:
            raise InvalidInput(f"{what}: a fixed-output has one output")
        for s in self.input_srcs:
            if not isinstance(s, (Source, StorePath)):
                raise InvalidInput(f"{what}: a source is a Source or StorePath, "
                                   f"not {type(s).__name__}")
        for pair in self.input_drvs:
            if (not isinstance(pair, tuple) or len(pair) != 2
                    or not isinstance(pair[0], Derivation)):
                raise InvalidInput(f"{what}: inputs must be (Derivation, outputs) pairs")
            drv, outs = pair
            if drv is self:
                raise InvalidInput(f"{what}: depends on itself")
            for o in outs:
                if o not in drv.output_names:
                    raise InvalidInput(f"{what}: input {drv.name} has no output {o!r}")

    # ---- convenience ------------------------------------------------------------

    @property
    def output_names(self) -> tuple[str, ...]:
        """Names of the outputs, in declaration order."""
        return tuple(o.name for o in self.outputs)

    @property
    def is_fixed_output(self) -> bool:
        """True when the (single) output has a declared hash."""
        return self.outputs[0].fixed

    @property
    def env_dict(self) -> dict[str, str]:
        """The environment as a dict."""
        return dict(self.env)

    @property
    def meta_dict(self) -> dict[str, str]:
        """Metadata (hashed too): e.g. ``binary-seed = "1"`` for provenance."""
        return dict(self.meta)

    def output_path_name(self, output: str) -> str:
        """The store name of an output: ``name`` for ``out``, else ``name-output``."""
        return self.name if output == "out" else f"{self.name}-{output}"

    @cached_property
    def hashes(self) -> DrvHashes:
        """Drv path, placeholders and other derived identities (computed once)."""
        from sx.derivations.hashing import DrvHashes

        return DrvHashes.of(self)

    @property
    def drv_path(self) -> StorePath:
        """The store path of this derivation's ``.drv`` object."""
        return self.hashes.drv_path

    def placeholder(self, output: str = "out") -> str:
        """A string that stands for ``output``'s store path in another derivation."""
        if output not in self.output_names:
            raise InvalidInput(f"refer to {self.name}: no output {output!r}")
        return self.hashes.input_placeholder(output)

    @property
    def out(self) -> str:
        """Placeholder of the ``out`` output (``dep.out + "/bin/tool"``)."""
        return self.placeholder("out")

    def __repr__(self) -> str:
        return f"<Derivation {self.name} {self.drv_path}>"

    def __hash__(self) -> int:
        return hash(self.drv_path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Derivation) and self.drv_path == other.drv_path


def _tuple(value: object, what: str, field_name: str) -> tuple[Any, ...]:
    """``value`` as a tuple: lists and tuples are accepted, a bare string is a mistake."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise InvalidInput(f"{what}: {field_name} must be a list or tuple, "
                           f"not {type(value).__name__}")
    return tuple(value)


def _text(value: object, what: str, name: str) -> str:
    """Check that ``value`` is a string without NUL bytes (they end C strings early)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: {name} must be a string, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidInput(f"{what}: {name} contains a NUL byte")
    return value


def _check_pairs(pairs: tuple[Any, ...], what: str, kind: str) -> None:
    """Check ``(name, value)`` string pairs (the environment, meta)."""
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidInput(f"{what}: {kind} entries must be (name, value) pairs")
        key, value = pair
        _text(key, what, f"{kind} name {key!r}")
        if not key or "=" in key:
            raise InvalidInput(f"{what}: bad {kind} name {key!r}")
        _text(value, what, f"{kind} value of {key!r}")


def own_placeholder(output: str = "out") -> str:
    """A string that stands for this derivation's own output path while it builds."""
    from sx.derivations.hashing import own_output_placeholder

    return own_output_placeholder(output)


def derivation(
    name: str,
    builder: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    inputs: Iterable[Derivation] | Mapping[Derivation, Sequence[str]] = (),
    srcs: Iterable[Source | StorePath] = (),
    outputs: Sequence[str | Output] = ("out",),
    system: str = "x86_64-linux",
    meta: Mapping[str, str] | None = None,
) -> Derivation:
    """Build a :class:`Derivation` value from friendly arguments.

    ``inputs`` lists input derivations (all their outputs) or maps each to
    the outputs used. Each output name is also put in the environment as a
    placeholder (``$out``), as builders conventionally expect.
    """
    what = f"define derivation {name}"
    outs = tuple(o if isinstance(o, Output) else Output(o)
                 for o in _tuple(outputs, what, "outputs"))
    ins = _inputs(inputs, what)
    merged: dict[str, str] = {o.name: own_placeholder(o.name) for o in outs}
    merged.update(_mapping(env, what, "env"))
    _check_pairs(tuple(merged.items()), what, "environment")
    uniq_ins: dict[StorePath, tuple[Derivation, tuple[str, ...]]] = {}
    for d, o in ins:
        prev = uniq_ins.get(d.drv_path)
        merged_outs = tuple(sorted(set(o) | set(prev[1] if prev else ())))
        uniq_ins[d.drv_path] = (d, merged_outs)
    src_list = list(srcs) if not isinstance(srcs, (str, bytes)) else [srcs]
    for src in src_list:
        if not isinstance(src, (Source, StorePath)):
            raise InvalidInput(f"{what}: a source is a Source or StorePath, "
                               f"not {type(src).__name__}")
    srcs_t = tuple(sorted(set(src_list), key=str))
    meta_d = _mapping(meta, what, "meta")
    _check_pairs(tuple(meta_d.items()), what, "meta")
    return Derivation(
        name=name,
        system=system,
        builder=builder,
        args=_tuple(args, what, "args"),
        env=tuple(sorted(merged.items())),
        input_drvs=tuple(uniq_ins[k] for k in sorted(uniq_ins)),
        input_srcs=srcs_t,
        outputs=outs,
        meta=tuple(sorted(meta_d.items())),
    )


def _mapping(value: object, what: str, name: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{what}: {name} must be a mapping, not {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise InvalidInput(f"{what}: {name} names must be strings, not {type(key).__name__}")
    return dict(value)


def _inputs(inputs: object, what: str) -> list[tuple[Derivation, tuple[str, ...]]]:
    """``inputs`` as (derivation, outputs) pairs: all outputs, or those a mapping names."""
    if isinstance(inputs, Mapping):
        pairs = []
        for d, o in inputs.items():
            if not isinstance(d, Derivation):
                raise InvalidInput(f"{what}: an input is a Derivation, not {type(d).__name__}")
            outs = [o] if isinstance(o, str) else list(_tuple(o, what, f"outputs of {d.name}"))
            if not all(isinstance(x, str) for x in outs):
                raise InvalidInput(f"{what}: output names of input {d.name} must be strings")
            pairs.append((d, tuple(sorted(outs))))
        return pairs
    if isinstance(inputs, (str, bytes, Derivation)) or not isinstance(inputs, Iterable):
        raise InvalidInput(f"{what}: inputs must be a list of derivations or a mapping, "
                           f"not {type(inputs).__name__}")
    items = list(inputs)
    for d in items:
        if not isinstance(d, Derivation):
            raise InvalidInput(f"{what}: an input is a Derivation, not {type(d).__name__}")
    return [(d, d.output_names) for d in items]


def fetchurl(
    name: str,
    urls: str | Sequence[str],
    hashes: Iterable[Digest | str],
    executable: bool = False,
    mode: str = "flat",
    meta: Mapping[str, str] | None = None,
) -> Derivation:
    """A fixed-output derivation fetched by sx (``file://``, ``http(s)://``, ``mirror://``).

    Every declared hash is checked before anything is registered.
    """
    hs = tuple(h if isinstance(h, Digest) else Digest.parse(h) for h in hashes)
    if not hs:
        raise InvalidInput(f"define fetch {name}: a fixed-output needs at least one hash")
    url_list = [urls] if isinstance(urls, str) else list(urls)
    return derivation(
        name,
        BUILTIN_FETCHURL,
        env={"urls": " ".join(url_list), "executable": "1" if executable else ""},
        outputs=[Output("out", hs, mode, executable)],
        system="builtin",
        meta=meta,
    )
