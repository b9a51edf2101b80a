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

# Each command's module; ``sx COMMAND`` imports only that one (fast start),
# ``sx --help`` imports them all. tests/test_cli_main.py keeps this in step.
COMMANDS: dict[str, str] = {
    "realize": "realize", "log": "build_log", "show-derivation": "show_derivation",
    "store": "store_cmd", "path-info": "path_info", "hash": "hash_cmd",
    "why-depends": "why_depends", "gc": "gc_cmd", "export-oci": "export_oci",
    "import-oci": "export_oci", "key": "cache_cmd", "sign": "cache_cmd", "copy": "cache_cmd",
    "serve": "cache_cmd", "verify": "cache_cmd", "challenge": "cache_cmd", "cache": "cache_cmd",
    "bootstrap": "bootstrap_cmd", "provenance": "provenance", "ddc": "ddc",
    "worker": "worker",
    "run": "run", "shell": "run",
}


def _command_in(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (skipping the global ``--root DIR``)."""
    it = iter(argv)
    for arg in it:
        if arg == "--root":
            next(it, None)
        elif arg.startswith("--root="):
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only`` (a known command) just that command's module."""
    parser = argparse.ArgumentParser(
        prog="sx", description="A content-addressed derivation store and builder.")
    parser.add_argument("--root", default=None,
                        help="physical store root (default: $SX_ROOT, /sx, or ~/.local/share/sx)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(f"sx.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sx`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if args.root:
        os.environ["SX_ROOT"] = os.path.abspath(args.root)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return USAGE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt as e:
        print(f"sx: {str(e) or 'interrupted'}", file=sys.stderr)
        return exit_code(e)
    except StoreError as e:
        print(f"sx: {e}", file=sys.stderr)
        return exit_code(e)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
