"""Logs while a build runs: ``sx realize -L``, ``sx log`` and ``sx log -f``; the log limit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from build_helpers import Shell, build
from sx.derivations.build.errors import LogLimitExceeded
from sx.derivations.build.logs import live_path, read_log
from sx.derivations.model import Source
from sx.store.local import LocalStore
from sx_runner import sx_env

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

RECIPE = '''
from sx.derivations.model import Source, derivation
bb = Source({bb!r}, "busybox")

def d(name, script):
    return derivation(name, f"{{bb}}/bin/sh", ["-c", script], srcs=[bb], env={{"n": {n!r}}})

ticker = d("ticker", "echo one; sleep 1.5; echo two >&2; sleep 1.5; printf three; echo x > $out")
pair = [d("left", "echo from-left; echo x > $out"), d("right", "echo from-right; echo y > $out")]
'''


@pytest.fixture
def recipe(tmp_path: Path, busybox: Source) -> str:
    p = tmp_path / "recipe.py"
    p.write_text(RECIPE.format(bb=busybox.local, n=os.urandom(4).hex()))
    return str(p)


def _sx(root: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "sx.cli.main", "--root", root, *args]


def test_print_build_logs_prefixes_each_line(tmp_path: Path, recipe: str) -> None:
    root = str(tmp_path / "root")
    r = subprocess.run(_sx(root, "realize", "-L", "-q", f"{recipe}:pair"), capture_output=True,
                       text=True, env=sx_env(root), timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert sorted(r.stderr.splitlines()) == ["left> from-left", "right> from-right"]


def test_log_follows_a_running_build_to_its_end(tmp_path: Path, recipe: str) -> None:
    root = str(tmp_path / "root")
    store = LocalStore(root)
    build_proc = subprocess.Popen(_sx(root, "realize", "-q", f"{recipe}:ticker"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=sx_env(root))
    try:
        drv = _wait_live(store)
        # Without -f: what the build has written so far, and no waiting.
        now = subprocess.run(_sx(root, "log", f"{recipe}:ticker"), capture_output=True,
                             env=sx_env(root), timeout=60, check=False)
        assert now.returncode == 0 and now.stdout.startswith(b"one\n")
        assert b"three" not in now.stdout
        followed = subprocess.run(_sx(root, "log", "-f", f"{recipe}:ticker"),
                                  capture_output=True, env=sx_env(root), timeout=60,
                                  check=False)
        ended = time.monotonic()
        assert build_proc.wait(timeout=60) == 0
    finally:
        build_proc.kill()
    assert followed.returncode == 0, followed.stderr
    assert followed.stdout == b"one\ntwo\nthree"
    assert read_log(store.logs, drv) == b"one\ntwo\nthree"
    assert not os.path.lexists(live_path(store.logs, drv))
    # -f returned because the build ended, not long after.
    assert time.monotonic() - ended < 5


def _wait_live(store: LocalStore) -> object:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for name in os.listdir(store.logs):
            if name.endswith(".log.live"):
                drv = store.parse_path(name.removesuffix(".log.live"))
                with open(os.path.join(store.logs, name), "rb") as f:
                    if f.read().startswith(b"one\n"):
                        return drv
        time.sleep(0.05)
    raise AssertionError("the build never started")


def test_log_of_a_dead_build_does_not_wait(tmp_path: Path, recipe: str) -> None:
    root = str(tmp_path / "root")
    store = LocalStore(root)
    proc = subprocess.Popen(_sx(root, "realize", "-q", f"{recipe}:ticker"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=sx_env(root))
    _wait_live(store)
    proc.kill()
    proc.wait(timeout=60)
    t0 = time.monotonic()
    r = subprocess.run(_sx(root, "log", "-f", f"{recipe}:ticker"), capture_output=True,
                       text=True, env=sx_env(root), timeout=60, check=False)
    assert time.monotonic() - t0 < 10
    assert r.returncode == 1 and "no build log" in r.stderr


def test_burst_over_the_log_limit_fails(store: LocalStore, sh: Shell) -> None:
    drv = sh("burst", "yes | head -c 300000; echo x > $out")
    with pytest.raises(LogLimitExceeded, match="log exceeded 100000 bytes"):
        build(store, drv, max_log_size=100_000)
    log = read_log(store.logs, drv.drv_path) or b""
    assert log.endswith(b"\nsx: log limit of 100000 bytes exceeded\n")
    assert len(log) == 100_000 + len(b"\nsx: log limit of 100000 bytes exceeded\n")


def test_burst_under_the_log_limit_succeeds(store: LocalStore, sh: Shell) -> None:
    drv = sh("small-burst", "yes | head -c 90000; echo x > $out")
    build(store, drv, max_log_size=100_000)
    assert len(read_log(store.logs, drv.drv_path) or b"") == 90_000
