"""Evaluating recipes (``FILE.py:attr``, ``module:attr``) with errors that point into them.

A recipe is ordinary Python, so it fails in ordinary ways: it raises, it
calls ``sys.exit``, it builds a derivation from bad values. Each of these is
a :class:`RecipeError`: one line naming the recipe and the cause, plus the
recipe's own frames (file, line, function, source line) so the user sees
where in *their* code it happened; the whole Python trace is kept for
``--show-trace``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from sx.derivations.model import Derivation
from sx.store.errors import InvalidInput, StoreError
from sx.store.hashing import Digest
from sx.store.value import Value

_HERE = os.path.dirname(os.path.abspath(__file__))
_STORE = os.path.dirname(os.path.abspath(sys.modules[StoreError.__module__].__file__ or ""))
# Frames in sx's own packages are machinery, not recipe code...
_MACHINERY = (os.path.join(_HERE, ""), os.path.join(_STORE, ""))
# ...except the recipes shipped with sx.
_SHIPPED = (os.path.join(_HERE, "bootstrap", ""), os.path.join(_HERE, "examples.py"))


@functools.cache
def _library() -> tuple[str, ...]:
    """Python's own library directories (computed on the first error: sysconfig is slow)."""
    import sysconfig

    return tuple(os.path.join(p, "") for p in {
        sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")})


MAX_FRAMES = 8
"""Recipe frames shown with an error (innermost ones); ``--show-trace`` shows all."""


class Frame(Value):
    """One frame of recipe code."""

    __slots__ = _fields = ("file", "line", "function", "source")
    file: str
    line: int
    function: str
    source: str

    def __init__(self, file: str, line: int, function: str, source: str) -> None:
        self._set("file", file)
        self._set("line", line)
        self._set("function", function)
        self._set("source", source)

    def __str__(self) -> str:
        where = f"  at {_short(self.file)}:{self.line} in {self.function}"
        return f"{where}\n    {self.source}" if self.source else where


class RecipeError(InvalidInput):
    """A recipe could not be evaluated: it raised, exited, or made an invalid derivation.

    Raised while evaluating an installable, before anything is written or
    built. ``frames`` are the recipe's own frames (innermost last); ``trace``
    is the whole Python traceback. Not raised for a recipe that cannot be
    found (that is a plain :class:`InvalidInput`).
    """

    def __init__(self, message: str, frames: tuple[Frame, ...] = (), trace: str = "") -> None:
        super().__init__(message)
        self.frames = frames
        self.trace = trace

    def details(self) -> list[str]:
        """The lines shown under the one-line message: the recipe frames."""
        shown = self.frames[-MAX_FRAMES:]
        lines = [str(f) for f in shown]
        if len(self.frames) > len(shown):
            lines.insert(0, f"  ... {len(self.frames) - len(shown)} earlier recipe frames")
        return lines


def _short(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _is_recipe_file(path: str) -> bool:
    if path.startswith("<"):
        return False
    path = os.path.abspath(path)
    if path.startswith(_SHIPPED):
        return True
    return not path.startswith(_MACHINERY + _library())


def recipe_frames(tb: Any) -> tuple[Frame, ...]:
    """The frames of a traceback that belong to recipe code (not sx, not the stdlib)."""
    import traceback  # here: only an error needs it, and it costs every start-up

    return tuple(Frame(f.filename, f.lineno or 0, f.name, (f.line or "").strip())
                 for f in traceback.extract_tb(tb) if _is_recipe_file(f.filename))


def _load_file(path: str, text: str) -> ModuleType:
    full = os.path.abspath(path)
    # BLAKE3, loaded already by the store: hashlib would load OpenSSL for one name.
    name = "sx_recipe_" + Digest.b3(full.encode()).hex[:16]
    cached = sys.modules.get(name)
    if cached is not None:
        return cached
    if not os.path.isfile(full):
        raise InvalidInput(f"load recipe {text}: no such file: {path}")
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
        if e.name and (name == e.name or name.startswith(e.name + ".")):
            raise InvalidInput(f"load recipe {text}: no module named {e.name!r}") from None
        raise


def _attr(module: ModuleType, attr: str, text: str) -> Any:
    value: Any = module
    for part in attr.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise InvalidInput(f"evaluate {text}: no attribute {attr!r}") from None
    return value


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


def _cause(e: BaseException) -> str:
    if isinstance(e, SystemExit):
        return f"the recipe called sys.exit({e.code!r})"
    if isinstance(e, StoreError):
        return str(e)
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def evaluate(text: str, shown: str | None = None) -> tuple[Derivation, ...]:
    """The derivations a ``FILE.py:attr`` or ``module:attr`` reference stands for.

    ``shown`` names the installable in messages (a registry name). Raises
    :class:`RecipeError` when the recipe fails, :class:`InvalidInput` when it
    cannot be found.
    """
    label = shown or text
    target, _, attr = text.rpartition(":")
    if not target or not attr:
        raise InvalidInput(f"parse installable {label!r}: expected FILE.py:attr or module:attr")
    loader: Callable[[str, str], ModuleType]
    loader = _load_file if target.endswith(".py") or os.sep in target else _load_module
    try:
        module = loader(target, label)
        return _as_derivations(_attr(module, attr, label), label)
    except KeyboardInterrupt:
        raise
    except InvalidInput as e:
        frames = recipe_frames(e.__traceback__)
        if not frames and not isinstance(e, RecipeError):
            raise  # sx's own lookup failed: the message says it all
        raise _wrap(e, label, frames) from e
    except BaseException as e:  # the recipe's own failure, whatever it is
        raise _wrap(e, label, recipe_frames(e.__traceback__)) from e


def _wrap(e: BaseException, label: str, frames: tuple[Frame, ...]) -> RecipeError:
    if isinstance(e, RecipeError):
        return e
    cause = _cause(e)
    prefix = f"evaluate {label}: "
    message = cause if cause.startswith(prefix) else prefix + cause
    import traceback

    trace = "".join(traceback.format_exception(e))
    return RecipeError(message, frames, trace)
