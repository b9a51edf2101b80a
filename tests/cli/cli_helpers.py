"""Shared by the CLI tests: the JSON schemas of docs/json.md and a small store to drive."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
_SCHEMA_RE = re.compile(r"<!-- schema: ([a-z-]+) -->\n```json\n(.*?)\n```", re.DOTALL)


def schemas() -> dict[str, dict[str, Any]]:
    """Every schema of docs/json.md by name, each with the shared definitions merged in."""
    found = {name: json.loads(body) for name, body in
             _SCHEMA_RE.findall((DOCS / "json.md").read_text())}
    defs = found.pop("defs")["$defs"]
    for schema in found.values():
        schema["$defs"] = defs
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return found


def check(name: str, text: str) -> Any:
    """Parse ``text`` as one JSON document and validate it against schema ``name``."""
    doc = json.loads(text)
    schema = schemas()[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(doc)
    return doc


RECIPE = '''
from sx.derivations.examples import hello, hello_script
from sx.derivations.model import BUILTIN_WRITE, derivation

script = hello_script

def pair():
    return [hello(), hello_script()]

def noted():
    return derivation("noted", BUILTIN_WRITE, env={"text": "n\\n"}, system="builtin")
'''


@dataclass
class Ran:
    """What one in-process ``sx`` call did."""

    returncode: int
    stdout: str
    stderr: str
    raw: bytes


def run_main(argv: list[str], cwd: str, root: str) -> Ran:
    """Run ``sx ARGV`` through :func:`sx.cli.main.main` in this process.

    The same argument parsing and command code as the console script, without
    starting an interpreter per call (the table of tests/cli/test_cli_json.py
    makes hundreds of calls). Output is captured, ``cwd`` and ``$SX_ROOT``
    are set for the call and restored after.
    """
    from sx.cli.main import main

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    err = io.StringIO()
    old_cwd, old_root = os.getcwd(), os.environ.get("SX_ROOT")
    os.chdir(cwd)
    os.environ["SX_ROOT"] = root
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as e:  # argparse: usage errors, --help
                code = int(e.code or 0)
    finally:
        os.chdir(old_cwd)
        if old_root is None:
            os.environ.pop("SX_ROOT", None)
        else:
            os.environ["SX_ROOT"] = old_root
    out.flush()
    data = raw.getvalue()
    return Ran(code, data.decode("utf-8", errors="replace"), err.getvalue(), data)
