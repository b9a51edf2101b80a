"""Three independent ways to turn the hex0 seed source into the seed binary.

The seed (``hex0.hex0``) is the one binary of the bootstrap that no
earlier program builds, so its bytes are checked by converting its source
with three unrelated tools and comparing the results:

1. :func:`convert_python` -- :func:`reference.hex0_to_bytes`, pure Python;
2. :func:`convert_sed_xxd` -- ``sed`` strips comments and blanks, the rest
   is checked to be only hex digits, ``xxd -r -p`` turns it into bytes;
3. :func:`convert_awk` -- one ``awk`` program that strips, checks and
   prints every byte itself.

:func:`seed_report` runs all three and returns each result's SHA-256 and
BLAKE3 so that they can be compared and published.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from sx.derivations.bootstrap.stage0.reference import hex0_to_bytes

__all__ = ["convert_awk", "convert_python", "convert_sed_xxd", "seed_report"]

_C_LOCALE = {**os.environ, "LC_ALL": "C"}


def convert_python(source_path: str | os.PathLike[str]) -> bytes:
    """Convert with the pure-Python reference reading of hex0."""
    return hex0_to_bytes(Path(source_path).read_bytes())


def convert_sed_xxd(source_path: str | os.PathLike[str]) -> bytes:
    """Convert with ``sed`` (strip comments and blanks) and ``xxd -r -p``.

    ``xxd -r -p`` silently skips characters that are not hex digits, so
    the text sed leaves is checked first: only hex digits, an even number
    of them.  Raises ValueError otherwise, or RuntimeError if a tool fails.
    """
    # One sed program: drop each comment, then spaces, tabs and CRs; sed
    # works line by line, so line feeds remain and are removed below.
    sed = subprocess.run(
        ["sed", "-e", "s/[#;].*$//", "-e", "s/[ \t\r]//g", str(source_path)],
        capture_output=True,
        env=_C_LOCALE,
        check=False,
    )
    if sed.returncode != 0:
        raise RuntimeError(f"sed failed: {sed.stderr.decode(errors='replace')}")
    digits = sed.stdout.replace(b"\n", b"")
    bad = re.search(rb"[^0-9A-Fa-f]", digits)
    if bad:
        raise ValueError(f"sed/xxd: invalid character {bad.group()!r} in {source_path}")
    if len(digits) % 2:
        raise ValueError(f"sed/xxd: odd number of hex digits in {source_path}")
    xxd = subprocess.run(["xxd", "-r", "-p"], input=digits, capture_output=True, check=False)
    if xxd.returncode != 0:
        raise RuntimeError(f"xxd failed: {xxd.stderr.decode(errors='replace')}")
    return xxd.stdout


# The awk program: for every line, cut the comment, remove blanks, make
# sure only hex digits are left, and print each pair as one byte.  The C
# locale makes printf "%c" emit single bytes (no UTF-8 encoding).
_AWK_PROGRAM = r"""
BEGIN { digits = "0123456789abcdef"; pending = -1 }
{
    line = $0
    sub(/[#;].*$/, "", line)
    gsub(/[ \t\r]/, "", line)
    if (line ~ /[^0-9A-Fa-f]/) {
        print "invalid character on line " NR > "/dev/stderr"; bad = 1; exit 1
    }
    line = tolower(line)
    for (i = 1; i <= length(line); i++) {
        v = index(digits, substr(line, i, 1)) - 1
        if (pending < 0) { pending = v }
        else { printf "%c", pending * 16 + v; pending = -1 }
    }
}
END {
    if (bad) exit 1
    if (pending >= 0) { print "odd number of hex digits" > "/dev/stderr"; exit 1 }
}
"""


def convert_awk(source_path: str | os.PathLike[str]) -> bytes:
    """Convert with a single awk program.  Raises ValueError on bad input."""
    p = subprocess.run(
        ["awk", _AWK_PROGRAM, str(source_path)],
        capture_output=True,
        env=_C_LOCALE,
        check=False,
    )
    if p.returncode != 0:
        raise ValueError(f"awk: {p.stderr.decode(errors='replace').strip()} in {source_path}")
    return p.stdout


def _blake3_hex(data: bytes) -> str:
    """BLAKE3-256 of *data* in hex (the ``blake3`` package)."""
    import blake3

    return str(blake3.blake3(data).hexdigest())


def seed_report(source_path: str | os.PathLike[str]) -> list[tuple[str, str, str]]:
    """Convert *source_path* three ways; return (method, sha256, blake3) each.

    The three results must be identical; callers compare them (the tests
    do, and so can ``sx`` when it imports the seed).
    """
    methods = [
        ("python", convert_python),
        ("sed+xxd", convert_sed_xxd),
        ("awk", convert_awk),
    ]
    report: list[tuple[str, str, str]] = []
    for name, fn in methods:
        data = fn(source_path)
        report.append((name, hashlib.sha256(data).hexdigest(), _blake3_hex(data)))
    return report
