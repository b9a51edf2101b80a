"""Every entry point that writes the store, run by an unprivileged user on the default root.

Sandboxed builds (bubblewrap in user namespaces), ``sx run`` and ``sx shell``,
GC, binary caches both ways (``file://``), OCI export and import, and the
pids limit: each as uid 65534 (or the non-root user running the tests) with
the home directory private (0700) and world-searchable (0755).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import unpriv
from sx.derivations.examples import busybox_tree

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

RECIPE = '''
from sx.derivations.model import Source, derivation
bb = Source("busybox", "busybox")
sh = f"{bb}/bin/sh"

def greeting():
    return derivation("greeting", sh, ["-c", "echo hello > $out"], srcs=[bb])

def greeter():
    g = greeting()
    script = f"#!{sh}\\necho greeter says: $(cat {g.out}) \\"$@\\"\\n"
    return derivation("greeter", sh, ["-c", 'mkdir -p $out/bin && printf %s "$script" > '
                      '$out/bin/greet && chmod +x $out/bin/greet'],
                      env={"script": script}, inputs=[g], srcs=[bb],
                      meta={"mainProgram": "greet"})

def bomb():
    return derivation("bomb", sh, ["-c", "while :; do sleep 100 & done 2>/dev/null"],
                      srcs=[bb])
'''


@pytest.fixture
def recipe(home: Path) -> Path:
    busybox_tree(str(home / "busybox"), shutil.which("busybox") or "/bin/busybox")
    p = home / "recipe.py"
    p.write_text(RECIPE)
    unpriv.give(home)
    return p


def sx(home: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run sx as the user in ``home``; return stdout (exit 0 required)."""
    r = unpriv.run_sx(None, home, *args, env=env)
    assert r.returncode == 0, f"sx {' '.join(args)} ({r.returncode}): {r.stderr}"
    return r.stdout


def test_realize_builds_in_the_sandbox_on_the_default_root(home: Path, default_root: Path,
                                                           recipe: Path) -> None:
    out = sx(home, "realize", "recipe.py:greeter", "-o", "result").strip()
    real = default_root / "store" / out.rsplit("/", 1)[1]
    assert (real / "bin" / "greet").is_file()
    assert os.stat(real / "bin" / "greet").st_uid == unpriv.user_id()
    assert os.readlink(home / "result") == str(real)
    assert sx(home, "store", "verify", "--check-contents") == ""


def test_run_and_shell_with_the_store_at_its_place(home: Path, recipe: Path) -> None:
    assert sx(home, "run", "recipe.py:greeter", "--", "a", "b") == "greeter says: hello a b\n"
    sx(home, "realize", "recipe.py:greeter", "-o", "result")
    said = sx(home, "shell", "recipe.py:greeter", "-c", "greet in-path; ./result/bin/greet link")
    assert said == "greeter says: hello in-path\ngreeter says: hello link\n"


def test_gc_collects_what_nothing_refers_to(home: Path, default_root: Path,
                                            recipe: Path) -> None:
    out = sx(home, "realize", "recipe.py:greeter", "-o", "result").strip()
    real = default_root / "store" / out.rsplit("/", 1)[1]
    sx(home, "gc")
    assert real.exists()  # the out-link is a root
    os.unlink(home / "result")
    sx(home, "gc")
    assert not real.exists()
    assert sx(home, "store", "verify") == ""


def test_binary_cache_both_ways(home: Path, recipe: Path) -> None:
    out = sx(home, "realize", "recipe.py:greeter", "-o", "result").strip()
    public = sx(home, "key", "generate", "--name", "me", "-o", "me.key").strip()
    sx(home, "sign", "--key", "me.key", "-r", "result")
    sx(home, "copy", "--to", f"file://{home}/cache", "result")
    other = home / "other"
    config = home / "other.conf"
    config.write_text(f'trusted-public-keys = ["{public}"]\nrequired-signatures = 1\n')
    unpriv.give(config)
    env = {"SX_ROOT": str(other), "SX_CONFIG": str(config)}
    sx(home, "copy", "--from", f"file://{home}/cache", out, env=env)
    info = json.loads(sx(home, "path-info", "--json", out, env=env))
    assert info[0]["path"] == out and info[0]["signatures"]
    assert sx(home, "store", "verify", "--check-contents", env=env) == ""


def test_oci_export_and_import(home: Path, recipe: Path) -> None:
    out = sx(home, "realize", "recipe.py:greeter").strip()
    sx(home, "export-oci", "recipe.py:greeter", "-o", "image", "--tag", "v1")
    index = json.loads((home / "image" / "index.json").read_text())
    assert index["manifests"]
    env = {"SX_ROOT": str(home / "imported")}
    sx(home, "import-oci", "image:v1", env=env)
    assert sx(home, "path-info", out, env=env).strip() == out


def test_fork_bomb_stops_at_the_process_limit(home: Path, recipe: Path) -> None:
    r = unpriv.run_sx(None, home, "realize", "--max-pids", "30", "recipe.py:bomb")
    assert r.returncode == 4, r.stderr
    assert "process limit of 30 reached (--max-pids)" in r.stderr


def hostile_tree(home: Path) -> Path:
    """A tree the user owns with names and links a listing must take as they are."""
    tree = home / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "sub" / "deeper" / "f").write_text("deep\n")
    (tree / "a").write_text("a\n")
    os.symlink("loop", tree / "loop")
    os.symlink("/etc", tree / "to-etc")
    os.symlink("sub", tree / "to-sub")
    (Path(os.fsdecode(os.fsencode(tree) + b"/\xff\x01name"))).write_text("odd\n")
    unpriv.give(tree)
    return tree


def test_hash_and_add_take_links_as_links_with_either_listing(home: Path) -> None:
    """The C directory listing and the Python one, run by the user, give one hash and
    one store path; links (a loop, one out of the tree) are stored as links."""
    tree = hostile_tree(home)
    native = sx(home, "hash", "path", str(tree))
    python = sx(home, "hash", "path", str(tree), env={"SX_NATIVE": "0"})
    assert native == python and native.startswith("b3:")
    added = sx(home, "store", "add", str(tree)).strip()
    again = sx(home, "store", "add", str(tree), env={"SX_NATIVE": "0",
                                                     "SX_ROOT": str(home / "other")}).strip()
    assert added == again
    r = subprocess.run(unpriv.sx_command(None, "store", "ls", "-R", "-l", added),
                       capture_output=True, cwd=home, env=unpriv.user_env(home), timeout=120,
                       check=False)
    assert r.returncode == 0, r.stderr
    assert b"/to-etc -> /etc\n" in r.stdout and b"/loop -> loop\n" in r.stdout
    assert b"/\xff\x01name\n" in r.stdout
    assert b"passwd" not in r.stdout and b"deeper/f" in r.stdout  # links were not followed


@pytest.mark.parametrize("native", ["1", "0"])
def test_an_unreadable_directory_is_one_line_and_nothing_is_added(home: Path,
                                                                  default_root: Path,
                                                                  native: str) -> None:
    tree = hostile_tree(home)
    r = unpriv.run_as_user(["chmod", "000", str(tree / "sub" / "deeper")], home)
    assert r.returncode == 0, r.stderr
    env = {"SX_NATIVE": native}
    for args in (("hash", "path", str(tree)), ("store", "add", str(tree))):
        r = unpriv.run_sx(None, home, *args, env=env)
        assert r.returncode == 1, (args, r.returncode, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "deeper" in lines[0] and "Permission denied" in lines[0], \
            r.stderr
    store = default_root / "store"
    assert not store.exists() or not [p for p in os.listdir(store) if p.endswith("-tree")]
