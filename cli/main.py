"""The ``sx`` command: parse arguments, dispatch to one small module per command.

Each command module has ``register(subparsers)`` which adds its parser and
sets ``func(args) -> int``. Errors raised on purpose become one line on
stderr (``sx: <verb object: cause>``) and an exit code from cli/errors.py.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from sx.cli.errors import USAGE, exit_code
from sx.store.errors import StoreError

# Command modules, in the order they appear in --help.
COMMANDS = [
    "realize", "build_log", "show_derivation", "store_cmd", "path_info", "hash_cmd",
    "why_depends", "gc_cmd", "export_oci", "cache_cmd", "bootstrap_cmd", "provenance", "ddc",
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available command."""
    parser = argparse.ArgumentParser(
        prog="sx", description="A content-addressed derivation store and builder.")
    parser.add_argument("--root", default=None,
                        help="physical store root (default: $SX_ROOT, /sx, or ~/.local/share/sx)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"sx.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"sx.cli.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sx`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.root:
        os.environ["SX_ROOT"] = os.path.abspath(args.root)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return USAGE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("sx: interrupted", file=sys.stderr)
        return exit_code(KeyboardInterrupt())
    except StoreError as e:
        print(f"sx: {e}", file=sys.stderr)
        return exit_code(e)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
