"""The exit-code table (docs/cli.md): each family through the CLI, each in a fresh process.

The table must not depend on which command module happens to be imported:
a failed build reached through ``export-oci`` exits 4 exactly as through
``realize``, and a storage failure inside the scheduler keeps its family (3).
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sx.cli.errors import TABLE
from sx_runner import Sx, sx_env

BUSYBOX = shutil.which("busybox") or "/bin/busybox"

RECIPE = f'''
from sx.derivations.examples import busybox_tree
from sx.derivations.model import BUILTIN_WRITE, derivation

def bad():
    """A builtin that fails: its 'hex' is not hexadecimal."""
    return derivation("bad", BUILTIN_WRITE, env={{"hex": "zz"}}, system="builtin")

def sleeper():
    """A sandboxed build that sleeps until it is interrupted."""
    bb = busybox_tree({{here!r}} + "/bb", {BUSYBOX!r})
    return derivation("sleeper", f"{{bb}}/bin/sh", ["-c", "sleep 600"], srcs=[bb])
'''


@pytest.fixture
def recipe(tmp_path: Path) -> str:
    """A recipe file with a failing builtin and a sleeping sandboxed build."""
    f = tmp_path / "recipe.py"
    f.write_text(RECIPE.replace("{here!r}", repr(str(tmp_path))))
    return str(f)


def _one_line(r: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("sx: ")]
    assert "Traceback" not in r.stderr, r.stderr
    assert len(lines) >= 1, r.stderr
    return lines[-1]


def test_ok_bad_input_and_usage(sx: Sx, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert sx("store", "add", str(tmp_path / "f")).returncode == 0
    bad = sx("path-info", "/sx/store/not-a-path")
    assert bad.returncode == 1 and _one_line(bad).startswith("sx: ")
    assert sx("frobnicate").returncode == 2
    assert sx().returncode == 2


def test_build_failure_is_4_through_every_command(sx: Sx, recipe: str, tmp_path: Path) -> None:
    for args in (["realize", f"{recipe}:bad"],
                 ["export-oci", f"{recipe}:bad", "-o", str(tmp_path / "img")],
                 ["copy", "--to", f"file://{tmp_path / 'cache'}", f"{recipe}:bad"]):
        r = sx(*args)
        assert r.returncode == 4, (args, r.stderr)
        assert "env 'hex' is not hexadecimal" in _one_line(r)
    assert not (tmp_path / "img").exists()


def test_storage_failure_is_3(sx: Sx, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    path = sx.ok("store", "add", str(tmp_path / "f")).strip()
    port = _closed_port()
    r = sx("copy", "--to", f"http://127.0.0.1:{port}", path)
    assert r.returncode == 3, r.stderr
    assert f"127.0.0.1:{port}" in _one_line(r)


def test_storage_failure_inside_the_scheduler_keeps_its_family(
        sx: Sx, tmp_path: Path) -> None:
    """A substitution whose local part fails (too few descriptors allowed) exits 3, not 4."""
    recipe = "sx.derivations.examples:hello"
    other = Sx(str(tmp_path / "other"))
    path = other.ok("realize", "-q", recipe).strip()
    pub = other.ok("key", "generate", "--name", "k", "-o", str(tmp_path / "k")).strip()
    other.ok("sign", "--key", str(tmp_path / "k"), path)
    cache = tmp_path / "cache"
    other.ok("copy", "--to", f"file://{cache}", path)
    conf = tmp_path / "sx.conf"
    conf.write_text(f'substituters = ["file://{cache}"]\ntrusted-public-keys = ["{pub}"]\n')

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    r = subprocess.run(sx.argv("realize", "--no-build", recipe), capture_output=True,
                       text=True, timeout=120, preexec_fn=few_files,
                       env=sx_env(sx.root, {"SX_CONFIG": str(conf)}))
    assert r.returncode == 3, r.stderr
    assert "needs 257 open files, the limit is 64" in _one_line(r)
    assert sx("path-info", path).returncode == 1  # nothing registered


def test_untrusted_is_5(sx: Sx, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    path = sx.ok("store", "add", str(tmp_path / "f")).strip()
    sx.ok("copy", "--to", f"file://{tmp_path / 'cache'}", path)
    other = Sx(str(tmp_path / "other"))
    r = other("copy", "--from", f"file://{tmp_path / 'cache'}", path)
    assert r.returncode == 5, r.stderr
    assert "no trusted-public-keys configured" in _one_line(r)


@pytest.mark.sandbox
def test_interrupted_is_130(sx: Sx, recipe: str) -> None:
    proc = subprocess.Popen(sx.argv("realize", f"{recipe}:sleeper"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=sx_env(sx.root))
    deadline = time.monotonic() + 60
    while not _sleeping_under(proc.pid):
        assert time.monotonic() < deadline and proc.poll() is None, "the build never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "sx: interrupted"


def test_table_does_not_depend_on_imports() -> None:
    """A fresh interpreter that imports only the table maps every family."""
    code = ("from sx.cli.errors import exit_code\n"
            "from sx.derivations.build.errors import BuildError\n"
            "from sx.derivations.build.sandbox import SandboxError as S\n"
            "from sx.store.cache.base import CacheError\n"
            "from sx.store.errors import HashMismatch, StorageError, Untrusted\n"
            "print([exit_code(e('x')) for e in (HashMismatch, StorageError, CacheError,\n"
            "       BuildError, S, Untrusted)], exit_code(KeyboardInterrupt()))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "[1, 3, 3, 4, 4, 5] 130"
    assert len({klass for klass, _ in TABLE}) == len(TABLE)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sleeping_under(pid: int) -> bool:
    """Whether a ``sleep`` runs among ``pid``'s descendants (the build has started)."""
    try:
        out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,comm="], capture_output=True,
                             text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    children: dict[int, list[tuple[int, str]]] = {}
    for line in out.splitlines():
        p, pp, comm = line.split(None, 2)
        children.setdefault(int(pp), []).append((int(p), comm.strip()))
    todo = [pid]
    while todo:
        for child, comm in children.get(todo.pop(), []):
            if comm == "sleep":
                return True
            todo.append(child)
    return False

