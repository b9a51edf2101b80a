"""``sx realize``, ``sx log``, ``sx show-derivation`` and installables, through the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procscan import with_marker
from sx.cli.installables import resolve_paths
from sx.derivations.installable import parse_installable
from sx.derivations.model import Source
from sx.store.errors import InvalidInput, NotFound
from sx.store.local import LocalStore

pytestmark = pytest.mark.sandbox

RECIPE = '''
from sx.derivations.model import Source, derivation
bb = Source({bb!r}, "busybox")
sh = f"{{bb}}/bin/sh"

def d(name, script, **kw):
    return derivation(name, sh, ["-c", script], srcs=[bb], **kw)

greeting = d("greeting", "echo hello; echo hello > $out")
multi = d("multi", "mkdir $out $lib; echo l > $lib/l; echo $lib > $out/ref",
          outputs=["out", "lib"])
fails = d("fails", "echo about to fail; exit 3")
slow = d("slow-{marker}", "sleep 120; echo x > $out")
def both():
    return [greeting, d("second", "echo 2 > $out")]
not_a_drv = 42
'''


@pytest.fixture
def env(tmp_path: Path, busybox: Source) -> dict[str, str]:
    """Environment for sx subprocesses: a fresh store root."""
    return dict(os.environ, SX_ROOT=str(tmp_path / "root"))


@pytest.fixture
def recipe(tmp_path: Path, busybox: Source) -> str:
    """A recipe file using busybox."""
    p = tmp_path / "recipe.py"
    p.write_text(RECIPE.format(bb=busybox.local, marker=os.urandom(4).hex()))
    return str(p)


def sx(env: dict[str, str], *args: str, cwd: str | None = None
       ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sx.cli.main", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


def test_realize_prints_output_paths(env: dict[str, str], recipe: str) -> None:
    r = sx(env, "realize", f"{recipe}:greeting")
    assert r.returncode == 0, r.stderr
    (line,) = r.stdout.splitlines()
    assert line.startswith("/sx/store/") and line.endswith("-greeting")
    assert "building" in r.stderr
    again = sx(env, "realize", f"{recipe}:greeting")
    assert again.stdout == r.stdout and "building" not in again.stderr
    r2 = sx(env, "realize", f"{recipe}:both")
    assert r2.stdout.splitlines()[0] == line and len(r2.stdout.splitlines()) == 2


def test_failed_build_exit_code_and_log(env: dict[str, str], recipe: str) -> None:
    r = sx(env, "realize", f"{recipe}:fails")
    assert r.returncode == 4
    assert "builder failed with exit code 3" in r.stderr.splitlines()[-1]
    assert "> about to fail" in r.stderr and "sx log /sx/store/" in r.stderr
    log = sx(env, "log", f"{recipe}:fails")
    assert log.returncode == 0 and log.stdout == "about to fail\n"


def test_log_of_an_output_and_of_nothing(env: dict[str, str], recipe: str) -> None:
    out = sx(env, "realize", f"{recipe}:greeting").stdout.strip()
    assert sx(env, "log", out).stdout == "hello\n"
    r = sx(env, "log", "hello")
    assert r.returncode == 1 and "no build log" in r.stderr


def test_out_link_is_a_gc_root(env: dict[str, str], recipe: str, tmp_path: Path) -> None:
    r = sx(env, "realize", f"{recipe}:multi", "--out-link", "result", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    out, lib = r.stdout.split()
    root = env["SX_ROOT"]
    link = tmp_path / "result"
    assert os.readlink(link) == os.path.join(root, "store", out.rsplit("/", 1)[1])
    assert os.readlink(tmp_path / "result-lib").endswith(lib.rsplit("/", 1)[1])
    roots = [os.readlink(os.path.join(root, "var/gcroots", n))
             for n in os.listdir(os.path.join(root, "var/gcroots"))]
    assert str(link) in roots and str(tmp_path / "result-lib") in roots
    assert (link / "ref").read_text() == lib + "\n"
    # An out-link stands for its path as an installable.
    assert sx(env, "realize", str(link)).stdout.strip() == out


def test_output_selection(env: dict[str, str], recipe: str) -> None:
    r = sx(env, "realize", f"{recipe}:multi^lib")
    assert r.returncode == 0 and r.stdout.strip().endswith("-multi-lib")
    bad = sx(env, "realize", f"{recipe}:multi^nope")
    assert bad.returncode == 1 and "no output 'nope'" in bad.stderr


def test_show_derivation_and_realize_by_drv_path(env: dict[str, str], recipe: str) -> None:
    r = sx(env, "show-derivation", f"{recipe}:greeting")
    assert r.returncode == 0, r.stderr
    (drv_path, desc), = json.loads(r.stdout).items()
    assert drv_path.endswith("-greeting.drv") and desc["name"] == "greeting"
    assert desc["outputs"]["out"]["realized"] is False and desc["resolvable"] is True
    out = sx(env, "realize", f"{recipe}:greeting").stdout.strip()
    desc = json.loads(sx(env, "show-derivation", drv_path).stdout)[drv_path]
    assert desc["outputs"]["out"]["path"] == out and desc["resolvedHash"].startswith("b3:")
    assert sx(env, "realize", drv_path).stdout.strip() == out
    assert sx(env, "realize", out).stdout.strip() == out


def test_dry_run_builds_nothing(env: dict[str, str], recipe: str) -> None:
    r = sx(env, "realize", "--dry-run", f"{recipe}:greeting")
    assert r.returncode == 0 and r.stdout == ""
    assert "1 derivations will be built" in r.stderr and "-greeting.drv" in r.stderr
    root = env["SX_ROOT"]
    assert not os.path.exists(os.path.join(root, "store")) or not os.listdir(
        os.path.join(root, "store"))


@pytest.mark.parametrize("installable,message", [
    ("nonexistent-name", "not a store path, an out-link, a .drv path, FILE.py:attr"),
    ("{recipe}:not_a_drv", "expected a Derivation"),
    ("{recipe}:missing", "no attribute 'missing'"),
    ("/nonexistent/dir/x.py:a", "no such file"),
    ("no.such.module:a", "no module named 'no'"),
    ("/sx/store/00000000000000000000000000000000-x", "not a valid path"),
])
def test_bad_installables(env: dict[str, str], recipe: str, installable: str,
                          message: str) -> None:
    r = sx(env, "realize", installable.format(recipe=recipe))
    assert r.returncode == 1
    assert message in r.stderr and r.stderr.startswith("sx: ")


def test_recipe_that_raises(env: dict[str, str], tmp_path: Path) -> None:
    p = tmp_path / "broken.py"
    p.write_text("raise RuntimeError('recipe is broken')\n")
    r = sx(env, "realize", f"{p}:x")
    assert r.returncode == 1 and "RuntimeError: recipe is broken" in r.stderr


def test_negative_jobs(env: dict[str, str]) -> None:
    r = sx(env, "realize", "-j", "-1", "hello")
    assert r.returncode == 2 and "argument -j/--jobs: '-1': expected a whole number" in r.stderr


def test_registry_and_module_installables(env: dict[str, str]) -> None:
    a = sx(env, "realize", "hello")
    b = sx(env, "realize", "sx.derivations.examples:hello")
    assert a.returncode == 0 and a.stdout == b.stdout


@pytest.mark.slow
def test_ctrl_c_kills_the_sandbox_and_leaves_nothing(env: dict[str, str], recipe: str) -> None:
    marker = Path(recipe).read_text().split('d("slow-')[1].split('"')[0]
    proc = subprocess.Popen([sys.executable, "-m", "sx.cli.main", "realize", f"{recipe}:slow"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not with_marker(f"slow-{marker}") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert with_marker(f"slow-{marker}"), "the build never started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    time.sleep(0.2)
    assert with_marker(f"slow-{marker}") == []
    store = LocalStore(env["SX_ROOT"])
    assert os.listdir(store.tmp) == []
    assert all(p.is_derivation or p.name == "busybox" for p in store.all_paths())


def test_resolve_installables(tmp_path: Path, recipe: str) -> None:
    store = LocalStore(str(tmp_path / "api"))
    with pytest.raises(NotFound, match="not realized"):
        resolve_paths(store, [f"{recipe}:greeting"], lookup=True)
    (p,) = resolve_paths(store, [f"{recipe}:greeting"])
    assert store.is_valid(p)
    assert resolve_paths(store, [f"{recipe}:greeting", str(p)], lookup=True) == [p]
    assert resolve_paths(store, [f"{recipe}:multi^lib"])[0].name == "multi-lib"


def test_parse_installable_forms(tmp_path: Path, recipe: str) -> None:
    store = LocalStore(str(tmp_path / "p"))
    item = parse_installable(store, f"{recipe}:both")
    assert [d.name for d in item.derivations] == ["greeting", "second"]
    with pytest.raises(InvalidInput, match="empty output selection"):
        parse_installable(store, f"{recipe}:multi^")
