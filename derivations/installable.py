"""Installables: what every ``sx`` command that takes a path or a recipe accepts.

* a store path: logical ``/sx/store/<digest>-<name>``, the same path under
  this store's physical directory, or a bare ``<digest>-<name>``;
* an out-link (``./result``) or any chain of symlinks ending in the store,
  optionally followed by a path inside the object (``result/bin/greet``);
* a ``.drv`` store path: a derivation already in the store;
* ``FILE.py:attr`` (a recipe file, imported by path) or ``module:attr``;
* a name from the built-in registry (:mod:`sx.derivations.registry`).

Any of them may end in ``^out,lib`` to select outputs (``^*``: all).
``attr`` may be dotted; its value may be a :class:`Derivation`, a list of
them, or a zero-argument function returning either.

This module only parses and evaluates. Turning derivations into output
paths (building or substituting what is missing) is the builder's job; the
command line does it in ``sx.cli.installables``.
"""

from __future__ import annotations

import os

from sx.derivations.registry import REGISTRY
from sx.store.errors import InvalidInput
from sx.store.locate import locate
from sx.store.path import STORE_DIR, StorePath
from sx.store.value import Value

# Recipes, .drv loading and the graph check are imported where a recipe or a
# derivation is parsed: a store path argument (``sx path-info -r PATH``, the
# common query) needs none of them, and they cost a third of its start-up.
TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from sx.derivations.model import Derivation
    from sx.store.local import LocalStore

FORMS = "a store path, an out-link, a .drv path, FILE.py:attr, module:attr or a recipe name"
"""The forms of an installable, for error messages."""

class Installable(Value):
    """A parsed installable: derivations to realize, or a store object that just is."""

    __slots__ = _fields = ("text", "derivations", "path", "outputs", "sub")
    text: str
    derivations: tuple[Derivation, ...]
    path: StorePath | None
    outputs: tuple[str, ...] | None
    """The selected outputs (``^out,lib``), or None for all."""
    sub: str
    """A path inside ``path`` (``result/bin/greet``), without leading slash."""

    def __init__(self, text: str, derivations: tuple[Derivation, ...] = (),
                 path: StorePath | None = None, outputs: tuple[str, ...] | None = None,
                 sub: str = "") -> None:
        self._set("text", text)
        self._set("derivations", derivations)
        self._set("path", path)
        self._set("outputs", outputs)
        self._set("sub", sub)

    def selected(self, drv: Derivation) -> tuple[str, ...]:
        """The outputs of ``drv`` this installable asks for."""
        if self.outputs is None:
            return drv.output_names
        missing = [o for o in self.outputs if o not in drv.output_names]
        if missing:
            raise InvalidInput(f"select {self.text}: {drv.name} has no output {missing[0]!r}")
        return self.outputs


def split_outputs(text: str) -> tuple[str, tuple[str, ...] | None, bool]:
    """``x^out,lib`` -> (``x``, ("out", "lib"), True); ``x^*`` -> (``x``, None, True).

    The last value says whether outputs were selected at all (plain ``x``: False).
    """
    base, sep, outs = text.rpartition("^")
    if not sep or not base:
        return text, None, False
    if outs == "*":
        return base, None, True
    names = tuple(dict.fromkeys(o for o in outs.split(",") if o))
    if not names:
        raise InvalidInput(f"parse installable {text!r}: empty output selection after '^'")
    return base, names, True


def parse_installable(store: LocalStore, text: str, *, drv_object: bool = False,
                      must_exist: bool = True, sub_ok: bool = False) -> Installable:
    """Parse one installable; recipes are evaluated, ``.drv`` files loaded.

    ``drv_object``: a bare ``.drv`` path stands for the ``.drv`` object itself
    (commands that read store objects) rather than its derivation (commands
    that build); with ``^outputs`` it is always the derivation.
    ``must_exist``: store paths must be valid here. ``sub_ok``: a path inside
    a store object is allowed (``store ls``/``cat``).
    """
    if "\0" in text:
        raise InvalidInput(f"parse installable {text!r}: contains a NUL byte")
    body, outs, caret = split_outputs(text)
    found = locate(store.store_dir, body)
    if found is not None:
        return _from_path(store, text, found, outs, caret, drv_object, must_exist, sub_ok)
    if ":" in body:
        from sx.derivations.recipes import evaluate

        return _selecting(Installable(text, _checked(evaluate(body), body), outputs=outs))
    if "/" in body:
        gone = "" if os.path.lexists(body) else " (no such file)"
        raise InvalidInput(f"parse installable {text!r}: not under {STORE_DIR} and not a "
                           f"symlink into the store{gone}")
    if body in REGISTRY:
        from sx.derivations.recipes import evaluate

        return _selecting(Installable(text, _checked(evaluate(REGISTRY[body], body), body),
                                      outputs=outs))
    raise InvalidInput(f"parse installable {text!r}: not {FORMS}{_suggest(body)}")


def _from_path(store: LocalStore, text: str, found: tuple[StorePath, str],
               outs: tuple[str, ...] | None, caret: bool, drv_object: bool, must_exist: bool,
               sub_ok: bool) -> Installable:
    path, sub = found
    if sub and not sub_ok:
        raise InvalidInput(f"parse installable {text!r}: names a file inside {path} ({sub!r}); "
                           "give the store path itself")
    if path.is_derivation and not sub and (caret or not drv_object):
        from sx.derivations.instantiate import load_derivation

        return _selecting(Installable(text, (load_derivation(store, path),), outputs=outs))
    if caret:
        raise InvalidInput(f"parse installable {text!r}: {path} is not a derivation, "
                           "so it has no outputs to select")
    if must_exist:
        store.require(path)
    return Installable(text, path=path, sub=sub)


def _selecting(item: Installable) -> Installable:
    """Check the output selection now, before anything is built."""
    for drv in item.derivations:
        item.selected(drv)
    return item


def _checked(drvs: tuple[Derivation, ...], text: str) -> tuple[Derivation, ...]:
    from sx.derivations.graph import check_acyclic

    check_acyclic(drvs, f"evaluate {text}")
    return drvs


def _suggest(word: str) -> str:
    import difflib

    close = difflib.get_close_matches(word, REGISTRY, n=3, cutoff=0.6)
    if close:
        return f" (did you mean {', '.join(close)}? `sx list` shows every recipe name)"
    return " (`sx list` shows the recipe names)"
