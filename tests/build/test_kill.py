"""A build dies with its command: every way of stopping sx leaves no process of it.

Each case runs ``sx realize`` on a builder that starts 20 background
sleepers (all carrying a marker in their environment), stops sx one way —
timeout, log limit, Ctrl-C, SIGTERM, ``kill -9`` of sx itself — and then
scans ``/proc`` for the marker. Every case runs as an unprivileged user
(plain mode) and as root (mapped mode), with the store in a private (0700)
and in a world-searchable directory. Plain mode as root, a fallback, is
asked for through the API (the last tests).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import unpriv
from procscan import wait_for, wait_gone, with_marker
from sx.derivations.build.errors import BuildError, BuildTimeout
from sx.derivations.build.linux import BwrapSandbox
from sx.derivations.build.logs import read_log
from sx.derivations.build.progress import Progress
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.examples import busybox_tree
from sx.derivations.model import derivation
from sx.store.local import LocalStore

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SLEEPERS = 20
RECIPE = '''
from sx.derivations.model import Source, derivation
bb = Source({bb!r}, "busybox")
START = "for i in $(seq {n}); do sleep 1000 & done; echo started; "

def d(name, script):
    return derivation(name, f"{{bb}}/bin/sh", ["-c", START + script], srcs=[bb],
                      env={{"SX_TEST_MARK": {mark!r}}})

sleepers = d("sleepers", "sleep 1000; echo x > $out")
burst = d("burst", "yes | head -c 300000; sleep 1000; echo x > $out")
flood = d("flood", "yes")
'''


@dataclass
class Case:
    """One store set up for a user: how to run sx there, and the marker of its builds."""

    base: Path
    root: Path
    recipe: Path
    mark: str
    user: bool

    def argv(self, *args: str) -> list[str]:
        if self.user:
            return unpriv.sx_command(self.root, *args)
        return [sys.executable, "-m", "sx.cli.main", "--root", str(self.root), *args]

    def env(self) -> dict[str, str]:
        return unpriv.user_env(self.base)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(*args), capture_output=True, text=True, cwd=self.base,
                              env=self.env(), timeout=300, check=False)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=self.base,
                                env=self.env())

    def store(self) -> LocalStore:
        return LocalStore(str(self.root))


def _owned_dir(who: str, where: str) -> Path:
    if who == "user":
        return unpriv.user_dir(where, "sx-kill-")
    d = Path(tempfile.mkdtemp(prefix="sx-kill-"))
    os.chmod(d, 0o755 if where == "searchable" else 0o700)
    return d


@pytest.fixture(params=[("root", "private"), ("root", "searchable"),
                        ("user", "private"), ("user", "searchable")],
                ids=lambda p: "-".join(p))
def case(request: pytest.FixtureRequest) -> Iterator[Case]:
    who, where = request.param
    if who == "root" and os.geteuid() != 0:
        pytest.skip("the root cases need root")
    base = _owned_dir(who, where)
    try:
        bb = busybox_tree(str(base / "bb"), "/bin/busybox")
        mark = f"sx-kill-{secrets.token_hex(6)}"
        recipe = base / "recipe.py"
        recipe.write_text(RECIPE.format(bb=bb.local, n=SLEEPERS, mark=mark))
        root = base / "root"
        if who == "user":
            # Until the store can add a directory as an unprivileged user, the
            # busybox source goes in as root before the root is handed over.
            LocalStore(str(root)).add_tree(bb.local, "busybox")
            unpriv.give(base)
        yield Case(base, root, recipe, mark, who == "user")
    finally:
        survivors = with_marker(mark) if "mark" in locals() else []
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
        unpriv.remove_dir(base)


def _all_started(case: Case) -> None:
    started = wait_for(case.mark, SLEEPERS + 1)
    assert len(started) >= SLEEPERS + 1, f"the build never started: {started}"


def test_timeout_ends_every_process(case: Case) -> None:
    proc = case.run("realize", f"{case.recipe}:sleepers", "--timeout", "3")
    assert proc.returncode == 4, proc.stderr
    assert "timed out after 3.0 s" in proc.stderr
    assert with_marker(case.mark) == []


def test_log_limit_on_a_burst_ends_every_process(case: Case) -> None:
    proc = case.run("realize", f"{case.recipe}:burst", "--max-log-size", "100k")
    assert proc.returncode == 4, proc.stderr
    assert "log exceeded 102400 bytes" in proc.stderr
    assert with_marker(case.mark) == []
    drv = next(p for p in case.store().all_paths() if p.name == "burst.drv")
    log = read_log(str(case.root / "var" / "log"), drv) or b""
    assert log.startswith(b"started\ny\ny\n")
    body, _, trailer = log.rpartition(b"\nsx: log limit")
    assert len(body) <= 102400 and trailer.startswith(b" of 102400 bytes exceeded")


def test_log_limit_stops_a_writer_that_never_ends(case: Case) -> None:
    proc = case.run("realize", f"{case.recipe}:flood", "--max-log-size", "1M")
    assert proc.returncode == 4, proc.stderr
    assert "log exceeded 1048576 bytes" in proc.stderr
    # Nothing is left to write anywhere, deleted log files included.
    assert with_marker(case.mark) == []


@pytest.mark.parametrize("sig, code, said", [
    (signal.SIGINT, 130, "sx: interrupted"),
    (signal.SIGTERM, 143, "sx: realize: terminated by SIGTERM; every running build was killed"),
], ids=["sigint", "sigterm"])
def test_signal_to_sx_ends_every_process(case: Case, sig: int, code: int, said: str) -> None:
    proc = case.start("realize", f"{case.recipe}:sleepers")
    try:
        _all_started(case)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert err.splitlines()[-1] == said
    assert with_marker(case.mark) == []
    store = case.store()
    assert os.listdir(store.tmp) == []
    assert not any(p.name == "sleepers" for p in store.all_paths())


def test_crash_of_sx_ends_every_process(case: Case) -> None:
    proc = case.start("realize", f"{case.recipe}:sleepers")
    try:
        _all_started(case)
        if case.user:
            # setpriv execs sx, so the child is sx itself.
            assert os.path.basename(os.readlink(f"/proc/{proc.pid}/exe")).startswith("python")
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    # Nothing sx does can help now: the kernel ends the build on its own.
    assert wait_gone(case.mark, 10) == []
    # And the next sx on the store cleans up what the dead one left.
    assert case.run("gc").returncode == 0
    assert os.listdir(case.store().tmp) == []


def test_failed_build_kept_with_k(case: Case) -> None:
    proc = case.run("realize", "-K", f"{case.recipe}:sleepers", "--timeout", "2")
    assert proc.returncode == 4, proc.stderr
    line = next(ln for ln in proc.stderr.splitlines() if "kept the build directory" in ln)
    kept = Path(line.rsplit(": ", 1)[1])
    assert kept.parent == case.root / "var" / "failed" and kept.is_dir()
    assert with_marker(case.mark) == []



@pytest.mark.skipif(os.geteuid() != 0, reason="plain mode as root needs root")
@pytest.mark.parametrize("how", ["timeout", "cancel"])
def test_plain_mode_as_root_ends_every_process(tmp_path: Path, how: str) -> None:
    store = LocalStore(str(tmp_path / "root"))
    bb = busybox_tree(str(tmp_path / "bb"), "/bin/busybox")
    mark = f"sx-kill-{secrets.token_hex(6)}"
    drv = derivation("sleepers", f"{bb}/bin/sh",
                     ["-c", f"for i in $(seq {SLEEPERS}); do sleep 1000 & done; sleep 1000"],
                     srcs=[bb], env={"SX_TEST_MARK": mark})
    failing = derivation("fails", f"{bb}/bin/sh", ["-c", "sleep 2; exit 1"], srcs=[bb])
    sandbox = BwrapSandbox(mapped=False)
    if how == "timeout":
        with pytest.raises(BuildTimeout):
            realize(store, [drv], BuildOptions(timeout=2, sandbox=sandbox,
                                               progress=Progress(quiet=True)))
    else:  # a failed build cancels the other, which is killed
        with pytest.raises(BuildError):
            realize(store, [drv, failing], BuildOptions(jobs=2, sandbox=sandbox,
                                                        progress=Progress(quiet=True)))
    assert with_marker(mark) == []
