"""Helpers shared by the command modules: the store, settings, argument types, JSON."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from sx.cli.commands import suppress
from sx.store.errors import InvalidInput
from sx.store.local import LocalStore
from sx.store.sizes import SIZE_FORMS, parse_size

# The settings table is loaded by the commands that read settings: a query
# such as ``sx path-info -r`` reads none, and loading it costs its start-up.
TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    import argparse
    from types import FrameType
    from typing import Any

    from sx.store.config import Settings

_opened: list[LocalStore] = []


def open_store(args: argparse.Namespace) -> LocalStore:
    """Open the store named by ``--root`` / ``$SX_ROOT`` / the default.

    Crash leftovers the store could not remove are reported in one line on
    stderr; the command goes on (``sx store verify`` lists them all).
    """
    store = LocalStore(getattr(args, "root", None) or os.environ.get("SX_ROOT"))
    _opened.append(store)
    problems = store.leftover_problems
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        print(f"sx: warning: open store {store.root}: {problems[0]}{more}", file=sys.stderr)
    return store


def close_stores() -> None:
    """Release what the stores this command opened hold (temp roots) when it ends."""
    while _opened:
        _opened.pop().temp_roots.close()


def settings(store: LocalStore, flags: Mapping[str, Any] | None = None) -> Settings:
    """The settings in force: ``flags`` (by key; None = not given) > env > file > default."""
    from sx.store.config import load_settings, set_flags

    if flags is not None:
        set_flags(flags)
    return load_settings(store.root)


def size_arg(text: str) -> int:
    """argparse type for sizes (``1.5G``, ``100k``, plain bytes): the one size parser."""
    try:
        return parse_size(text)
    except InvalidInput as e:
        import argparse  # only here: the quick parser (cli/quick.py) leaves refusals to it

        raise argparse.ArgumentTypeError(str(e)) from e


SIZE_HELP = SIZE_FORMS


def setting_arg(key: str) -> Callable[[str], str]:
    """argparse type that checks a flag exactly as the setting ``key`` is read elsewhere.

    The flag's text is kept (only checked here): :func:`settings` reads it
    again, so a value meaning "none" (``--timeout 0``) still counts as given.
    """
    from sx.store.config import parse_value, setting

    s = setting(key, "flag")

    def parse(text: str) -> str:
        try:
            parse_value(s, text, f"parse {text!r}")
        except InvalidInput as e:
            reason = str(e).removeprefix(f"parse {text!r}: {key}: ")
            import argparse  # as in size_arg

            raise argparse.ArgumentTypeError(f"{text!r}: {reason}") from e
        return text

    parse.__name__ = key  # argparse names the type in its messages
    return parse


def add_json(p: argparse.ArgumentParser) -> None:
    """Add ``--json`` (the schema of each command's output is in docs/json.md)."""
    p.add_argument("--json", action="store_true",
                   help="print machine-readable JSON on stdout (schemas: docs/json.md)")


def print_json(value: Any) -> None:
    """Print one JSON document on stdout (indented, keys in the order given)."""
    import json  # here: most commands print text

    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()


def read_token(path: str | None) -> str | None:
    """An upload token from ``--token-file`` (None when not given)."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"read token {path}: {getattr(e, 'strerror', None) or e}") from e


def add_token_file(p: argparse.ArgumentParser, help: str, hidden_alias: str | None = None
                   ) -> None:
    """``--token-file FILE`` (the one spelling; an old one may stay as a hidden alias)."""
    p.add_argument("--token-file", metavar="FILE", help=help)
    if hidden_alias:
        p.add_argument(hidden_alias, dest="token_file", help=suppress())


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM interrupts like SIGINT (``KeyboardInterrupt``).

    For commands that build something beside their output and must remove
    it when stopped; not for trio code, which has its own signal handling.
    """
    import signal  # here: it imports enum, which costs every command's start-up

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
