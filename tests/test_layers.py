"""The import direction ``cli -> derivations -> store``, checked by parsing every module.

Rules (see the design notes on code layout):

* ``store/`` imports neither ``sx.derivations`` nor ``sx.cli``;
* ``derivations/`` does not import ``sx.cli``;
* ``sx.derivations.build`` (the builder) is imported only by ``cli/`` and by
  the builder itself;
* imports are absolute: no relative imports, no bare ``store``/``derivations``/``cli``.

Dynamic imports (``importlib.import_module("...")`` with a constant) count too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAYERS = {"store": "sx.store", "derivations": "sx.derivations", "cli": "sx.cli"}
BUILDER = "sx.derivations.build"


def _imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) for every module a parsed file imports; relative ones as '.'."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield node.lineno, "." * node.level + (node.module or "")
                continue
            base = node.module or ""
            yield node.lineno, base
            for alias in node.names:
                # `from sx.derivations import build` imports the subpackage.
                yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield node.lineno, arg.value


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _rule(layer: str, rel: str, module: str) -> str | None:
    """Why importing ``module`` from file ``rel`` in ``layer`` is forbidden, or None."""
    if module.startswith("."):
        return "relative import (imports are absolute)"
    top = module.split(".")[0]
    if top in LAYERS:
        return f"bare '{top}' import (use '{LAYERS[top]}')"
    if layer != "cli" and _within(module, "sx.cli"):
        return "nothing outside cli/ imports sx.cli"
    if layer == "store" and _within(module, "sx.derivations"):
        return "store/ must not import sx.derivations"
    in_builder = rel.startswith("derivations/build/")
    if layer == "derivations" and not in_builder and _within(module, BUILDER):
        return "only cli/ and the builder itself import sx.derivations.build"
    return None


def layer_violations(repo: Path) -> list[str]:
    """Every forbidden import under the layer folders of ``repo``, as 'file:line: module: why'."""
    found: list[str] = []
    for layer in LAYERS:
        for path in sorted((repo / layer).rglob("*.py")):
            rel = path.relative_to(repo).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
            for line, module in _imported(tree):
                why = _rule(layer, rel, module)
                if why:
                    found.append(f"{rel}:{line}: {module}: {why}")
    return found


def test_the_code_keeps_the_import_direction() -> None:
    assert layer_violations(REPO) == []


def _plant(repo: Path, rel: str, source: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)


def test_checker_accepts_the_allowed_directions(tmp_path: Path) -> None:
    _plant(tmp_path, "store/a.py", "import os\nfrom sx.store.path import StorePath\n")
    _plant(tmp_path, "derivations/model.py", "from sx.store import nar\n")
    _plant(tmp_path, "derivations/build/x.py", "from sx.derivations.build.y import z\n")
    _plant(tmp_path, "cli/realize.py",
           "from sx.derivations.build import scheduler\nfrom sx.cli.common import open_store\n"
           "import importlib\nimportlib.import_module('sx.cli.gc_cmd')\n")
    assert layer_violations(tmp_path) == []


def test_checker_finds_each_planted_violation(tmp_path: Path) -> None:
    _plant(tmp_path, "store/a.py", "from sx.derivations.model import Derivation\n")
    _plant(tmp_path, "store/b.py", "def f():\n    import sx.cli.main\n")
    _plant(tmp_path, "store/c.py", "from sx.cli import common\n")
    _plant(tmp_path, "derivations/graph.py", "from sx.derivations import build\n")
    _plant(tmp_path, "derivations/hashing.py", "from sx.cli.errors import exit_code\n")
    _plant(tmp_path, "derivations/bootstrap/s.py",
           "import importlib\nimportlib.import_module('sx.derivations.build.scheduler')\n")
    _plant(tmp_path, "store/d.py", "from . import path\n")
    _plant(tmp_path, "cli/x.py", "import store.path\n")
    found = layer_violations(tmp_path)
    expected = [
        "cli/x.py:1: store.path: bare 'store' import",
        "derivations/bootstrap/s.py:2: sx.derivations.build.scheduler: only cli/",
        "derivations/graph.py:1: sx.derivations.build: only cli/",
        "derivations/hashing.py:1: sx.cli.errors: nothing outside cli/",
        "store/a.py:1: sx.derivations.model: store/ must not import sx.derivations",
        "store/b.py:2: sx.cli.main: nothing outside cli/",
        "store/c.py:1: sx.cli: nothing outside cli/",
        "store/d.py:1: .: relative import",
    ]
    for want in expected:
        assert any(f.startswith(want) for f in found), (want, found)
