"""``sx config show``: the settings in force and where each value comes from."""

from __future__ import annotations

from typing import Any

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json, settings

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``config`` command group."""
    p = add_command(sub, "config")
    s = p.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    show = s.add_parser("show", help="every setting: value, origin (flag, env, file, default)")
    add_json(show)
    show.set_defaults(func=cmd_show)


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return " ".join(value) or "(empty)"
    return str(value)


def cmd_show(args: argparse.Namespace) -> int:
    """Print ``key = value  (origin)`` per setting, or the JSON list."""
    from sx.store.config import SETTINGS

    s = settings(open_store(args))
    rows = [{"key": st.key, "value": list(v) if isinstance(v := s.get(st.key), tuple) else v,
             "origin": s.origin(st.key), "env": st.env} for st in SETTINGS]
    if args.json:
        print_json({"file": s.source, "settings": rows})
        return 0
    print(f"# configuration file: {s.source}")
    width = max(len(st.key) for st in SETTINGS)
    for st in SETTINGS:
        print(f"{st.key:<{width}} = {_text(s.get(st.key)):<24} # {s.origin(st.key)}")
    return 0
