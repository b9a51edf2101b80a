"""Settings: every key in one table, unknown keys refused, flag > environment > file > default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import check
from sx.cli.common import settings
from sx.derivations.model import Source
from sx.store.config import SETTINGS, load_settings, set_flags, setting_fields
from sx.store.errors import InvalidInput
from sx.store.local import LocalStore
from sx_runner import Sx

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "configuration.md"


def _conf(sx: Sx, text: str) -> Path:
    path = Path(sx.root) / "etc" / "sx.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _shown(sx: Sx, env: dict[str, str] | None = None) -> dict[str, tuple[object, str]]:
    doc = check("config-show", sx.ok("config", "show", "--json", env=env))
    return {row["key"]: (row["value"], row["origin"]) for row in doc["settings"]}


def test_every_setting_is_documented_with_its_variable_and_meaning() -> None:
    rows = {m[0]: m for m in re.findall(
        r"^\| `([a-z-]+)` \| `(SX_[A-Z_]+)` \|[^|]*\|[^|]*\| (.+) \|$",
        DOCS.read_text(), re.MULTILINE)}
    assert list(rows) == [s.key for s in SETTINGS]
    for s in SETTINGS:
        _, env, meaning = rows[s.key]
        assert (env, meaning) == (s.env, s.help)
    assert setting_fields() == [s.attr for s in SETTINGS]


def test_defaults_then_file_then_environment(sx: Sx) -> None:
    shown = _shown(sx)
    assert shown["jobs"] == (0, "default") and shown["sandbox"] == ("auto", "default")
    path = _conf(sx, 'jobs = 2\nmax-log-size = "1.5G"\nsubstituters = ["file:///a"]\n'
                     'trusted-public-keys = []\nkeep-outputs = true\n')
    shown = _shown(sx)
    assert shown["jobs"] == (2, f"file {path}")
    assert shown["max-log-size"] == (3 << 29, f"file {path}")
    assert shown["keep-outputs"] == (True, f"file {path}")
    shown = _shown(sx, {"SX_JOBS": "5", "SX_KEEP_OUTPUTS": "no", "SX_SUBSTITUTERS": "file:///b "
                        "file:///c"})
    assert shown["jobs"] == (5, "env SX_JOBS") and shown["keep-outputs"] == (False,
                                                                             "env SX_KEEP_OUTPUTS")
    assert shown["substituters"] == (["file:///b", "file:///c"], "env SX_SUBSTITUTERS")
    assert shown["max-log-size"][1] == f"file {path}"


def test_a_flag_wins_over_environment_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    store = LocalStore(str(tmp_path / "root"))
    (tmp_path / "root" / "etc").mkdir()
    (tmp_path / "root" / "etc" / "sx.conf").write_text("jobs = 2\ntimeout = 60\n")
    monkeypatch.setenv("SX_JOBS", "3")
    monkeypatch.delenv("SX_CONFIG", raising=False)
    try:
        s = settings(store, {"jobs": 7, "timeout": None})
        assert (s.jobs, s.origin("jobs")) == (7, "flag")
        assert (s.timeout, s.origin("timeout")) == (60.0, s.origin("timeout"))
        assert s.origin("timeout").startswith("file ")
        assert load_settings(store.root).jobs == 7  # what every part of sx reads now
    finally:
        set_flags({})
    assert load_settings(store.root).jobs == 3
    store.temp_roots.close()


PRINTS = '''
from sx.derivations.model import Source, derivation
bb = Source({bb!r}, "busybox")

LINE = "0123456789" * 4
SCRIPT = f"i=0; while [ $i -lt 200 ]; do echo {{LINE}}; i=$((i+1)); done; sleep 1; echo > $out"

def chatty():
    return derivation("chatty-{n}", f"{{bb}}/bin/sh", ["-c", SCRIPT], srcs=[bb])
'''


@pytest.mark.sandbox
def test_precedence_decides_what_a_build_may_do(sx: Sx, tmp_path: Path, busybox: Source) -> None:
    """max-log-size from each source: a build logging 8 KiB passes or is killed accordingly."""
    for n, (conf, env, flag, ok) in enumerate([
        ("", {}, [], True),                                               # default 1G
        ('max-log-size = "1k"\n', {}, [], False),                        # file
        ('max-log-size = "1k"\n', {"SX_MAX_LOG_SIZE": "1M"}, [], True),  # env over file
        ('max-log-size = "1k"\n', {"SX_MAX_LOG_SIZE": "1M"}, ["--max-log-size", "2k"], False),
        ("max-log-size = 1024\n", {"SX_MAX_LOG_SIZE": "1k"}, ["--max-log-size", "1M"], True),
        ("", {"SX_MAX_LOG_SIZE": "1M"}, ["--option", "max-log-size", "1k"], False),  # option
        ("", {}, ["--option", "max-log-size", "1k", "--max-log-size", "1M"], True),  # named flag
    ]):
        _conf(sx, conf)
        recipe = tmp_path / f"chatty{n}.py"
        recipe.write_text(PRINTS.format(bb=busybox.local, n=n))
        r = sx("realize", *flag, f"{recipe}:chatty", env=env)
        assert (r.returncode == 0) == ok, (n, r.stderr)
        if not ok:
            assert r.returncode == 4 and "log" in r.stderr.splitlines()[-1]


@pytest.mark.parametrize(("text", "message"), [
    ('substituter = ["file:///x"]', "unknown key 'substituter' (did you mean 'substituters'?)"),
    ("max-jobs = 2", "unknown key 'max-jobs' (did you mean 'jobs'?)"),
    ("jobs = -1", "jobs: expected a whole number >= 0"),
    ('jobs = "4"', "jobs: expected a whole number >= 0"),
    ("keep-outputs = 1", "keep-outputs: expected true or false"),
    ('max-log-size = "1.5"', "max-log-size: expected bytes, or a number with K, M, G or T"),
    ("sandbox = false", "sandbox: sx never builds without a sandbox"),
    ('sandbox = "chroot"', "sandbox: expected one of auto, mapped, plain"),
    ("timeout = -5", "timeout: expected a number of seconds"),
    ("jobs = [", "load config"),
])
def test_bad_files_are_one_line_before_anything_happens(sx: Sx, text: str, message: str) -> None:
    path = _conf(sx, text + "\n")
    for args in (("config", "show"), ("realize", "hello"), ("gc", "--dry-run")):
        r = sx(*args)
        assert r.returncode == 1, (args, r.stderr)
        (line,) = r.stderr.splitlines()
        assert line.startswith(f"sx: load config {path}: ") and message in line, line
    assert not (Path(sx.root) / "store").exists() or not list((Path(sx.root) / "store").iterdir())


@pytest.mark.parametrize(("env", "message"), [
    ({"SX_JOBS": "many"}, "read environment SX_JOBS: jobs: expected a whole number >= 0"),
    ({"SX_KEEP_OUTPUTS": "maybe"}, "read environment SX_KEEP_OUTPUTS: keep-outputs: expected"),
    ({"SX_MAX_LOG_SIZE": "lots"}, "read environment SX_MAX_LOG_SIZE: max-log-size: expected"),
])
def test_bad_environment_values(sx: Sx, env: dict[str, str], message: str) -> None:
    r = sx("config", "show", env=env)
    assert r.returncode == 1 and r.stderr == f"sx: {message}" + r.stderr.split(message)[1]
    assert len(r.stderr.splitlines()) == 1


def test_every_realize_flag_reaches_the_builder_through_its_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits, -L, -K and --remote*: file < environment < --option < the named flag."""
    from sx.cli.installables import build_options
    from sx.cli.main import build_parser
    from sx.cli.realize import flag_values

    store = LocalStore(str(tmp_path / "root"))
    (tmp_path / "root" / "etc").mkdir()
    (tmp_path / "root" / "etc" / "sx.conf").write_text(
        'max-pids = 100\nmax-memory = "1G"\nmax-cpu-time = 30\nkeep-failed = true\n'
        'remote = "grpc://127.0.0.1:1"\nremote-jobs = 3\n')
    monkeypatch.delenv("SX_CONFIG", raising=False)
    monkeypatch.setenv("SX_MAX_PIDS", "200")
    monkeypatch.setenv("SX_REMOTE_FALLBACK", "yes")

    def options(*argv: str) -> tuple[Any, Any]:
        args = build_parser("realize").parse_args(["realize", *argv, "hello"])
        try:
            s = settings(store, flag_values(args))
            return s, build_options(s)
        finally:
            set_flags({})

    s, o = options()
    assert (o.max_pids, s.origin("max-pids")) == (200, "env SX_MAX_PIDS")
    assert (o.max_memory, o.max_cpu_time, o.keep_failed) == (1 << 30, 30.0, True)
    assert (o.remote, o.remote_jobs, o.remote_fallback) == ("grpc://127.0.0.1:1", 3, True)
    assert o.print_logs is False
    s, o = options("--option", "max-pids", "300", "-L", "--max-memory", "0",
                   "--remote-jobs", "9", "--max-cpu-time", "1.5")
    assert (o.max_pids, s.origin("max-pids")) == (300, "flag")
    assert (o.max_memory, o.remote_jobs, o.max_cpu_time, o.print_logs) == (None, 9, 1.5, True)
    _, o = options("--option", "max-pids", "300", "--max-pids", "0")
    assert o.max_pids is None  # the named flag wins; 0 is no limit
    store.temp_roots.close()


def test_flags_use_the_setting_parsers(sx: Sx) -> None:
    for flag, value in (("--max-log-size", "1.5Q"), ("-j", "-2"), ("--timeout", "-1")):
        r = sx("realize", flag, value, "hello")
        assert r.returncode == 2 and f"'{value}'" in r.stderr and "Traceback" not in r.stderr


def test_unknown_keys_are_refused_in_the_api() -> None:
    with pytest.raises(InvalidInput, match="did you mean 'keep-going'"):
        set_flags({"keep_going": True})
