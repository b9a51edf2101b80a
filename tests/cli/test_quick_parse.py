"""cli/quick.py parses the plain command lines exactly as argparse does, and no other.

The fuzz below builds random command lines for every command from the words
its argparse parser knows (options, ``--option=value``, subcommands,
choices) mixed with ordinary and awkward words (``--``, ``-``, ``-1``,
empty, a space), and holds the quick parser to this: whenever it answers,
argparse accepts the same line and gives the same namespace. When it does
not answer, the line is argparse's, which is always right. A second fuzz
gives both parsers random definitions (every action, nargs, type, choices,
default, exclusive groups, subcommands two levels deep), so the rule holds
for commands not written yet.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import subprocess
import sys

import pytest
from sx.cli import quick
from sx.cli.commands import COMMANDS, command_in
from sx.cli.main import build_parser

WORDS = ["a", "b", "/sx/store/x", "hello", "x=y", "", "-", "--", "-1", "two words", "3",
         "1k", "b3", "sha256", "-x", "--nope", "-h"]


def _argparse(argv: list[str]) -> dict[str, object] | None:
    """argparse's namespace for ``argv`` as ``sx`` builds it, or None if it refuses."""
    parser = build_parser(command_in(argv))
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            return vars(parser.parse_args(argv))
    except SystemExit:
        return None


def _levels(command: str) -> list[tuple[list[str], argparse.ArgumentParser]]:
    """Every (subcommand words, parser) of ``sx COMMAND``."""
    out, todo = [], [([command], build_parser(command)._subparsers._group_actions[0]
                      .choices[command])]
    while todo:
        words, p = todo.pop()
        out.append((words, p))
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += [([*words, name], child) for name, child in action.choices.items()]
    return out


def _vocabulary(p: argparse.ArgumentParser) -> tuple[list[str], list[str]]:
    """The option strings (with ``=``-forms) and the other words a parser knows."""
    options, words = [], list(WORDS)
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            words += list(action.choices)
            continue
        options += action.option_strings
        options += [f"{o}=v" for o in action.option_strings if o.startswith("--")]
        words += [str(c) for c in action.choices or ()]
    return options, words


def _lines(command: str, rng: random.Random, n: int) -> list[list[str]]:
    """Random command lines: a subcommand path, then options and words of its parser."""
    levels = _levels(command)
    out = []
    for _ in range(n):
        path, p = rng.choice(levels)
        options, words = _vocabulary(p)
        line = list(path)
        if rng.random() < 0.2:
            line.insert(0, rng.choice(["--show-trace", "--root", "--root=/r", "--version"]))
            if line[0] == "--root":
                line.insert(1, "/r")
        for _ in range(rng.randrange(6)):
            line.append(rng.choice(options if rng.random() < 0.4 else words))
        out.append(line)
    return out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_quick_parse_answers_only_as_argparse_does(command: str) -> None:
    rng = random.Random(f"quick-{command}")
    lines = _lines(command, rng, 400)
    answered = 0
    for argv in lines:
        got = quick.parse(argv)
        if got is None:
            continue
        answered += 1
        assert vars(got) == _argparse(argv), argv
    # The fuzz reaches the quick parser: a command with a plain form answers
    # some of its random lines.
    if command != "run":  # argparse.REMAINDER: always argparse's
        assert answered > 0, command


COMMON = [
    ["path-info", "/sx/store/x-a"],
    ["path-info", "-r", "/sx/store/x-a", "/sx/store/y-b"],
    ["path-info", "--json", "--closure-size", "hello"],
    ["--root", "/r", "path-info", "hello", "--size"],
    ["why-depends", "hello", "/sx/store/x-a"],
    ["log", "hello"],
    ["show-derivation", "hello"],
    ["hash", "file", "a", "b"],
    ["hash", "path", "--type", "sha256", "a"],
    ["list"],
    ["provenance", "hello"],
    ["gc", "--dry-run"],
    ["store", "add", "a"],
]


@pytest.mark.parametrize("argv", COMMON, ids=" ".join)
def test_common_lines_take_the_quick_way(argv: list[str]) -> None:
    got = quick.parse(argv)
    assert got is not None, argv
    assert vars(got) == _argparse(argv)


@pytest.mark.parametrize("argv", [
    ["path-info", "--clos", "a"],          # an abbreviation
    ["path-info", "-rs", "a"],             # bundled short options
    ["path-info", "a", "-r", "b"],         # positionals split by an option
    ["path-info", "--", "-a"],
    ["path-info", "--help"],
    ["hash", "file"],                      # nothing to hash: argparse's error
    ["hash", "path", "--type", "md5", "a"],  # not a choice
    ["hash", "path", "--type"],            # a value missing
    ["hash", "path", "--type=", "a"],      # not a choice either
    ["why-depends", "a"],                  # a positional missing
    ["hash", "nope", "a"],                 # no such subcommand
    ["--version"],
    [],
])
def test_other_lines_are_left_to_argparse(argv: list[str]) -> None:
    assert quick.parse(argv) is None


