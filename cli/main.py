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

from sx.cli.commands import COMMANDS, command_in, populate
from sx.cli.errors import USAGE, dispatch

# typing and collections.abc only for the checker (mypy takes any name
# TYPE_CHECKING as true): importing typing costs every command a few ms, and
# ``sx hash file`` needs nothing from it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

class _Version(argparse.Action):
    """``--version``: looks the version up only when asked (keeps start-up fast)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kw)

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


def _subparsers(p: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    out = []
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            out += list(dict.fromkeys(action.choices.values()))
    return out


def build_parser(only: str | None = None, full: bool = False) -> argparse.ArgumentParser:
    """The argument parser.

    ``full``: every command module is imported (completion, man pages).
    ``only`` (a command word): just that command's module. Otherwise commands
    are stubs described by :data:`COMMANDS` (enough for ``sx --help``).
    """
    parser = _Parser(
        prog="sx", description="A content-addressed derivation store and builder.",
        epilog="sx COMMAND --help describes a command; `man sx-COMMAND` too.")
    if full:
        modules = list(dict.fromkeys(m for m, _ in COMMANDS.values()))
    else:
        modules = [COMMANDS[only][0]] if only in COMMANDS else []
    sub = populate(parser, modules, _Version, _subparsers)
    # Stubs stand for the commands not loaded, for ``sx --help`` and for the
    # error on an unknown command; a known command word needs none of them.
    stubs = () if only in COMMANDS and not full else COMMANDS.items()
    for name, (_, summary) in stubs:
        if name not in sub.choices:
            sub.add_parser(name, help=summary, add_help=False)
    # List commands in the table's order, whichever were loaded.
    sub._choices_actions.sort(key=lambda a: list(COMMANDS).index(a.dest))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sx command line (the console script enters through ``cli/entry.py``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return USAGE
    return dispatch(args)


if __name__ == "__main__":
    sys.exit(main())
