r"""A checker for C0, the C subset that cc0 compiles and cc1 is written in.

gcc accepts more than C0, so cc1's sources are also checked here for the
constructs C0 leaves out: ``++``/``--``, compound assignment, ``?:``,
casts, ``typedef``, ``switch``, ``enum``, ``unsigned``/``long``/``short``/
floating types, storage classes and qualifiers, function pointers,
initializer lists, varargs, unary ``+`` and escapes other than
``\n \t \r \0 \\ \' \" \xHH``.  The check works on tokens (comments,
strings and ``#`` lines removed), which is all these rules need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FORBIDDEN_WORDS = {
    "typedef", "switch", "case", "default", "enum", "unsigned", "signed", "long",
    "short", "float", "double", "static", "const", "extern", "volatile", "register",
    "inline", "auto", "_Bool", "__asm__", "goto_",
}
FORBIDDEN_PUNCT = {
    "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "?", "...",
}
TYPE_WORDS = {"int", "char", "void", "struct", "union"}
TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<num>0[xX][0-9a-fA-F]+|[0-9]+)
  | (?P<str>"(?:\\.|[^"\\\n])*")
  | (?P<chr>'(?:\\.|[^'\\\n])*')
  | (?P<punct><<=|>>=|\.\.\.|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\|
              |[-+*/%&|^]=|[{}()\[\];,.<>+\-*/%&|^!~?:=])
""", re.VERBOSE)
ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[ntr0\\'\"]|.)")
C0_ESCAPE = re.compile(r"x[0-9a-fA-F]{2}|[ntr0\\'\"]")


@dataclass(frozen=True)
class Token:
    """One token of C0 source with its line number."""

    text: str
    kind: str
    line: int


def strip_source(text: str) -> str:
    """Drop comments and ``#`` lines, keeping line breaks so line numbers hold."""
    out = []
    i = 0
    n = len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * text.count("\n", i, end))
            i = end
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
            at_line_start = False
            continue
        out.append(c)
        if c == "\n":
            at_line_start = True
        elif not c.isspace():
            at_line_start = False
        i += 1
    return "".join(out)


def tokens(text: str) -> list[Token]:
    """The tokens of C source (after :func:`strip_source`)."""
    result = []
    line = 1
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"line {line}: cannot read {text[pos:pos + 10]!r}")
        kind = m.lastgroup or ""
        if kind != "ws":
            result.append(Token(m.group(), kind, line))
        line += m.group().count("\n")
        pos = m.end()
    return result


def _is_type_start(toks: list[Token], i: int) -> bool:
    return toks[i].kind == "ident" and toks[i].text in TYPE_WORDS


def _cast_at(toks: list[Token], i: int) -> bool:
    """Whether ``(`` at i opens a cast: ``( type *... )`` not after sizeof or a name."""
    if i + 1 >= len(toks) or not _is_type_start(toks, i + 1):
        return False
    prev = toks[i - 1] if i > 0 else None
    if prev is not None and (prev.kind == "ident"):
        return False
    j = i + 1
    if toks[j].text in ("struct", "union"):
        j += 2
    else:
        j += 1
    while j < len(toks) and toks[j].text == "*":
        j += 1
    return j < len(toks) and toks[j].text == ")"


def violations(source: str) -> list[str]:
    """Every construct outside C0 in ``source``, as ``line N: what``."""
    toks = tokens(strip_source(source))
    found = []
    for i, t in enumerate(toks):
        prev = toks[i - 1] if i > 0 else None
        if (t.kind == "ident" and t.text in FORBIDDEN_WORDS) or (
                t.kind == "punct" and t.text in FORBIDDEN_PUNCT):
            found.append(f"line {t.line}: {t.text}")
        elif t.kind in ("str", "chr") and any(
                not C0_ESCAPE.fullmatch(m.group(1)) for m in ESCAPE.finditer(t.text)):
            found.append(f"line {t.line}: escape")
        elif t.text == "(" and _cast_at(toks, i):
            found.append(f"line {t.line}: cast")
        elif t.text == "(" and i + 1 < len(toks) and toks[i + 1].text == "*" and prev is not None \
                and prev.kind == "ident" and prev.text in TYPE_WORDS | {"*"}:
            found.append(f"line {t.line}: function pointer")
        elif t.text == "{" and prev is not None and prev.text == "=":
            found.append(f"line {t.line}: initializer list")
        elif t.text == "+" and prev is not None and (prev.text == "return" or (
                prev.kind == "punct" and prev.text not in (")", "]"))):
            found.append(f"line {t.line}: unary +")
    return found