def test_the_quick_way_imports_no_argparse() -> None:
    """``sx path-info PATH`` runs without argparse, re or gettext loaded."""
    code = ("import sys; from sx.cli.quick import parse; "
            "assert parse(['path-info', '-r', 'hello']) is not None; "
            "print(sorted(m for m in ('argparse', 're', 'gettext', 'enum') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_suppress_is_argparse_s() -> None:
    from sx.cli.commands import suppress

    assert suppress() is argparse.SUPPRESS
    assert quick.SUPPRESS == argparse.SUPPRESS


# -- any parser, not only sx's: random definitions given to both parsers -----

_OPTIONS = ["--alpha", "--beta", "-g", "--gamma-x", "-d"]
_VALUES = ["1", "x", "a", "b", "-1", "", "--", "-", "7", "a b"]


def _random_args(rng: random.Random) -> list[tuple[tuple[str, ...], dict[str, object]]]:
    """Random ``add_argument`` calls (only ones argparse itself accepts)."""
    calls: list[tuple[tuple[str, ...], dict[str, object]]] = []
    for name in rng.sample(_OPTIONS, rng.randrange(4)):
        kw: dict[str, object] = {}
        action = rng.choice(["store", "store", "store_true", "store_false", "append", "count",
                             "store_const"])
        kw["action"] = action
        if action == "store_const":
            kw["const"] = 5
        if action in ("store", "append"):
            if rng.random() < 0.3:
                kw["type"] = int
            if rng.random() < 0.3:
                kw["choices"] = ["a", "b"] if "type" not in kw else [1, 7]
        if rng.random() < 0.3:
            kw["default"] = rng.choice(["a", "1", 3, None, ["z"], argparse.SUPPRESS])
        if rng.random() < 0.1:
            kw["required"] = True
        if rng.random() < 0.1:
            kw["dest"] = "shared"
        calls.append(((name,), kw))
    for i in range(rng.randrange(3)):
        kw = {"nargs": rng.choice([None, "?", "*", "+"])}
        if rng.random() < 0.2:
            kw["type"] = int
        if rng.random() < 0.2 and kw["nargs"] != "*":
            kw["choices"] = ["a", "b"] if "type" not in kw else [1, 7]
        if rng.random() < 0.3 and kw["nargs"] in ("?", "*"):
            kw["default"] = rng.choice(["a", "1", None, ["z"]])
        calls.append(((f"p{i}",), kw))
    return calls


def _define(p: object, rng: random.Random, depth: int) -> None:
    """Give ``p`` (argparse's parser or the recorder) a random definition."""
    calls = _random_args(rng)
    options = [c for c in calls if c[0][0].startswith("-")]
    if len(options) >= 2 and rng.random() < 0.3:
        group = p.add_mutually_exclusive_group(required=rng.random() < 0.3)  # type: ignore[attr-defined]
        for names, kw in options[:2]:
            kw.pop("required", None)  # argparse refuses required members
            group.add_argument(*names, **kw)
        calls = [c for c in calls if c not in options[:2]]
    for names, kw in calls:
        if depth < 2 and not names[0].startswith("-"):
            continue  # levels with subcommands have no positionals here
        p.add_argument(*names, **kw)  # type: ignore[attr-defined]
    if rng.random() < 0.3:
        p.set_defaults(func=_define, alpha="set")  # type: ignore[attr-defined]
    if depth < 2 and rng.random() < 0.7:
        sub = p.add_subparsers(dest=rng.choice(["cmd", argparse.SUPPRESS]),  # type: ignore[attr-defined]
                               required=rng.random() < 0.5)
        for name in ("one", "two")[:rng.randrange(1, 3)]:
            _define(sub.add_parser(name), rng, depth + 1)


@pytest.mark.parametrize("seed", range(40))
def test_quick_parse_of_any_definition_answers_only_as_argparse_does(seed: int) -> None:
    """The recorder and argparse given the same random definitions, then random lines."""
    answered = 0
    for k in range(25):
        a, b = random.Random(f"{seed}-{k}"), random.Random(f"{seed}-{k}")
        real, rec = argparse.ArgumentParser(prog="t"), quick.Parser()
        _define(real, a, 1)
        _define(rec, b, 1)
        words = [*_OPTIONS, *(f"{o}=v" for o in _OPTIONS), *(f"{o}=1" for o in _OPTIONS),
                 *_VALUES, "one", "two"]
        for _ in range(40):
            argv = [a.choice(words) for _ in range(a.randrange(6))]
            try:
                ns: dict[str, object] = {}
                rec.parse_into(argv, ns)
            except quick._Unsupported:
                continue
            answered += 1
            try:
                with contextlib.redirect_stderr(io.StringIO()):
                    want = vars(real.parse_args(argv))
            except SystemExit:
                want = None
            assert ns == want, (seed, k, argv)
    assert answered > 0
