"""``store/plaintoml``: whatever it reads, it reads as ``tomllib`` does; the rest it leaves.

The fast path may answer None for anything; it must never answer a table
that ``tomllib`` would read differently or refuse.
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path

import pytest
from sx.store import plaintoml

PLAIN = [
    "",
    "\n\n",
    "# only a comment\n",
    'substituters = ["file:///srv/cache", "http://127.0.0.1:8080"]\n',
    "trusted-public-keys = ['alice:QUJD', \"bob:REVG\"]  # two signers\n",
    "required-signatures = 2\njobs = 0\nkeep-going = true\nkeep-failed = false\n",
    "stalled-download-timeout = 60.5\r\nmax-pids = -0\r\n",
    "empty = []\nspaced = [ ]\ntrailing = [\"a\",]\n",
    "\tname\t=\t'tab\tinside'\t# tab in a comment\t\n",
    'unicode = "caf\u00e9 \u2603"\n',
    "x = \"a'b\"\ny = 'c\"d'\nz = [\"e'f\", 'g\"h']\n",
]

HOSTILE = [
    "a = 1\na = 2\n",  # a repeated key is an error
    "[table]\na = 1\n",
    "a.b = 1\n",
    '"quoted" = 1\n',
    'a = "esc\\"aped"\n',
    'a = "tab\\t"\n',
    "a = 01\n",  # leading zero
    "a = 1_000\n",
    "a = 0x10\n",
    "a = 1e3\n",
    "a = 1.\n",
    "a = .5\n",
    "a = inf\n",
    "a = True\n",
    "a = 1979-05-27\n",
    "a = [1, 2]\n",
    'a = ["x",\n  "y"]\n',
    "a = [,]\n",
    'a = ["x" "y"]\n',
    "a = 'x\rstill'\n",
    "a = 1\r",  # a lone CR at the end
    "a = 1\rb = 2\n",
    "a = 1 # bell \x07\n",
    "a = '\x7f'\n",
    "a = 'x'\x0b\n",  # vertical tab: str.splitlines would split here, TOML does not
    "a = 'x'\x0c\n",
    "a = 'x'\u2028b = 1\n",
    "\ufeffa = 1\n",
    "a = \n",
    "= 1\n",
    "a b = 1\n",
    "a = 1 b\n",
    "a = 'x'y'\n",
    'a = """multi"""\n',
]


def _agrees(text: str) -> bool:
    """Whether the fast path read ``text`` (asserting it read it as tomllib does)."""
    got = plaintoml.loads(text)
    try:
        want = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert got is None, f"read {text!r} that tomllib refuses: {got!r}"
        return False
    if got is not None:
        assert got == want and [type(v) for v in got.values()] == [
            type(v) for v in want.values()], text
    return got is not None


@pytest.mark.parametrize("text", PLAIN)
def test_plain_files_are_read_as_tomllib_reads_them(text: str) -> None:
    assert plaintoml.loads(text) is not None, text
    _agrees(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_anything_else_is_left_to_tomllib(text: str) -> None:
    assert plaintoml.loads(text) is None, text
    _agrees(text)


_PIECES = ["a", "b-c", "d_1", " ", "\t", "=", "'", '"', "[", "]", ",", "#", "0", "1", "-",
           "+", ".", "5", "x", "true", "false", "\\", "\r", "\n", "\x00", "\x7f", "\u00e9",
           "_", "e", "{", "}"]


def test_random_lines_never_read_differently() -> None:
    rng = random.Random(13)
    read = 0
    seeds = [line for text in PLAIN + HOSTILE for line in text.split("\n")]
    for _ in range(20000):
        if rng.random() < 0.5:
            line = rng.choice(seeds)
            for _ in range(rng.randint(1, 3)):  # mutate a known line
                at = rng.randint(0, len(line))
                line = line[:at] + rng.choice(_PIECES) + line[at + rng.randint(0, 1):]
        else:
            line = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 12)))
        read += _agrees(line + rng.choice(["", "\n", "\r\n"]))
    assert read > 500  # the corpus exercises what the fast path accepts, not only refusals


def test_settings_read_through_either_path_are_the_same() -> None:
    from sx.store.config import parse_settings

    plain = 'substituters = ["file:///c"]\nrequired-signatures = 1\n'
    # The same file with a table-free construct only tomllib reads (an escape).
    escaped = 'substituters = ["file:///\\u0063"]\nrequired-signatures = 1\n'
    assert plaintoml.loads(escaped) is None
    a, b = parse_settings(plain, "a"), parse_settings(escaped, "b")
    assert a.substituters == b.substituters == ("file:///c",)
    assert a.required_signatures == b.required_signatures == 1


def test_reading_a_plain_file_does_not_import_tomllib(tmp_path: Path) -> None:
    import subprocess
    import sys

    conf = tmp_path / "sx.conf"
    conf.write_text('substituters = ["file:///c"]\ntrusted-public-keys = []\n')
    code = ("import sys; from sx.store.config import load_settings; "
            f"s = load_settings('/nonexistent', env={{'SX_CONFIG': {str(conf)!r}}}); "
            "print(s.substituters, 'tomllib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["('file:///c',)", "False"]
