"""Substitution from a signed binary cache instead of building."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sx.derivations.model import Source

pytestmark = pytest.mark.sandbox

RECIPE = '''
from sx.derivations.model import Source, derivation
bb = Source({bb!r}, "busybox")
dep = derivation("dep", f"{{bb}}/bin/sh", ["-c", "echo dep > $out"], srcs=[bb])
top = derivation("top", f"{{bb}}/bin/sh",
                 ["-c", f"cat {{dep.out}} > $out; echo {{dep.out}} >> $out"],
                 inputs=[dep], srcs=[bb])
'''


def sx(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SX_ROOT=str(root))
    return subprocess.run([sys.executable, "-m", "sx.cli.main", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


def test_realize_substitutes_from_a_trusted_cache(tmp_path: Path, busybox: Source) -> None:
    recipe = tmp_path / "r.py"
    recipe.write_text(RECIPE.format(bb=busybox.local))
    a, b, cache = tmp_path / "a", tmp_path / "b", tmp_path / "cache"
    out = sx(a, "realize", f"{recipe}:top")
    assert out.returncode == 0, out.stderr
    path = out.stdout.strip()
    key = sx(a, "key", "generate", "--name", "builder", "-o", str(tmp_path / "key"))
    public = key.stdout.strip()
    assert sx(a, "sign", "--key", str(tmp_path / "key"), "-r", path).returncode == 0
    copy = sx(a, "copy", "--to", f"file://{cache}", path)
    assert copy.returncode == 0, copy.stderr
    (b / "etc").mkdir(parents=True)
    conf = f'substituters = ["file://{cache}"]\ntrusted-public-keys = ["{public}"]\n'
    (b / "etc" / "sx.conf").write_text(conf)
    got = sx(b, "realize", "--no-build", f"{recipe}:top")
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == path
    assert "building" not in got.stderr
    # An untrusted cache is not used: with --no-build that is a clear error.
    (b / "etc" / "sx.conf").write_text(conf.replace(public, "other:" + "A" * 43 + "="))
    c = tmp_path / "c"
    (c / "etc").mkdir(parents=True)
    (c / "etc" / "sx.conf").write_text((b / "etc" / "sx.conf").read_text())
    refused = sx(c, "realize", "--no-build", f"{recipe}:top")
    assert refused.returncode == 4 and "not substitutable" in refused.stderr


def test_bad_cache_configuration_is_bad_input(tmp_path: Path, busybox: Source) -> None:
    recipe = tmp_path / "r.py"
    recipe.write_text(RECIPE.format(bb=busybox.local))
    root = tmp_path / "x"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "sx.conf").write_text('substituters = ["file:///x"]\n'
                                          'trusted-public-keys = [""]\n')
    r = sx(root, "realize", f"{recipe}:dep")
    assert r.returncode == 1 and "load config" in r.stderr
