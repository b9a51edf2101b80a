"""The CLI's dispatch table matches what the command modules register."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
from sx.cli.main import COMMANDS, _command_in, build_parser


def _registered(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_table_names_every_registered_command() -> None:
    assert _registered(build_parser()) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_loads_alone(command: str) -> None:
    assert command in _registered(build_parser(command))


def test_command_word_skips_the_root_option() -> None:
    assert _command_in(["--root", "/x", "gc", "--dry-run"]) == "gc"
    assert _command_in(["--root=/x", "realize", "a"]) == "realize"
    assert _command_in(["--help"]) is None
    assert _command_in([]) is None


def test_unknown_command_is_a_usage_error() -> None:
    proc = subprocess.run([sys.executable, "-m", "sx.cli.main", "frobnicate"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
