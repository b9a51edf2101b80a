"""Parse the common ``sx`` command lines without argparse.

argparse imports ``re``, ``enum`` and ``gettext``, and building a parser and
parsing costs a few milliseconds more: together about 9 ms, a third of a
query such as ``sx path-info PATH`` beyond the interpreter's own start. So
the console script first tries :func:`parse` here.

:func:`parse` reads the same definitions argparse does: each command
module's ``register`` is run against a recording parser (:class:`Parser`)
that keeps what argparse would need to parse (option strings, dests,
defaults, actions, nargs, types, choices, groups, subcommands). It then
parses only the forms whose meaning in argparse is plain:

- an option word spelt exactly as registered (no abbreviation, no bundled
  short options), ``--long=VALUE`` for an option that takes a value;
- store, append, store_true and store_false options, with one value each;
- the positionals of a level as one unbroken run of words, none starting
  with ``-``.

Anything else (``--``, ``-``, ``-h``, an unknown or abbreviated option, a
value starting with ``-``, a type or choice that refuses a word, a missing
required argument, two options of one exclusive group) gives None, and the
line goes to argparse, which parses or reports it. A None is always safe;
the parser must never give an answer argparse would not.
tests/cli/test_quick_parse.py holds it to that on thousands of random
command lines of every command, and checks that the common queries take
this way.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

from sx.cli.commands import COMMANDS, SUPPRESS, command_in, populate

TYPE_CHECKING = False  # typing only for the checker (cli/main.py says why)
if TYPE_CHECKING:
    from typing import Any


_FLAGS = {"store_true": (True, False), "store_false": (False, True)}
"""flag action -> (value when given, default)."""

_TAKES_VALUE = ("store", "append")
_UNKNOWN = object()


class _Unsupported(Exception):
    """A form this parser leaves to argparse."""


class Arg:
    """One ``add_argument``: what parsing it needs."""

    __slots__ = (
        "action",
        "choices",
        "default",
        "dest",
        "group",
        "nargs",
        "options",
        "required",
        "type",
    )

    def __init__(self, names: tuple[str, ...], kw: dict[str, Any], defaults: dict[str, Any]
                 ) -> None:
        self.options = tuple(n for n in names if n.startswith("-"))
        action = kw.get("action", "store")
        self.action = action if isinstance(action, str) else "custom"
        self.nargs = kw.get("nargs")
        self.type = kw.get("type")
        self.choices = kw.get("choices")
        self.group: Mutex | None = None
        self.default: Any = None
        if self.action in ("help", "version"):
            self.dest, self.default = SUPPRESS, SUPPRESS
        elif self.options:
            longs = [o for o in self.options if o.startswith("--")]
            self.dest = kw.get("dest") or (longs or self.options)[0].lstrip("-").replace("-", "_")
        else:
            self.dest = names[0]
        if self.action not in ("help", "version"):
            if "default" in kw:
                self.default = kw["default"]
            elif self.dest in defaults:
                self.default = defaults[self.dest]
            elif self.action == "custom":
                self.default = _UNKNOWN  # the class may set any default
            else:
                self.default = _FLAGS[self.action][1] if self.action in _FLAGS else None
        if self.options:
            self.required = bool(kw.get("required", False))
        else:  # argparse's rule for positionals
            self.required = self.nargs not in ("?", "*") or (
                self.nargs == "*" and "default" not in kw)

    def quick(self) -> bool:
        """Whether this parser can take the argument as argparse would."""
        if self.options:
            return self.action in _FLAGS or (self.action in _TAKES_VALUE and self.nargs is None)
        return self.nargs in (None, "?", "*", "+") and not (
            self.nargs == "*" and self.choices is not None)

    def value(self, word: str) -> Any:
        """``word`` converted by the type and checked against the choices."""
        try:
            v = word if self.type is None else self.type(word)
        except Exception as e:  # refused: argparse words the error
            raise _Unsupported from e
        if self.choices is not None and v not in self.choices:
            raise _Unsupported
        return v


class Mutex:
    """A mutually exclusive group."""

    def __init__(self, required: bool) -> None:
        self.required = required


class _Group:
    """An argument group (or an exclusive one): adds to its parser."""

    def __init__(self, parser: Parser, mutex: Mutex | None) -> None:
        self.parser, self.mutex = parser, mutex

    def add_argument(self, *names: str, **kw: Any) -> Arg:
        a = self.parser.add_argument(*names, **kw)
        a.group = self.mutex
        return a

    def add_mutually_exclusive_group(self, required: bool = False) -> _Group:
        return self.parser.add_mutually_exclusive_group(required=required)


class Parser:
    """Records what a command's ``register`` declares, in argparse's API."""

    def __init__(self, add_help: bool = True, **_: Any) -> None:
        self.add_help = add_help
        self.args: list[Arg] = []
        self.defaults: dict[str, Any] = {}
        self.sub: Subparsers | None = None
        if add_help:
            self.add_argument("-h", "--help", action="help")

    def add_argument(self, *names: str, **kw: Any) -> Arg:
        a = Arg(names, kw, self.defaults)
        self.args.append(a)
        return a

    def add_argument_group(self, *_: Any, **__: Any) -> _Group:
        return _Group(self, None)

    def add_mutually_exclusive_group(self, required: bool = False) -> _Group:
        return _Group(self, Mutex(required))

    def add_subparsers(self, dest: str = SUPPRESS, required: bool = False, **_: Any
                       ) -> Subparsers:
        self.sub = Subparsers(dest, required)
        return self.sub

    def set_defaults(self, **kw: Any) -> None:
        self.defaults.update(kw)
        for a in self.args:
            if a.dest in kw:
                a.default = kw[a.dest]

    def children(self) -> list[Parser]:
        """The subcommands' parsers."""
        return list(self.sub.choices.values()) if self.sub else []

    # -- parsing -----------------------------------------------------------

    def parse_into(self, words: list[str], ns: dict[str, Any]) -> None:
        """Parse ``words`` as argparse's ``parse_known_args`` would, into ``ns``.

        Raises _Unsupported for any form left to argparse.
        """
        for a in self.args:
            if a.default is _UNKNOWN:
                raise _Unsupported
            if a.dest != SUPPRESS and a.default != SUPPRESS and a.dest not in ns:
                ns[a.dest] = a.default
        if self.sub is not None and self.sub.dest != SUPPRESS:
            ns.setdefault(self.sub.dest, None)
        for dest, v in self.defaults.items():
            ns.setdefault(dest, v)
        by_option = {o: a for a in self.args for o in a.options}
        seen: list[Arg] = []
        changed: list[Arg] = []  # given a value that is not the default object
        chose = False  # a subcommand
        run: list[str] = []  # the positional words
        run_ended = False
        i = 0
        while i < len(words):
            w = words[i]
            if not w.startswith("-"):
                if self.sub is not None:
                    self._subcommand(w, words[i + 1:], ns)
                    chose = True
                    break
                if run_ended:
                    raise _Unsupported
                run.append(w)
                i += 1
                continue
            if run:
                run_ended = True
            explicit = None
            opt = by_option.get(w)
            if opt is None and w.startswith("--") and "=" in w:
                w, explicit = w.split("=", 1)
                opt = by_option.get(w)
            if opt is None or not opt.quick():
                raise _Unsupported
            if opt.action in _FLAGS:
                if explicit is not None:
                    raise _Unsupported
                v = ns[opt.dest] = _FLAGS[opt.action][0]
                i += 1
            else:
                if explicit is None:
                    if i + 1 >= len(words) or words[i + 1].startswith("-"):
                        raise _Unsupported
                    explicit = words[i + 1]
                    i += 1
                i += 1
                v = opt.value(explicit)
                if opt.action == "append":
                    old = ns.get(opt.dest)
                    if old is not None and not isinstance(old, list):
                        raise _Unsupported
                    v = ns[opt.dest] = [*(old or ()), v]
                else:
                    ns[opt.dest] = v
            seen.append(opt)
            if v is not opt.default:
                changed.append(opt)
        if self.sub is None:
            seen += self._positionals(run, ns)
        elif self.sub.required and not chose:
            raise _Unsupported
        self._finish(seen, changed, ns)

    def _subcommand(self, name: str, rest: list[str], ns: dict[str, Any]) -> None:
        sub = self.sub
        assert sub is not None
        child = sub.choices.get(name)
        if child is None:
            raise _Unsupported
        if sub.dest != SUPPRESS:
            ns[sub.dest] = name
        inner: dict[str, Any] = {}
        child.parse_into(rest, inner)
        ns.update(inner)

    def _positionals(self, run: list[str], ns: dict[str, Any]) -> list[Arg]:
        """Give the run of positional words to the positionals, greedily, as argparse's
        pattern match does; every positional takes part."""
        pos = [a for a in self.args if not a.options]
        if not all(a.quick() for a in pos):
            raise _Unsupported
        least = [0 if a.nargs in ("?", "*") else 1 for a in pos]
        left = len(run)
        for k, a in enumerate(pos):
            most = 1 if a.nargs in (None, "?") else left
            take = max(least[k], min(most, left - sum(least[k + 1:])))
            if take > left:
                raise _Unsupported
            words, run, left = run[:take], run[take:], left - take
            if a.nargs is None:
                ns[a.dest] = a.value(words[0])
            elif a.nargs == "?":
                if words:
                    ns[a.dest] = a.value(words[0])
                elif isinstance(a.default, str):
                    ns[a.dest] = a.value(a.default)
                elif a.choices is not None and a.default not in a.choices:
                    raise _Unsupported  # argparse checks the default against the choices
                else:
                    ns[a.dest] = a.default
            elif words:
                ns[a.dest] = [a.value(w) for w in words]
            else:  # "*" with nothing: the default, or []
                ns[a.dest] = a.default if a.default is not None else []
        if run:
            raise _Unsupported
        return pos

    def _finish(self, seen: list[Arg], changed: list[Arg], ns: dict[str, Any]) -> None:
        """argparse's checks after parsing, and its conversion of string defaults."""
        used: list[Mutex] = []
        for a in seen:
            if a.group is not None:
                if a.group in used:
                    raise _Unsupported  # two of one exclusive group
                used.append(a.group)
        for a in self.args:
            if a.group is not None and a.group.required and not any(
                    b.group is a.group for b in changed):
                raise _Unsupported
            if a in seen:
                continue
            if a.required:
                raise _Unsupported
            if (isinstance(a.default, str) and a.default != SUPPRESS and a.dest in ns
                    and ns[a.dest] is a.default):
                ns[a.dest] = a.value(a.default) if a.type is not None else a.default


class Subparsers:
    """``add_subparsers``: the subcommands of a level."""

    def __init__(self, dest: str, required: bool) -> None:
        self.dest, self.required = dest, required
        self.choices: dict[str, Parser] = {}

    def add_parser(self, name: str, **kw: Any) -> Parser:
        p = Parser(add_help=kw.get("add_help", True))
        self.choices[name] = p
        return p


def build(command: str) -> Parser:
    """The recorded parser of ``sx COMMAND`` (what cli/main.py's build_parser gives argparse)."""
    top = Parser()
    populate(top, [COMMANDS[command][0]], version_action=_Unsupported,
             children=Parser.children)
    return top


def parse(argv: list[str]) -> SimpleNamespace | None:
    """argparse's namespace for ``argv`` (the words after ``sx``), or None to let
    argparse parse it."""
    command = command_in(argv)
    if command is None or command not in COMMANDS:
        return None
    try:
        top = build(command)
        ns: dict[str, Any] = {}
        top.parse_into(list(argv), ns)
    except _Unsupported:
        return None
    return SimpleNamespace(**ns)


if __name__ == "__main__":  # pragma: no cover - a debugging aid
    print(parse(sys.argv[1:]))
