"""Bad recipes end in one line naming the recipe and the cause, never a traceback or a hang.

Each case is a recipe a user could write; each must fail before anything is
built, with exit 1 (or 2 for a bad flag), the recipe's own file and line
under the message, and the whole Python trace only with --show-trace or
SX_DEBUG=1.
"""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest
from sx.derivations.graph import DependencyCycle, build_order, check_acyclic
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation
from sx.derivations.recipes import RecipeError, evaluate
from sx.store.errors import InvalidInput
from sx_runner import Sx

WRITE = "from sx.derivations.model import BUILTIN_WRITE, Output, derivation\n"


def _recipe(tmp_path: Path, body: str, name: str = "r.py") -> str:
    path = tmp_path / name
    path.write_text(WRITE + textwrap.dedent(body))
    return str(path)


def _write(name: str, **kw: object) -> Derivation:
    return derivation(name, BUILTIN_WRITE, env={"text": name}, system="builtin", **kw)  # type: ignore[arg-type]


def _one_line_error(r: object, first: str, code: int = 1) -> list[str]:
    """The stderr lines of a failed run; the first names the recipe and the cause."""
    assert r.returncode == code, (r.stdout, r.stderr)  # type: ignore[attr-defined]
    lines = r.stderr.splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith("sx: ") and first in lines[0], lines
    assert "Traceback" not in r.stderr  # type: ignore[attr-defined]
    return lines


def test_a_key_error_names_file_line_and_the_recipe_frames(sx: Sx, tmp_path: Path) -> None:
    path = _recipe(tmp_path, """
        tools = {"ld": "/bin/ld"}

        def compiler():
            return tools["cc"]

        def x():
            return derivation("x", compiler(), system="builtin")
    """, "deep.py")
    r = sx("realize", f"{path}:x")
    lines = _one_line_error(r, f"evaluate {path}:x: KeyError: 'cc'")
    # The recipe's frames, innermost last, with the source lines: x() called compiler().
    where = [line.strip() for line in lines[1:]]
    assert f"at {path}:9 in x" in where and f"at {path}:6 in compiler" in where
    assert where.index(f"at {path}:9 in x") < where.index(f"at {path}:6 in compiler")
    assert 'return tools["cc"]' in where
    assert not any("installable.py" in line or "recipes.py" in line for line in lines)
    assert "--show-trace" in lines[-1]
    full = sx("realize", "--show-trace", f"{path}:x")
    assert full.returncode == 1 and "Traceback (most recent call last)" in full.stderr
    assert "KeyError: 'cc'" in full.stderr.splitlines()[-1]
    dbg = sx("realize", f"{path}:x", env={"SX_DEBUG": "1"})
    assert dbg.returncode == 1 and "Traceback (most recent call last)" in dbg.stderr


def test_show_trace_is_global_before_or_after_the_command(sx: Sx, tmp_path: Path) -> None:
    path = _recipe(tmp_path, "def x():\n    raise ValueError('nope')\n")
    before = sx("--show-trace", "realize", f"{path}:x")
    after = sx("realize", f"{path}:x", "--show-trace")
    for r in (before, after):
        assert r.returncode == 1 and "Traceback" in r.stderr and "ValueError: nope" in r.stderr


@pytest.mark.parametrize(("body", "cause"), [
    ('def x():\n    return derivation("x", BUILTIN_WRITE, env={"text": 3}, system="builtin")\n',
     "define derivation x: environment value of 'text' must be a string, not int"),
    ('def x():\n    return derivation("x", BUILTIN_WRITE, env={"a\\0b": "1"}, system="builtin")\n',
     "environment name 'a\\x00b' contains a NUL byte"),
    ('def x():\n    return derivation("x", "/bin/sh", ["-c", "echo \\0"])\n',
     "define derivation x: argument 2 contains a NUL byte"),
    ('def x():\n    return derivation("x", "/bin/sh", "-c echo")\n',
     "define derivation x: args must be a list or tuple, not str"),
    ('def x():\n    return derivation("x", "/bin/sh", [1])\n',
     "define derivation x: argument 1 must be a string, not int"),
    ('def x():\n    return derivation("x", None)\n',
     "define derivation x: the builder must be a string, not NoneType"),
    ('def x():\n    return derivation("x", "/bin/sh", inputs=["/sx/store/x"])\n',
     "define derivation x: an input is a Derivation, not str"),
    ('def x():\n    return derivation("x", "/bin/sh", srcs=["./a"])\n',
     "define derivation x: a source is a Source or StorePath, not str"),
    ('def x():\n    return derivation("x", "/bin/sh", meta={"k": 1})\n',
     "define derivation x: meta value of 'k' must be a string, not int"),
    ('def x():\n    return derivation("x", "/bin/sh", outputs=["out", 7])\n',
     "define output 7: output names are identifiers"),
    ("import sys\ndef x():\n    sys.exit(3)\n", "the recipe called sys.exit(3)"),
    ("def x():\n    return x()\n", "RecursionError"),
    ("raise RuntimeError('at import')\n", "RuntimeError: at import"),
])
def test_bad_values_are_one_line_naming_the_recipe(sx: Sx, tmp_path: Path, body: str,
                                                   cause: str) -> None:
    path = _recipe(tmp_path, body)
    lines = _one_line_error(sx("realize", f"{path}:x"), f"evaluate {path}:x: ")
    assert cause in lines[0]
    assert any(f"at {path}:" in line for line in lines[1:]), lines
    assert len(lines) < 30  # a RecursionError shows a bounded number of frames


