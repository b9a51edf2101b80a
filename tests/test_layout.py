"""The installed package layout matches the source tree (pyproject's [tool.setuptools]).

setuptools only installs the packages it is told about: a folder with an
``__init__.py`` missing from ``packages`` would work in the editable checkout
and vanish from a real install.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _setuptools() -> dict[str, Any]:
    with open(REPO / "pyproject.toml", "rb") as f:
        config: dict[str, Any] = tomllib.load(f)["tool"]["setuptools"]
    return config


def source_packages(repo: Path, package_dir: dict[str, str]) -> set[str]:
    """Dotted names of every folder with an ``__init__.py`` under the mapped folders."""
    found = set()
    for dotted, folder in package_dir.items():
        base = repo / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base).parts
            found.add(".".join((dotted, *rel)))
    return found


def test_package_dir_maps_the_three_layers() -> None:
    assert _setuptools()["package-dir"] == {
        "sx.store": "store", "sx.derivations": "derivations", "sx.cli": "cli"}


def test_every_package_folder_is_listed() -> None:
    config = _setuptools()
    listed = set(config["packages"])
    found = source_packages(REPO, config["package-dir"])
    assert sorted(found - listed) == [], "folders with __init__.py missing from packages"
    assert sorted(listed - found) == [], "packages listed without an __init__.py"


def test_listing_check_sees_a_new_folder(tmp_path: Path) -> None:
    (tmp_path / "store" / "newpkg").mkdir(parents=True)
    (tmp_path / "store" / "__init__.py").write_text("")
    (tmp_path / "store" / "newpkg" / "__init__.py").write_text("")
    (tmp_path / "store" / "plain").mkdir()
    assert source_packages(tmp_path, {"sx.store": "store"}) == {"sx.store", "sx.store.newpkg"}
