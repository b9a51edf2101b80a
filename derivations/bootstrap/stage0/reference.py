"""Reference implementations of the stage0 formats, used as test oracles.

These are small, independent Python readings of the formats that the
hand-written i386 programs in this directory implement:

* :func:`hex0_to_bytes`  -- hex0 (the seed's language)
* :func:`hex1_to_bytes`  -- hex1 (one-character labels, ``%x`` / ``@x``)
* :func:`hex2_to_bytes`  -- hex2 (long labels, ``! @ $ % &`` references)
* :func:`m0_to_hex2`     -- M0 (``DEFINE`` macros, strings, immediates)

They follow the same rules as the binaries, including which inputs are
errors, so that a test can run a binary and this module on the same input
and compare the bytes (or check that both refuse the input).  Every error
is a :class:`ValueError` whose message says what and where.

Nothing here is used to build the chain: the binaries build each other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BASE_ADDRESS",
    "hex0_to_bytes",
    "hex1_to_bytes",
    "hex2_to_bytes",
    "m0_to_hex2",
]

#: Address of file offset 0 in hex2 (and where the ELF headers load it).
BASE_ADDRESS = 0x08048000

_BLANKS = b" \t\r\n"
_COMMENT = b"#;"
_HEXDIGITS = b"0123456789abcdefABCDEF"


def _as_bytes(text: str | bytes) -> bytes:
    """Return *text* as bytes (``str`` is encoded as UTF-8)."""
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)


def _where(data: bytes, pos: int) -> str:
    """Describe position *pos* of *data* as ``line L, column C``."""
    line = data.count(b"\n", 0, pos) + 1
    col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


class _Reader:
    """A cursor over the input bytes, with end-of-file as ``None``."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def get(self) -> int | None:
        """Return the next byte and advance, or ``None`` at end of input."""
        if self.pos >= len(self.data):
            return None
        c = self.data[self.pos]
        self.pos += 1
        return c

    def skip_comment(self) -> None:
        """Skip up to and including the next line feed (or to the end)."""
        nl = self.data.find(b"\n", self.pos)
        self.pos = len(self.data) if nl < 0 else nl + 1


class _Nibbles:
    """Pairs hex digits into bytes, the way every stage does."""

    def __init__(self) -> None:
        self.pending: int | None = None

    def digit(self, c: int, data: bytes, pos: int) -> int | None:
        """Feed the character *c*; return a completed byte or ``None``.

        Raises ValueError if *c* is not a hex digit.
        """
        if c not in _HEXDIGITS:
            raise ValueError(f"invalid character {chr(c)!r} (0x{c:02X}) at {_where(data, pos)}")
        v = int(chr(c), 16)
        if self.pending is None:
            self.pending = v
            return None
        b = (self.pending << 4) | v
        self.pending = None
        return b

    def require_even(self, what: str, data: bytes, pos: int) -> None:
        """Raise ValueError if a first hex digit is waiting for its pair."""
        if self.pending is not None:
            raise ValueError(
                f"{what} splits a byte (odd number of hex digits) at {_where(data, pos)}"
            )


def hex0_to_bytes(text: str | bytes) -> bytes:
    """Assemble hex0 source.

    Pairs of hex digits become bytes; ``#`` and ``;`` start comments that
    run to the end of the line; space, tab, CR and LF are ignored.  Any
    other character outside a comment, or an odd number of hex digits,
    raises ValueError with a message naming the character and position.
    """
    data = _as_bytes(text)
    r = _Reader(data)
    nib = _Nibbles()
    out = bytearray()
    while (c := r.get()) is not None:
        if c in _COMMENT:
            r.skip_comment()
        elif c in _BLANKS:
            continue
        else:
            b = nib.digit(c, data, r.pos - 1)
            if b is not None:
                out.append(b)
    nib.require_even("end of input", data, len(data))
    return bytes(out)


