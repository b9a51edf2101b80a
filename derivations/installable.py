"""Installables: what ``sx realize`` and friends accept on the command line.

* ``FILE.py:attr`` — a recipe file, imported by path;
* ``module:attr`` — an importable module;
* a ``.drv`` store path — a derivation already in the store;
* any other store path — already valid: nothing to build;
* a name from the built-in registry (:mod:`sx.derivations.registry`).

``attr`` may be dotted; its value may be a :class:`Derivation`, a list of
them, or a zero-argument function returning either. A suffix
``^out,lib`` selects outputs (default: all). An out-link symlink
(``./result``) stands for the store path it points at.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sx.derivations.instantiate import load_derivation
from sx.derivations.model import Derivation
from sx.derivations.registry import REGISTRY
from sx.store.errors import InvalidInput, StoreError
from sx.store.local import LocalStore
from sx.store.path import STORE_DIR, StorePath


@dataclass(frozen=True)
class Installable:
    """A parsed installable: derivations to realize, or a store path that just is."""

    text: str
    derivations: tuple[Derivation, ...] = ()
    path: StorePath | None = None
    outputs: tuple[str, ...] | None = None
    """The selected outputs (``^out,lib``), or None for all."""

    def selected(self, drv: Derivation) -> tuple[str, ...]:
        """The outputs of ``drv`` this installable asks for."""
        if self.outputs is None:
            return drv.output_names
        missing = [o for o in self.outputs if o not in drv.output_names]
        if missing:
            raise InvalidInput(f"select {self.text}: {drv.name} has no output {missing[0]!r}")
        return self.outputs


def _as_derivations(value: Any, text: str) -> tuple[Derivation, ...]:
    if callable(value) and not isinstance(value, Derivation):
        value = value()
    if isinstance(value, Derivation):
        return (value,)
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, Derivation) for v in value):
        return tuple(value)
    raise InvalidInput(f"evaluate {text}: expected a Derivation, a list of them or a function "
                       f"returning one, got {type(value).__name__}")


def _load_file(path: str, text: str) -> ModuleType:
    full = os.path.abspath(path)
    name = "sx_recipe_" + hashlib.sha256(full.encode()).hexdigest()[:16]
    cached = sys.modules.get(name)
    if cached is not None:
        return cached
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise InvalidInput(f"load recipe {text}: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, os.path.dirname(full))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        sys.path.remove(os.path.dirname(full))
    return module


def _load_module(name: str, text: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name and name.startswith(e.name):
            raise InvalidInput(f"load recipe {text}: no module named {e.name!r}") from e
        raise


def _attr(module: ModuleType, attr: str, text: str) -> Any:
    value: Any = module
    for part in attr.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise InvalidInput(f"evaluate {text}: no attribute {attr!r}") from None
    return value


def evaluate(text: str) -> tuple[Derivation, ...]:
    """The derivations a ``FILE.py:attr`` or ``module:attr`` recipe reference stands for."""
    target, _, attr = text.rpartition(":")
    if not target or not attr:
        raise InvalidInput(f"parse installable {text!r}: expected FILE.py:attr or module:attr")
    loader: Callable[[str, str], ModuleType]
    loader = _load_file if target.endswith(".py") or os.sep in target else _load_module
    try:
        module = loader(target, text)
        return _as_derivations(_attr(module, attr, text), text)
    except (StoreError, KeyboardInterrupt):
        raise
    except FileNotFoundError as e:
        raise InvalidInput(f"load recipe {text}: {e.strerror}: {e.filename}") from e
    except Exception as e:
        raise InvalidInput(f"evaluate {text}: {type(e).__name__}: {e}") from e


def _split_outputs(text: str) -> tuple[str, tuple[str, ...] | None]:
    base, sep, outs = text.rpartition("^")
    if not sep or not base:
        return text, None
    names = tuple(o for o in outs.split(",") if o)
    if not names:
        raise InvalidInput(f"parse installable {text!r}: empty output selection after '^'")
    return base, names


def _store_path_text(store: LocalStore, text: str) -> str | None:
    if os.path.islink(text) and not text.startswith(STORE_DIR + "/"):
        target = os.path.realpath(text)
        if target.startswith(store.store_dir + "/"):
            return target
    if text.startswith((STORE_DIR + "/", store.store_dir + "/")):
        return text
    return None


def parse_installable(store: LocalStore, text: str) -> Installable:
    """Parse one installable (recipes are evaluated, ``.drv`` files loaded)."""
    body, outs = _split_outputs(text)
    as_path = _store_path_text(store, body)
    if as_path is not None:
        path = store.parse_path(as_path)
        if path.is_derivation:
            return Installable(text, (load_derivation(store, path),), outputs=outs)
        store.require(path)
        return Installable(text, path=path)
    if ":" in body:
        return Installable(text, evaluate(body), outputs=outs)
    if body in REGISTRY:
        return Installable(text, evaluate(REGISTRY[body]), outputs=outs)
    known = ", ".join(sorted(REGISTRY)) or "none"
    raise InvalidInput(f"parse installable {text!r}: not a store path, FILE.py:attr, "
                       f"module:attr or a registry name (known: {known})")
