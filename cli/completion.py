"""``sx completion SHELL``: a bash, zsh or fish completion script generated from the parser.

The script is made by shtab from the full argument parser, so it knows every
command, subcommand and option as they are. Installable arguments complete
to the built-in recipe names (with their descriptions where the shell shows
them) and to files. ``make install`` writes the three scripts where the
shells look for them (see docs/cli.md).
"""

from __future__ import annotations

import argparse
import sys

from sx.cli.commands import add_command

SHELLS = ("bash", "zsh", "fish")
_BASH_FN = "_shtab_sx_installable_file"  # "_file" makes shtab complete file names properly
_ZSH_FN = "_sx_installables"
_FISH_FN = "__sx_installables"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``completion``."""
    p = add_command(sub, "completion")
    p.add_argument("shell", choices=SHELLS)
    p.set_defaults(func=run)


def _quote_sh(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _preambles(recipes: list[tuple[str, str]]) -> dict[str, str]:
    names = " ".join(n for n, _ in recipes)
    bash = (f"{_BASH_FN}() {{\n"
            f"  compgen -W {_quote_sh(names)} -- \"$1\"\n"
            "  compgen -f -- \"$1\"\n"
            "}\n")
    zsh_items = "\n".join("    " + _quote_sh(f"{n}:{d.replace(':', chr(92) + ':')}")
                          for n, d in recipes)
    zsh = (f"{_ZSH_FN}() {{\n"
           f"  local -a recipes=(\n{zsh_items}\n  )\n"
           "  _describe -t recipes 'recipe' recipes\n"
           "  _files\n"
           "}\n")
    fish_items = "\n".join(f"  printf '%s\\t%s\\n' {_quote_sh(n)} {_quote_sh(d)}"
                           for n, d in recipes)
    fish = (f"function {_FISH_FN}\n{fish_items}\n"
            "  __fish_complete_path (commandline -ct)\n"
            "end\n")
    return {"bash": bash, "zsh": zsh, "fish": fish}


def _mark(parser: argparse.ArgumentParser, complete: dict[str, object]) -> None:
    """Set shtab's ``complete`` on every installable argument, everywhere in the parser."""
    import shtab

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _mark(child, complete)
        elif action.metavar in ("INSTALLABLE", "A", "B", "PATH"):
            action.complete = complete  # type: ignore[attr-defined]
        elif not action.option_strings and action.choices is None:
            action.complete = shtab.FILE  # type: ignore[attr-defined]


def script(shell: str) -> str:
    """The completion script for ``shell`` (imports every command and recipe module)."""
    import shtab
    from sx.cli.main import build_parser
    from sx.derivations.registry import REGISTRY, summary

    recipes = [(name, summary(name)) for name in REGISTRY]
    pre = _preambles(recipes)
    complete: dict[str, object] = {"bash": _BASH_FN, "zsh": _ZSH_FN,
                                   "fish": f"({_FISH_FN})", "preamble": pre}
    parser = build_parser(full=True)
    _mark(parser, complete)
    text: str = shtab.complete(parser, shell=shell)
    return text


def run(args: argparse.Namespace) -> int:
    """Print the script on stdout."""
    sys.stdout.write(script(args.shell))
    return 0
