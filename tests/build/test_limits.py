"""Per-build limits: processes (a real, bounded fork bomb), memory and CPU time.

Each limit is small, so the attack stays small: the machine is shared. The
cases run in the sandbox's mapped mode as root (plain mode when not root),
and the fork bombs also in plain mode as root, where a pids cgroup holds
them; the same as an unprivileged user through the CLI is in tests/user.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import pytest
from build_helpers import Shell, build, out, read
from procscan import with_marker
from sx.cli.installables import build_options
from sx.cli.main import build_parser
from sx.derivations.build.errors import BuildError, LimitExceeded
from sx.derivations.build.linux import BwrapSandbox
from sx.derivations.build.logs import read_log
from sx.derivations.build.scheduler import BuildOptions
from sx.derivations.build.settings import DEFAULT_MAX_PIDS
from sx.store.config import Settings
from sx.store.local import LocalStore

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


@pytest.fixture
def store(both_store: LocalStore) -> LocalStore:
    return both_store


def _marked(sh: Shell, name: str, script: str) -> tuple[object, str]:
    mark = f"sx-limit-{secrets.token_hex(6)}"
    return sh(name, script, env={"SX_TEST_MARK": mark}), mark


# The classic bomb (busybox sh will not name a function ":"), and a storm of
# long-lived processes that keeps the build at its limit.
CLASSIC = "f(){ f|f& };f"
STORM = "while :; do sleep 100 & done 2>/dev/null"


def test_fork_storm_fails_naming_the_process_limit(store: LocalStore, sh: Shell) -> None:
    drv, mark = _marked(sh, "storm", f"{STORM}; echo x > $out")
    t0 = time.monotonic()
    with pytest.raises(LimitExceeded, match=r"process limit of 30 reached \(--max-pids\)"):
        build(store, drv, max_pids=30)
    assert time.monotonic() - t0 < 25
    assert with_marker(mark) == []
    log = read_log(store.logs, drv.drv_path) or b""  # type: ignore[attr-defined]
    assert b"sx: process limit of 30 reached" in log


def test_classic_fork_bomb_is_held_at_the_limit(store: LocalStore, sh: Shell) -> None:
    # RLIMIT_NPROC makes the kernel refuse forks past the limit, so the bomb
    # collapses; whether sx's samples saw it at the limit or the builder
    # failed on its own, the build fails at once and leaves nothing. On its
    # own means either the script's "exit 3", or the shell's exit 2 when the
    # kernel refused it the fork of "sleep" while the bomb still held the
    # limit; the log then says so.
    drv, mark = _marked(sh, "bomb", f"{CLASSIC}; sleep 2; exit 3")
    t0 = time.monotonic()
    with pytest.raises(BuildError,
                       match=r"process limit of 30 reached|exit code [23]$") as caught:
        build(store, drv, max_pids=30)
    assert time.monotonic() - t0 < 25
    assert with_marker(mark) == []
    if str(caught.value).endswith("exit code 2"):
        log = read_log(store.logs, drv.drv_path) or b""  # type: ignore[attr-defined]
        assert b"fork" in log, log[-400:]


@pytest.mark.skipif(os.geteuid() != 0, reason="plain mode as root needs root")
@pytest.mark.parametrize("bomb", [CLASSIC, STORM], ids=["classic", "storm"])
def test_pids_cgroup_names_the_limit_for_roots_own_builds(tmp_path: Path, sh: Shell,
                                                          bomb: str) -> None:
    # Plain mode as root: the builder is host root, which RLIMIT_NPROC does
    # not bind; the build's pids cgroup holds it and counts every refusal.
    store = LocalStore(str(tmp_path / "root"))
    drv, mark = _marked(sh, "root-bomb", f"{bomb}; sleep 2; echo x > $out")
    with pytest.raises(LimitExceeded, match=r"process limit of 30 reached"):
        build(store, drv, max_pids=30, sandbox=BwrapSandbox(mapped=False))
    assert with_marker(mark) == []


def test_a_build_under_the_process_limit_is_not_disturbed(store: LocalStore,
                                                          sh: Shell) -> None:
    drv = sh("twenty", "for i in $(seq 20); do sleep 1 & done; wait; echo ok > $out")
    assert read(out(store, drv, max_pids=30)) == "ok\n"


def test_there_is_a_process_limit_by_default() -> None:
    # A real bomb at the default limit would take thousands of processes of
    # a shared machine; the tests above show the mechanism at a small limit.
    assert BuildOptions().max_pids == DEFAULT_MAX_PIDS == 2048
    # sx realize without --max-pids: the setting's default, unless configured.
    args = build_parser("realize").parse_args(["realize", "x"])
    assert args.max_pids is None and Settings().max_pids == DEFAULT_MAX_PIDS
    assert build_options(Settings()).max_pids == DEFAULT_MAX_PIDS


def test_memory_limit_names_the_limit(store: LocalStore, sh: Shell) -> None:
    # Four processes of ~40 MB each: every one is under the limit on its own.
    hog = '(head -c 40000000 /dev/zero | tr "\\0" a; sleep 100) | sort > /dev/null & '
    drv, mark = _marked(sh, "hogs", hog * 4 + "sleep 100; echo x > $out")
    with pytest.raises(LimitExceeded, match=r"memory limit of 104857600 bytes exceeded"):
        build(store, drv, max_memory=100 << 20)
    assert with_marker(mark) == []


def test_memory_limit_refuses_one_big_allocation(store: LocalStore, sh: Shell) -> None:
    drv = sh("big", "dd if=/dev/zero of=/dev/null bs=200M count=1 && echo x > $out")
    with pytest.raises(BuildError, match="exit code"):
        build(store, drv, max_memory=100 << 20)
    assert b"out of memory" in (read_log(store.logs, drv.drv_path) or b"")


def test_cpu_time_limit_counts_every_process(store: LocalStore, sh: Shell) -> None:
    drv, mark = _marked(sh, "spin", "while :; do :; done & while :; do :; done")
    t0 = time.monotonic()
    with pytest.raises(LimitExceeded, match=r"CPU time limit of 1 s exceeded"):
        build(store, drv, max_cpu_time=1)
    # Two spinning processes share the 1 s: the build cannot run 1 s per process.
    assert time.monotonic() - t0 < 20
    assert with_marker(mark) == []


def test_limits_do_not_apply_when_off(store: LocalStore, sh: Shell) -> None:
    drv = sh("many", "for i in $(seq 40); do sleep 1 & done; wait; echo ok > $out")
    assert read(out(store, drv, max_pids=None)) == "ok\n"
