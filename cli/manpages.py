"""Man pages generated from the argument parser: ``python -m sx.cli.manpages DIR``.

One page per command and subcommand (``sx-realize.1``, ``sx-store-ls.1``)
plus ``sx.1``, written from the same parser ``sx`` parses with, so the
pages list exactly the options that exist. The output is deterministic (no
dates): the same parser gives the same bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator

_SEE_ALSO = "The full documentation is in the docs/ folder of sx's source (docs/cli.md)."


def _roff(text: str) -> str:
    """Escape text for roff: backslashes, hyphens, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.splitlines() or [""]:
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def _commands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """Subcommand name -> (summary, parser), in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return {name: (helps.get(name, ""), p) for name, p in action.choices.items()}
    return {}


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("sx",), summary: str = ""
         ) -> Iterator[tuple[tuple[str, ...], str, argparse.ArgumentParser]]:
    """Every (command path, summary, parser) below and including ``parser``."""
    yield path, summary, parser
    for name, (help_text, child) in _commands(parser).items():
        yield from walk(child, (*path, name), help_text)


def _synopsis(parser: argparse.ArgumentParser) -> str:
    usage = parser.format_usage().removeprefix("usage: ").strip()
    return " ".join(usage.split())


def _option_lines(action: argparse.Action) -> list[str]:
    shown = action.metavar
    value = shown if isinstance(shown, str) else " ".join(shown) if shown else None
    names = ", ".join(action.option_strings) or (value or action.dest)
    if action.option_strings and action.nargs != 0:
        names += f" {value or action.dest.upper()}"
    help_text = action.help or ""
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        help_text += f" (one of: {', '.join(map(str, action.choices))})"
    return [".TP", f".B {_roff(str(names))}", _roff(help_text.strip() or "\\&")]


def page(path: tuple[str, ...], summary: str, parser: argparse.ArgumentParser,
         version: str) -> str:
    """The roff source of the man page of the command at ``path``."""
    name = "-".join(path)
    out = [f'.TH "{name.upper()}" 1 "" "sx {version}" "sx manual"',
           ".SH NAME", f"{_roff(name)} \\- {_roff(summary or (parser.description or ''))}",
           ".SH SYNOPSIS", f".B {_roff(' '.join(path))}",
           _roff(_synopsis(parser).removeprefix(" ".join(path)).strip())]
    if parser.description:
        out += [".SH DESCRIPTION", _roff(parser.description)]
    groups: dict[str, list[argparse.Action]] = {}
    for group in parser._action_groups:
        for action in group._group_actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
                continue
            title = "GLOBAL OPTIONS" if group.title == "global options" else (
                "ARGUMENTS" if not action.option_strings else "OPTIONS")
            groups.setdefault(title, []).append(action)
    for title in ("ARGUMENTS", "OPTIONS", "GLOBAL OPTIONS"):
        if groups.get(title):
            out.append(f".SH {title}")
            for action in groups[title]:
                out += _option_lines(action)
    subs = _commands(parser)
    if subs:
        out.append(".SH COMMANDS")
        for sub, (help_text, _) in subs.items():
            out += [".TP", f".B {_roff(sub)}",
                    _roff(f"{help_text}; see {name}-{sub}(1)")]
    if parser.epilog:
        out += [".SH NOTES", _roff(parser.epilog)]
    see = ["sx(1)"] if len(path) > 1 else []
    see += [f"{name}-{sub}(1)" for sub in subs]
    out += [".SH SEE ALSO", _roff(", ".join(see) + ("." if see else "")), ".PP", _roff(_SEE_ALSO)]
    return "\n".join(out) + "\n"


def write_pages(directory: str) -> list[str]:
    """Write every page into ``directory``; returns the file names."""
    from sx.cli.entry import installed_version
    from sx.cli.main import build_parser

    v = installed_version()
    os.makedirs(directory, exist_ok=True)
    names = []
    for path, summary, parser in walk(build_parser(full=True)):
        if not parser.add_help:
            continue
        name = "-".join(path) + ".1"
        tmp = os.path.join(directory, f".{name}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(page(path, summary, parser, v))
        os.replace(tmp, os.path.join(directory, name))
        names.append(name)
    return names


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m sx.cli.manpages DIR")
    print(f"wrote {len(write_pages(sys.argv[1]))} man pages to {sys.argv[1]}")
