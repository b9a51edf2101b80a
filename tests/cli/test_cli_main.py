"""The command table, global options, --version, and a --help that imports no command."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sx.cli.commands import COMMANDS
from sx.cli.commands import command_in as _command_in
from sx.cli.main import build_parser
from sx_runner import Sx, sx_env


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _summaries(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help for a in action._choices_actions}
    return {}


def test_table_names_every_registered_command_with_its_summary() -> None:
    full = build_parser(full=True)
    registered = _commands(full)
    assert set(registered) == set(COMMANDS)
    assert all(p.add_help for p in registered.values()), "a command without a module"
    assert _summaries(full) == {name: summary for name, (_, summary) in COMMANDS.items()}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_loads_alone_from_its_module(command: str) -> None:
    module, _ = COMMANDS[command]
    parser = build_parser(command)
    assert _commands(parser)[command].add_help  # a real parser, not a stub
    assert importlib.import_module(f"sx.cli.{module}").register  # the table names the module


def test_command_word_skips_global_options() -> None:
    assert _command_in(["--root", "/x", "gc", "--dry-run"]) == "gc"
    assert _command_in(["--root=/x", "realize", "a"]) == "realize"
    assert _command_in(["--show-trace", "--root", "/x", "log"]) == "log"
    assert _command_in(["--help"]) is None
    assert _command_in([]) is None


def test_help_imports_no_command_module() -> None:
    code = ("import sys\nfrom sx.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('sx.cli.', 'sx.derivations'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert "realize" in proc.stdout  # the help lists the commands...
    loaded = set(eval(proc.stdout.strip().splitlines()[-1]))
    assert {"sx.cli.commands", "sx.cli.errors", "sx.cli.main"} <= loaded  # ...from the table
    command_modules = {f"sx.cli.{m}" for m, _ in COMMANDS.values()}
    assert not loaded & command_modules
    assert not {m for m in loaded if m.startswith(("sx.derivations.build.scheduler",
                                                   "sx.derivations.model", "sx.store.local"))}


def test_unknown_command_is_a_usage_error(sx: Sx) -> None:
    r = sx("frobnicate")
    assert r.returncode == 2 and "invalid choice: 'frobnicate'" in r.stderr


def test_no_command_prints_help_and_exits_2(sx: Sx) -> None:
    r = subprocess.run([sys.executable, "-m", "sx.cli.main"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "COMMAND" in r.stderr and "realize" in r.stderr


def test_version(sx: Sx) -> None:
    from importlib.metadata import version

    r = sx("--version")
    assert r.returncode == 0 and r.stdout == f"sx {version('sx')}\n"


def test_root_before_or_after_the_command_and_its_subcommand(tmp_path: Path) -> None:
    other, ignored = str(tmp_path / "other"), str(tmp_path / "from-env")
    env = sx_env(ignored)  # --root wins over $SX_ROOT wherever it is given

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sx.cli.main", *argv], env=env,
                              capture_output=True, text=True, timeout=120)

    for argv in (["--root", other, "realize", "hello"], ["realize", "hello", "--root", other],
                 ["realize", f"--root={other}", "hello"]):
        r = run(*argv)
        assert r.returncode == 0, r.stderr
    listed = run("gc", "roots", "--root", other, "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    out = run("store", "ls", "--root", other, "hello")
    assert out.returncode == 0 and out.stdout.strip().endswith("-hello"), out.stderr
    assert any(n.endswith("-hello") for n in os.listdir(os.path.join(other, "store")))
    assert not os.path.exists(ignored)


def test_docs_cli_lists_every_command_and_every_exit_code() -> None:
    from sx.cli import ddc, errors

    page = (Path(__file__).resolve().parent.parent.parent / "docs" / "cli.md").read_text()
    listed = re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", page, re.MULTILINE)
    assert [name for name, _ in listed] == list(COMMANDS)
    for name, text in listed:
        assert text.startswith(COMMANDS[name][1]), name
    documented = {int(c) for c in re.findall(r"^\| (\d+) \| ", page, re.MULTILINE)}
    codes = {v for k, v in vars(errors).items() if k.isupper() and isinstance(v, int)}
    assert documented == codes | {ddc.DIVERGED}
