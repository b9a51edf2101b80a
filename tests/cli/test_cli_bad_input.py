"""Bad command-line input is one line naming the object and the cause, with a documented code."""

from __future__ import annotations

from pathlib import Path

import pytest
from sx_runner import Sx


def _one_line(r: object, code: int, *parts: str) -> str:
    assert r.returncode == code, (r.stdout, r.stderr)  # type: ignore[attr-defined]
    lines = r.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("sx: "), lines
    assert all(p in lines[0] for p in parts), lines[0]
    return str(lines[0])


def test_challenge_of_a_missing_cache_is_an_error(sx: Sx, tmp_path: Path) -> None:
    r = sx("challenge", "file:///nonexistent")
    _one_line(r, 1, "challenge file:///nonexistent: no cache there")
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line(sx("challenge", f"file://{empty}"), 1, "no cache there")
    _one_line(sx("verify", "--from", "file:///nonexistent", "/sx/store/" + "0" * 32 + "-x"), 1,
              "verify file:///nonexistent: no cache there")


def test_challenge_of_a_fresh_cache_is_fine(sx: Sx, tmp_path: Path) -> None:
    url = f"file://{tmp_path / 'c'}"
    assert sx("copy", "--to", url, "hello").returncode == 0
    r = sx("challenge", url)
    assert r.returncode == 0 and "0 differ" in r.stderr


@pytest.mark.parametrize(("args", "parts"), [
    (["path-info", "no-such-recipe"], ["parse installable 'no-such-recipe'", "sx list"]),
    (["path-info", "helo"], ["did you mean hello"]),
    (["store", "ls", "/sx/store/" + "0" * 32 + "-ghost"], ["not a valid path"]),
    (["why-depends", "hello", "/tmp/nowhere"], ["not under /sx/store", "no such file"]),
    (["realize", "hello^"], ["empty output selection"]),
    (["realize", "hello^nope"], ["hello has no output 'nope'"]),
    (["path-info", "/sx/store/" + "0" * 32 + "-x^out"], ["is not a derivation"]),
    (["copy", "--from", "file:///tmp", "--no-check-sigs", "hello"],
     ["copy hello: names a derivation", "sx realize --no-build"]),
    (["realize", "a\0b"], ["contains a NUL byte"]),
])
def test_installable_errors(sx: Sx, args: list[str], parts: list[str]) -> None:
    if "\0" in args[-1]:
        # argv cannot carry NUL: go through the API that tools embedding sx would use
        from sx.derivations.installable import parse_installable
        from sx.store.errors import InvalidInput
        from sx.store.local import LocalStore

        store = LocalStore(sx.root)
        with pytest.raises(InvalidInput, match=parts[0]):
            parse_installable(store, args[-1])
        store.temp_roots.close()
        return
    _one_line(sx(*args), 1, *parts)


@pytest.mark.parametrize("args", [
    ["realize", "--max-log-size", "1.5X", "hello"],
    ["gc", "--max-freed", "lots"],
    ["realize", "--timeout", "-1", "hello"],
    ["realize", "-j", "x", "hello"],
])
def test_bad_flag_values_are_usage_errors(sx: Sx, args: list[str]) -> None:
    r = sx(*args)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.splitlines()[-1].startswith(f"sx {args[0]}: error: argument ")


def test_both_size_flags_take_the_same_forms(sx: Sx) -> None:
    assert sx("gc", "--dry-run", "--max-freed", "1.5G").returncode == 0
    assert sx("realize", "--max-log-size", "1.5G", "hello").returncode == 0
    for flag in (["gc", "--max-freed", "1.5"], ["realize", "--max-log-size", "1.5", "hello"]):
        r = sx(*flag)
        assert r.returncode == 2 and "expected bytes, or a number with K, M, G or T" in r.stderr


def test_token_file_is_the_one_spelling(sx: Sx, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-token")
    _one_line(sx("copy", "--to", "http://127.0.0.1:9", "--token-file", missing, "hello"), 1,
              f"read token {missing}")
    for argv in (["serve", "--help"], ["copy", "--help"]):
        r = sx(*argv)
        assert "--token-file FILE" in r.stdout and "--upload-token-file" not in r.stdout