def hex1_to_bytes(text: str | bytes) -> bytes:
    """Assemble hex1 source: hex0 plus one-character labels.

    ``:x`` defines label *x* (any single byte) at the current offset;
    ``%x`` writes ``x - (offset after the field)`` as 4 little-endian
    bytes, ``@x`` the same in 2 bytes (cut, not checked).  A label or
    reference between the two digits of a byte, or a reference to a label
    never defined, raises ValueError.  The last definition of a label
    counts.  A prefix character at the very end of the input is ignored,
    as the i386 hex1 does.
    """
    data = _as_bytes(text)
    labels: dict[int, int] = {}
    out = bytearray()
    for pass_no in (1, 2):
        r = _Reader(data)
        nib = _Nibbles()
        ip = 0
        while (c := r.get()) is not None:
            if c in _COMMENT:
                r.skip_comment()
            elif c in _BLANKS:
                continue
            elif c == ord(":"):
                nib.require_even("label definition", data, r.pos - 1)
                name = r.get()
                if name is None:
                    break
                if pass_no == 1:
                    labels[name] = ip
            elif c in (ord("%"), ord("@")):
                size = 4 if c == ord("%") else 2
                nib.require_even("reference", data, r.pos - 1)
                name = r.get()
                if name is None:
                    break
                if pass_no == 2:
                    if name not in labels:
                        raise ValueError(
                            f"undefined label {chr(name)!r} at {_where(data, r.pos - 1)}"
                        )
                    v = labels[name] - (ip + size)
                    out += (v & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
                ip += size
            else:
                b = nib.digit(c, data, r.pos - 1)
                if b is not None:
                    if pass_no == 2:
                        out.append(b)
                    ip += 1
        nib.require_even("end of input", data, len(data))
    return bytes(out)


@dataclass(frozen=True)
class _RefKind:
    """One hex2 reference prefix: field size and relative/absolute."""

    size: int
    relative: bool


_HEX2_REFS: dict[int, _RefKind] = {
    ord("!"): _RefKind(1, True),
    ord("@"): _RefKind(2, True),
    ord("$"): _RefKind(2, False),
    ord("%"): _RefKind(4, True),
    ord("&"): _RefKind(4, False),
}

#: Longest label name the i386 hex2 accepts (its name buffer is 4 KiB).
HEX2_MAX_NAME = 4094


def _read_name(r: _Reader, data: bytes) -> tuple[bytes, int | None]:
    """Read a hex2 name; return it and the byte that ended it (None = EOF)."""
    start = r.pos
    while True:
        c = r.get()
        if c is None or c in _BLANKS or c == ord(">"):
            name = data[start : r.pos - (0 if c is None else 1)]
            if not name:
                raise ValueError(f"empty label name at {_where(data, start)}")
            if len(name) > HEX2_MAX_NAME:
                raise ValueError(f"label name longer than {HEX2_MAX_NAME} at {_where(data, start)}")
            return name, c


def _find(labels: dict[bytes, int], name: bytes, pass_no: int, data: bytes, pos: int) -> int:
    """Address of label *name*; 0 in pass 1, ValueError if undefined in pass 2."""
    if pass_no == 1:
        return 0
    if name not in labels:
        raise ValueError(f"undefined label {name.decode('latin-1')!r} at {_where(data, pos)}")
    return labels[name]


def hex2_to_bytes(text: str | bytes, base: int = BASE_ADDRESS) -> bytes:
    """Assemble hex2 source: hex0 plus long labels.

    ``:name`` defines a label at address ``base + offset``.  References:
    ``!`` 1-byte relative, ``@`` 2-byte relative, ``$`` 2-byte absolute,
    ``%`` 4-byte relative, ``&`` 4-byte absolute; relative means
    ``target - (address after the field)``.  ``Xa>b`` writes
    ``address(a) - address(b)`` in the size of X.  Names end at a blank,
    end of input or (in references) ``>``.  Errors (ValueError): bad
    character, odd digits, empty name, ``>`` in a definition, undefined
    label, relative 1/2-byte value out of its signed range.
    """
    data = _as_bytes(text)
    labels: dict[bytes, int] = {}
    out = bytearray()
    for pass_no in (1, 2):
        r = _Reader(data)
        nib = _Nibbles()
        ip = base

        while (c := r.get()) is not None:
            if c in _COMMENT:
                r.skip_comment()
            elif c in _BLANKS:
                continue
            elif c == ord(":"):
                nib.require_even("label definition", data, r.pos - 1)
                name, end = _read_name(r, data)
                if end == ord(">"):
                    raise ValueError(f"'>' in a label definition at {_where(data, r.pos - 1)}")
                if pass_no == 1:
                    labels[name] = ip
            elif c in _HEX2_REFS:
                kind = _HEX2_REFS[c]
                at = r.pos - 1
                nib.require_even("reference", data, at)
                name, end = _read_name(r, data)
                target = _find(labels, name, pass_no, data, at)
                if end == ord(">"):
                    other, end2 = _read_name(r, data)
                    if end2 == ord(">"):
                        raise ValueError(f"second '>' in a reference at {_where(data, r.pos - 1)}")
                    v = target - _find(labels, other, pass_no, data, at)
                elif kind.relative:
                    v = target - (ip + kind.size)
                else:
                    v = target
                if pass_no == 2:
                    if kind.relative and kind.size < 4:
                        lim = 1 << (8 * kind.size - 1)
                        sv = (v + 0x80000000) % (1 << 32) - 0x80000000
                        if not -lim <= sv < lim:
                            raise ValueError(
                                f"value {sv} does not fit {kind.size} signed byte(s)"
                                f" at {_where(data, at)}"
                            )
                    out += (v % (1 << (8 * kind.size))).to_bytes(kind.size, "little")
                ip += kind.size
            else:
                b = nib.digit(c, data, r.pos - 1)
                if b is not None:
                    if pass_no == 2:
                        out.append(b)
                    ip += 1
        nib.require_even("end of input", data, len(data))
    return bytes(out)


_M0_ENDS = b" \t\r\n#;"


def _m0_tokens(data: bytes) -> list[tuple[bytes, int]]:
    """Split M0 text into (token, offset) pairs, the way the i386 M0 does.

    Blanks separate tokens; ``#`` and ``;`` start comments to the end of
    the line; a token that starts with ``"`` or ``'`` runs to the matching
    quote (inclusive) and may contain blanks; other tokens end at a blank,
    ``#``, ``;`` or the end.  A NUL byte ends the text.
    """
    nul = data.find(b"\0")
    if nul >= 0:
        data = data[:nul]
    toks: list[tuple[bytes, int]] = []
    i = 0
    n = len(data)
    while i < n:
        c = data[i]
        if c in _BLANKS:
            i += 1
        elif c in _COMMENT:
            nl = data.find(b"\n", i)
            i = n if nl < 0 else nl + 1
        elif c in b"\"'":
            j = data.find(bytes([c]), i + 1)
            if j < 0:
                raise ValueError(f"unterminated {chr(c)} string at {_where(data, i)}")
            toks.append((data[i : j + 1], i))
            i = j + 1
        else:
            j = i
            while j < n and data[j] not in _M0_ENDS:
                j += 1
            toks.append((data[i:j], i))
            i = j
    return toks


def _m0_number(tok: bytes, data: bytes, pos: int) -> int:
    """Parse an M0 immediate (without its prefix).

    ``[-]decimal``, ``[-]0xHEX`` or ``0x-HEX`` (one sign, before or after the
    prefix; MesCC writes ``!0x-8``).  A decimal number other than ``0`` may
    not start with ``0``: M1 (like C) reads ``010`` as octal, so it is
    refused rather than read another way.
    """
    s = tok
    neg = s.startswith(b"-")
    if neg:
        s = s[1:]
    base = 10
    if s[0:1] == b"0" and len(s) > 1:
        if s[1:2] not in (b"x", b"X"):
            raise ValueError(f"number with a leading 0 (octal to M1) at {_where(data, pos)}")
        base = 16
        s = s[2:]
        if s.startswith(b"-"):
            if neg:
                raise ValueError(f"number with two signs at {_where(data, pos)}")
            neg = True
            s = s[1:]
    if not s:
        raise ValueError(f"number without digits at {_where(data, pos)}")
    v = 0
    for ch in s:
        d = int(chr(ch), 16) if ch in _HEXDIGITS else 99
        if d >= base:
            raise ValueError(f"bad digit {chr(ch)!r} in number at {_where(data, pos)}")
        v = (v * base + d) % (1 << 32)
    return (-v) % (1 << 32) if neg else v


_M0_SIZES = {ord("!"): 1, ord("@"): 2, ord("$"): 2, ord("%"): 4}


def m0_to_hex2(text: str | bytes) -> bytes:
    """Translate M0 source into hex2 text, exactly as the i386 M0 writes it.

    Pass 1 records every ``DEFINE name value``; pass 2 writes, for each
    other token, one line:

    * ``"text"``  -> the bytes of text as upper-case hex, then ``00``
    * ``'hex'``   -> the text between the quotes
    * ``:label``, ``&label`` -> unchanged
    * ``!N @N $N %N`` (N starts with a digit or ``-``) -> N as 1/2/2/4
      little-endian bytes in upper-case hex; ``!label`` etc. unchanged
    * ``<`` alone -> nothing, not even a line (MesCC's alignment mark)
    * a macro name -> its value (the last definition wins)

    Anything else (an unknown token, a bad number, a ``DEFINE`` without
    name and value, an unterminated string) raises ValueError.
    """
    data = _as_bytes(text)
    nul = data.find(b"\0")
    if nul >= 0:
        data = data[:nul]
    toks = _m0_tokens(data)
    macros: dict[bytes, bytes] = {}
    i = 0
    while i < len(toks):
        if toks[i][0] == b"DEFINE":
            if i + 2 >= len(toks):
                raise ValueError(f"DEFINE without a name and a value at {_where(data, toks[i][1])}")
            macros[toks[i + 1][0]] = toks[i + 2][0]
            i += 3
        else:
            i += 1
    out = bytearray()
    i = 0
    while i < len(toks):
        tok, pos = toks[i]
        i += 1
        first = tok[0]
        if tok == b"DEFINE":
            i += 2
            continue
        if first == ord('"'):
            out += tok[1:-1].hex().upper().encode() + b"00"
        elif first == ord("'"):
            out += tok[1:-1]
        elif first in b":&":
            out += tok
        elif first == ord("<"):
            # MesCC's alignment mark: only ARM and RISC-V act on it, so on x86
            # it is dropped (no line). M1's '<N' (N zero bytes) is refused.
            if tok != b"<":
                raise ValueError(f"'<' with a size (padding) at {_where(data, pos)}")
            continue
        elif first in _M0_SIZES:
            nxt = tok[1:2] if len(tok) > 1 else b""
            if nxt == b"-" or nxt.isdigit():
                size = _M0_SIZES[first]
                v = _m0_number(tok[1:], data, pos)
                out += (v % (1 << (8 * size))).to_bytes(size, "little").hex().upper().encode()
            else:
                out += tok
        elif tok in macros:
            out += macros[tok]
        else:
            raise ValueError(f"undefined macro {tok.decode('latin-1')!r} at {_where(data, pos)}")
        out += b"\n"
    return bytes(out)
