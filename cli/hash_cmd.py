"""``sx hash path|file``: archive or file hashes.

Nothing here imports argparse at run time: the plain forms are parsed by
cli/quick.py.
"""

from __future__ import annotations

import os

from sx.store.errors import InvalidInput
from sx.store.hashing import hash_file

TYPE_CHECKING = False  # as in cli/main.py: argparse and typing only for the checker
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``hash``."""
    from sx.cli.commands import add_command

    p = add_command(sub, "hash")
    s = p.add_subparsers(dest="hash_command", metavar="SUBCOMMAND", required=True)
    a = s.add_parser("path", help="hash of the archive (NAR) of a tree (BLAKE3 by default)")
    a.add_argument("paths", nargs="+")
    a.add_argument("--type", default="b3", choices=["b3", "sha256", "sha512"])
    a.add_argument("--size", action="store_true", help="also print the archive size")
    a.set_defaults(func=cmd_path)
    f = s.add_parser("file", help="hash of a file's bytes")
    f.add_argument("paths", nargs="+")
    f.add_argument("--type", default="b3", choices=["b3", "sha256", "sha512"])
    f.set_defaults(func=cmd_file)


def cmd_path(args: argparse.Namespace) -> int:
    """Print each tree's archive hash (and size)."""
    from sx.store import nar  # here: ``sx hash file`` does not need the archive code

    for p in args.paths:
        digest, size = nar.hash_path(p, args.type)
        print(f"{digest}\t{size}" if args.size else digest)
    return 0


def cmd_file(args: argparse.Namespace) -> int:
    """Print each regular file's hash."""
    for p in args.paths:
        if not os.path.isfile(p):
            raise InvalidInput(f"hash {p}: not a regular file")
        print(hash_file(p, args.type))
    return 0
