"""Start-up: a command imports only what it uses.

Timing belongs to bench/ (cli_bench.py, store_bench.py); these tests pin the
cause instead. Each runs the console script users run, with
``PYTHONPROFILEIMPORTTIME`` listing every module the interpreter imported,
and fails when a command pulls in a module that costs every start (the
editable install's import hook and its pathlib, ``dataclasses`` and its
``inspect``, ``typing``, shutil for argparse's terminal width).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sx.cli.main import _Parser
from sx_runner import sx_env

SX = os.path.join(os.path.dirname(sys.executable), "sx")
# Nothing on the ``sx hash file`` path needs these.
NOT_FOR_HASH_FILE = {"dataclasses", "inspect", "typing", "shutil", "pathlib", "sx.store.local",
                     "sx.store.nar", "sx.store.config", "hashlib"}
# A store path argument is parsed without the recipe machinery.
NOT_FOR_PATH_INFO = {"pathlib", "shutil", "typing", "dataclasses", "inspect", "json", "tomllib",
                     "difflib",
                     "sx.store.config", "sx.derivations.recipes", "sx.derivations.instantiate",
                     "sx.derivations.model", "sx.derivations.graph", "sx.store.gc",
                     "sx.derivations.build.scheduler",
                     # parsed by cli/quick.py, without argparse and what it loads
                     "argparse", "re", "enum", "gettext", "sx.cli.main", "threading",
                     "blake3"}  # a query hashes nothing


def _imported(argv: list[str], env: dict[str, str]) -> tuple[set[str], str]:
    """The modules the console script imported for ``argv``, and its stdout."""
    proc = subprocess.run([SX, *argv], env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    assert "sx.cli.entry" in names  # the listing works, so an absence below means something
    return names, proc.stdout


def test_the_installed_sx_finds_its_modules_without_an_import_hook() -> None:
    names, out = _imported(["--help"], dict(os.environ))
    assert "realize" in out
    assert not {n for n in names if n.startswith("__editable__")}
    assert "pathlib" not in names


def test_version_reads_the_metadata_without_importlib_metadata() -> None:
    from importlib.metadata import version

    names, out = _imported(["--version"], dict(os.environ))
    assert out == f"sx {version('sx')}\n"
    assert not names & {"importlib.metadata", "email", "zipfile", "pathlib", "typing"}
    # Answered before argparse (which imports re and enum): the entry point's own check.
    assert not names & {"argparse", "re", "enum", "sx.cli.main"}, sorted(names)


def test_version_among_other_arguments_goes_through_the_parser(tmp_path: Path) -> None:
    from importlib.metadata import version

    names, out = _imported(["--root", str(tmp_path), "--version"], dict(os.environ))
    assert out == f"sx {version('sx')}\n" and "argparse" in names


def test_hash_file_imports_no_more_than_it_uses(tmp_path: Path) -> None:
    f = tmp_path / "one"
    f.write_bytes(b"x")
    names, out = _imported(["hash", "file", str(f)], dict(os.environ))
    assert out.startswith("b3:")
    assert not names & NOT_FOR_HASH_FILE, sorted(names & NOT_FOR_HASH_FILE)


def test_plain_hash_file_is_parsed_without_argparse(tmp_path: Path) -> None:
    f = tmp_path / "one"
    f.write_bytes(b"x")
    names, out = _imported(["hash", "file", str(f), str(f)], dict(os.environ))
    assert out.startswith("b3:") and len(out.splitlines()) == 2
    assert not names & {"argparse", "re", "enum", "sx.cli.main"}, sorted(names)
    # An option spelt out is parsed the quick way too; ``--`` is left to argparse.
    names, out2 = _imported(["hash", "file", "--type", "b3", str(f)], dict(os.environ))
    assert "argparse" not in names and out2 == out.splitlines(keepends=True)[0]
    names, out2 = _imported(["hash", "file", "--", str(f)], dict(os.environ))
    assert "argparse" in names and out2 == out.splitlines(keepends=True)[0]


@pytest.mark.parametrize(("words", "code", "lines"), [
    (["FILE"], 0, 1), (["FILE", "FILE"], 0, 2), (["LINK"], 0, 1), (["--", "-dash"], 0, 1),
    (["--type", "sha256", "FILE"], 0, 1), (["DIR"], 1, 0), (["MISSING"], 1, 0),
    (["FILE", "DIR", "FILE"], 1, 1), (["-"], 1, 0), ([], 2, 0),
])
def test_hash_file_before_argparse_answers_as_the_parser_does(
        tmp_path: Path, words: list[str], code: int, lines: int) -> None:
    # The console script (entry.py, whose cli/quick.py parses the plain forms) and
    # the parser's own main (``python -m sx.cli.main``) on the same line.
    (tmp_path / "FILE").write_bytes(b"some bytes\n")
    (tmp_path / "DIR").mkdir()
    (tmp_path / "-dash").write_bytes(b"")
    (tmp_path / "LINK").symlink_to("FILE")
    argv = ["hash", "file", *words]
    fast, parsed = ((p.returncode, p.stdout, p.stderr) for p in (
        subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        for cmd in ([SX, *argv], [sys.executable, "-m", "sx.cli.main", *argv])))
    assert fast == parsed
    assert fast[0] == code and fast[1].count("\n") == lines
    if code == 1:  # one line naming the object and the cause
        assert fast[2].count("\n") == 1 and "not a regular file" in fast[2]


def test_path_info_of_a_store_path_loads_no_recipes(tmp_path: Path) -> None:
    root = str(tmp_path / "root")
    (tmp_path / "one").write_bytes(b"x")
    added = subprocess.run([SX, "store", "add", str(tmp_path / "one")], env=sx_env(root),
                           capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    names, out = _imported(["path-info", "-r", added], sx_env(root))
    assert out == f"{added}\n"
    assert not names & NOT_FOR_PATH_INFO, sorted(names & NOT_FOR_PATH_INFO)


def test_store_add_checks_without_typing_or_dataclasses(tmp_path: Path) -> None:
    # The one registration check (content address, proof) is on every add.
    (tmp_path / "tree" / "d").mkdir(parents=True)
    (tmp_path / "tree" / "d" / "f").write_bytes(b"x")
    names, out = _imported(["store", "add", str(tmp_path / "tree")],
                           sx_env(str(tmp_path / "root")))
    assert out.startswith("/sx/store/") and out.endswith("-tree\n")
    assert "sx.store.registration" in names and "sx.store.ca" in names
    unwanted = {"typing", "dataclasses", "inspect", "pathlib", "shutil", "json"}
    assert not names & unwanted, sorted(names & unwanted)


@pytest.mark.parametrize("columns", [None, "40", "120", "0", "junk"])
def test_help_is_wrapped_as_argparse_wraps_it(monkeypatch: pytest.MonkeyPatch,
                                               columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    texts = []
    for cls in (argparse.ArgumentParser, _Parser):
        p = cls(prog="sx", description="words " * 40)
        p.add_argument("--option-with-a-long-name", metavar="VALUE", help="more words " * 20)
        texts.append(p.format_help())
    assert texts[0] == texts[1]
