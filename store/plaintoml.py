"""The usual configuration file read without ``tomllib``.

A configuration file is nearly always a few ``key = value`` lines: strings,
numbers, booleans, one-line arrays of strings. Importing ``tomllib`` and
running its parser costs every ``sx realize`` that reads one several
milliseconds, so :func:`loads` reads exactly that subset of TOML and
answers None for anything else (tables, escapes, dotted or quoted keys,
multi-line arrays, dates, a repeated key, any control character): the
caller then hands the text to ``tomllib``, which stays the one judge of
what a file means and of every error message. What :func:`loads` does
return equals ``tomllib.loads`` of the same text (tests/store/test_plaintoml.py).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any

# TOML's whitespace is space and tab; a string or comment holds no other
# control character (and no DEL). Basic strings here have no escapes.
_BASIC = r'"[^"\\\x00-\x08\x0a-\x1f\x7f]*"'
_LITERAL = r"'[^'\x00-\x08\x0a-\x1f\x7f]*'"
_STRING = f"(?:{_BASIC}|{_LITERAL})"
_INT = r"[+-]?(?:0|[1-9][0-9]*)"
_FLOAT = r"[+-]?(?:0|[1-9][0-9]*)\.[0-9]+"
_ARRAY = rf"\[[ \t]*(?:{_STRING}(?:[ \t]*,[ \t]*{_STRING})*[ \t]*,?)?[ \t]*\]"
_VALUE = rf"{_STRING}|{_FLOAT}|{_INT}|true|false|{_ARRAY}"
_COMMENT = r"#[^\x00-\x08\x0a-\x1f\x7f]*"
_LINE = re.compile(rf"[ \t]*(?:([A-Za-z0-9_-]+)[ \t]*=[ \t]*({_VALUE}))?[ \t]*(?:{_COMMENT})?")
_ITEM = re.compile(_STRING)


def _value(text: str) -> Any:
    if text[0] in "\"'":
        return text[1:-1]
    if text[0] == "[":
        return [s[1:-1] for s in _ITEM.findall(text)]
    if text in ("true", "false"):
        return text == "true"
    return float(text) if "." in text else int(text)


def loads(text: str) -> dict[str, Any] | None:
    """The table of ``text`` when it is only plain ``key = value`` lines, else None."""
    out: dict[str, Any] = {}
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.endswith("\r") and i < len(lines) - 1:
            line = line[:-1]  # CRLF; a lone CR is not a line end (and fails the match)
        m = _LINE.fullmatch(line)
        if m is None:
            return None
        key, value = m.groups()
        if key is None:
            continue
        if key in out:
            return None  # an error: tomllib words it
        out[key] = _value(value)
    return out
