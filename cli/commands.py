"""The table of ``sx`` commands: the module that implements each, and its one-line summary.

``sx --help`` is printed from this table alone, without importing any command
module (that keeps it fast); ``sx COMMAND`` imports just that command's module.
Each module registers its commands with :func:`add_command`, which takes the
summary from here, so the two cannot disagree. tests/cli/test_main.py checks
that every registered command is in the table and vice versa.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # as in cli/main.py: typing is not imported at run time
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

COMMANDS: dict[str, tuple[str, str]] = {
    "realize": ("realize", "build installables; print their output paths"),
    "list": ("list_cmd", "list the built-in recipes"),
    "log": ("build_log", "show build logs, or list them"),
    "show-derivation": ("show_derivation", "print a derivation as JSON"),
    "path-info": ("path_info", "show what the store knows about paths"),
    "why-depends": ("why_depends", "show why A's closure contains B"),
    "provenance": ("provenance", "list the binaries and fetched sources in a build-time closure"),
    "store": ("store_cmd", "manipulate the local store"),
    "hash": ("hash_cmd", "compute archive or file hashes"),
    "gc": ("gc_cmd", "delete store paths that no root keeps alive"),
    "export-oci": ("export_oci", "write a closure as an OCI image (layout or archive)"),
    "import-oci": ("export_oci", "import the store paths of an image made by sx"),
    "key": ("cache_cmd", "manage signing keys"),
    "sign": ("cache_cmd", "sign path infos (and their realisations) with a secret key"),
    "copy": ("cache_cmd", "upload closures to a cache, or download them from one"),
    "serve": ("cache_cmd", "serve a cache directory over HTTP"),
    "verify": ("cache_cmd", "check paths' contents and, with --sigs, who signed them"),
    "challenge": ("cache_cmd", "compare the realisations several caches hold"),
    "cache": ("cache_cmd", "look at a binary cache"),
    "run": ("run", "realize an installable and run its main program"),
    "shell": ("run", "a shell with the installables' bin/ on PATH"),
    "worker": ("worker", "run actions of a remote execution engine in sx's sandbox"),
    "bootstrap": ("bootstrap_cmd", "the bootstrap seed and chain"),
    "ddc": ("ddc", "realize a stage chain from several seeds and compare"),
    "config": ("config_cmd", "show the settings in force and where each comes from"),
    "completion": ("completion", "print a shell completion script (bash, zsh or fish)"),
}
"""command -> (module under sx.cli, one-line summary)."""


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                **kw: Any) -> argparse.ArgumentParser:
    """Add command ``name`` with its summary from :data:`COMMANDS` as help and description."""
    summary = COMMANDS[name][1]
    kw.setdefault("description", summary[0].upper() + summary[1:] + ".")
    return sub.add_parser(name, help=summary, **kw)


# Global options that take a value (for finding the command word).
_VALUED = ("--root",)


def command_in(argv: Sequence[str]) -> str | None:
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


SUPPRESS = "==SUPPRESS=="
"""argparse.SUPPRESS's value, without importing argparse (cli/quick.py compares by equality)."""


def suppress() -> str:
    """argparse's SUPPRESS: the object itself once argparse is loaded (argparse tests it
    by identity), its value otherwise."""
    argparse = sys.modules.get("argparse")
    return argparse.SUPPRESS if argparse is not None else SUPPRESS


def add_globals(p: Any, top: bool) -> None:
    """The options every command takes; below the top level they default to "not given"."""
    dflt: dict[str, Any] = {} if top else {"default": suppress()}
    g = p.add_argument_group("global options")
    g.add_argument("--root", metavar="DIR", **({"default": None} if top else dflt),
                   help="physical store root (default: $SX_ROOT, /sx, or ~/.local/share/sx)")
    g.add_argument("--show-trace", action="store_true", **dflt,
                   help="on an error, print the whole Python trace (also: SX_DEBUG=1)")


def populate(parser: Any, modules: Iterable[str], version_action: type,
             children: Callable[[Any], list[Any]]) -> Any:
    """Give ``parser`` (argparse's, or cli/quick.py's recorder) sx's options and the
    commands of ``modules``; returns the subcommands' action.

    ``children(p)`` lists the parsers of ``p``'s subcommands: the global options
    are added to each command's parser, at every level, after its own options.
    """
    parser.add_argument("--version", action=version_action, default=suppress(),
                        help="print the version and exit")
    add_globals(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        # __import__ rather than importlib, which loads warnings (start-up time).
        __import__(f"sx.cli.{name}", fromlist=["register"]).register(sub)

    def everywhere(p: Any) -> None:
        for child in children(p):
            if child.add_help:  # stubs of commands not loaded have no options
                add_globals(child, top=False)
                everywhere(child)

    everywhere(parser)
    return sub
