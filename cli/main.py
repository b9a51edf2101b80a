"""The ``sx`` command: parse arguments, dispatch to one small module per command.

Each command module has ``register(subparsers)`` which adds its parser and
sets ``func(args) -> int``. Errors raised on purpose become one line on
stderr (``sx: <verb object: cause>``), sometimes followed by indented
details (a recipe's frames), and an exit code (both by
``run_command`` in cli/errors.py).

Global options (``--root``, ``--show-trace``) are accepted before or after
the command word. ``SX_DEBUG=1`` adds the Python traceback to every error.
"""

from __future__ import annotations

import argparse
import os
import sys

from sx.cli.commands import COMMANDS
from sx.cli.errors import USAGE, run_command

# typing and collections.abc only for the checker (mypy takes any name
# TYPE_CHECKING as true): importing typing costs every command a few ms, and
# ``sx hash file`` needs nothing from it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

# Global options that take a value (for finding the command word).
_VALUED = ("--root",)


class _Version(argparse.Action):
    """``--version``: looks the version up only when asked (keeps start-up fast)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        from sx.cli.entry import installed_version

        print(f"sx {installed_version()}")
        parser.exit()


def _width() -> int:
    """The help text width, as argparse computes it, without importing shutil (and bz2, lzma)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


class _Parser(argparse.ArgumentParser):
    """argparse's parser, giving its formatters their width.

    argparse builds a formatter for every ``add_argument`` and lets it import
    shutil to ask the terminal's width: a few milliseconds of every start.
    Subparsers are of the same class (argparse's default), so this covers them.
    """

    def _get_formatter(self) -> argparse.HelpFormatter:
        # Every HelpFormatter takes ``width``; typeshed's protocol names only ``prog``.
        make: Any = self.formatter_class
        formatter: argparse.HelpFormatter = make(prog=self.prog, width=_width())
        return formatter


def _add_globals(p: argparse.ArgumentParser, top: bool) -> None:
    """The options every command takes; below the top level they default to "not given"."""
    dflt: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    g = p.add_argument_group("global options")
    g.add_argument("--root", metavar="DIR", **({"default": None} if top else dflt),
                   help="physical store root (default: $SX_ROOT, /sx, or ~/.local/share/sx)")
    g.add_argument("--show-trace", action="store_true", **dflt,
                   help="on an error, print the whole Python trace (also: SX_DEBUG=1)")


def _command_in(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (skipping global options before it)."""
    it = iter(argv)
    for arg in it:
        if arg in _VALUED:
            next(it, None)
        elif arg.startswith("-"):
            if arg.startswith(tuple(f"{v}=" for v in _VALUED)) or arg == "--show-trace":
                continue
            return None
        else:
            return arg
    return None


def _subparsers(p: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    out = []
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            out += list(dict.fromkeys(action.choices.values()))
    return out


def _globals_everywhere(p: argparse.ArgumentParser) -> None:
    for child in _subparsers(p):
        if child.add_help:  # stubs of commands not loaded have no options
            _add_globals(child, top=False)
            _globals_everywhere(child)


def build_parser(only: str | None = None, full: bool = False) -> argparse.ArgumentParser:
    """The argument parser.

    ``full``: every command module is imported (completion, man pages).
    ``only`` (a command word): just that command's module. Otherwise commands
    are stubs described by :data:`COMMANDS` (enough for ``sx --help``).
    """
    import importlib

    parser = _Parser(
        prog="sx", description="A content-addressed derivation store and builder.",
        epilog="sx COMMAND --help describes a command; `man sx-COMMAND` too.")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    _add_globals(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if full:
        modules = list(dict.fromkeys(m for m, _ in COMMANDS.values()))
    else:
        modules = [COMMANDS[only][0]] if only in COMMANDS else []
    for name in modules:
        importlib.import_module(f"sx.cli.{name}").register(sub)
    # Stubs stand for the commands not loaded, for ``sx --help`` and for the
    # error on an unknown command; a known command word needs none of them.
    stubs = () if only in COMMANDS and not full else COMMANDS.items()
    for name, (_, summary) in stubs:
        if name not in sub.choices:
            sub.add_parser(name, help=summary, add_help=False)
    # List commands in the table's order, whichever were loaded.
    sub._choices_actions.sort(key=lambda a: list(COMMANDS).index(a.dest))
    _globals_everywhere(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sx command line (the console script enters through ``cli/entry.py``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if args.root:
        os.environ["SX_ROOT"] = os.path.abspath(args.root)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return USAGE
    # Flags of an earlier call in this process are not this call's. Only a
    # module already loaded can hold them: importing it here would cost every
    # command (``sx hash file`` needs neither) its start-up time.
    config = sys.modules.get("sx.store.config")
    if config is not None:
        config.set_flags({})
    return run_command(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