CYCLE = """
    a = derivation("a", BUILTIN_WRITE, env={"text": "a"}, system="builtin")
    b = derivation("b", BUILTIN_WRITE, env={"text": "b"}, inputs=[a], system="builtin")
    c = derivation("c", BUILTIN_WRITE, env={"text": "c"}, inputs=[b], system="builtin")
    # Frozen values cannot loop; forcing it is the only way, and must not hang sx.
    object.__setattr__(a, "input_drvs", ((c, ("out",)),))

    def cycle():
        return c

    d = derivation("d", BUILTIN_WRITE, env={"text": "d"}, system="builtin")
    object.__setattr__(d, "input_drvs", ((d, ("out",)),))

    def self_loop():
        return d
"""


def test_a_dependency_cycle_is_printed_before_any_build(sx: Sx, tmp_path: Path) -> None:
    path = _recipe(tmp_path, CYCLE)
    started = time.monotonic()
    r = sx("realize", f"{path}:cycle", timeout=60)
    _one_line_error(r, f"evaluate {path}:cycle: dependency cycle: c -> b -> a -> c")
    r = sx("realize", f"{path}:self_loop", timeout=60)
    _one_line_error(r, f"evaluate {path}:self_loop: dependency cycle: d -> d")
    assert time.monotonic() - started < 30
    store = os.path.join(sx.root, "store")
    assert not os.path.isdir(store) or os.listdir(store) == []


def test_the_builder_api_refuses_a_cycle_too(tmp_path: Path) -> None:
    a = _write("a")
    b = _write("b", inputs=[a])
    object.__setattr__(a, "input_drvs", ((b, ("out",)),))
    with pytest.raises(DependencyCycle, match="order builds: dependency cycle: b -> a -> b"):
        build_order([b])
    check_acyclic([_write("ok", inputs=[_write("dep")])])


def test_derivation_fields_are_copied_not_shared() -> None:
    deps: list[tuple[Derivation, tuple[str, ...]]] = []
    d = Derivation("x", "builtin", BUILTIN_WRITE, [], [("text", "x")], deps, [],  # type: ignore[arg-type]
                   [_write("o").outputs[0]])
    deps.append((d, ("out",)))  # mutating the list afterwards cannot make a loop
    assert d.input_drvs == () and isinstance(d.env, tuple)
    with pytest.raises(InvalidInput, match="input x has no output 'nope'"):
        Derivation("y", "builtin", BUILTIN_WRITE, (), (), ((d, ("nope",)),), (), d.outputs)
    with pytest.raises(InvalidInput, match=r"inputs must be \(Derivation, outputs\) pairs"):
        Derivation("y", "builtin", BUILTIN_WRITE, (), (), ((d,),), (), d.outputs)  # type: ignore[arg-type]


def test_evaluate_keeps_lookup_errors_plain(tmp_path: Path) -> None:
    path = _recipe(tmp_path, "x = 1\n")
    with pytest.raises(InvalidInput, match="no attribute 'y'") as e:
        evaluate(f"{path}:y")
    assert not isinstance(e.value, RecipeError)
    broken = _recipe(tmp_path, "def y():\n    1 / 0\n", "z.py")
    with pytest.raises(RecipeError) as e2:
        evaluate(f"{broken}:y")
    assert e2.value.frames[-1].function == "y" and "ZeroDivisionError" in str(e2.value)
    assert "Traceback" in e2.value.trace


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_bad_timeout_is_a_usage_error(sx: Sx, value: str) -> None:
    r = sx("realize", "--timeout", value, "hello")
    assert r.returncode == 2 and f"argument --timeout: '{value}'" in r.stderr
    assert "Traceback" not in r.stderr
